import { randomBytes } from 'node:crypto';
import { leadDecider } from '@crm/sales/domain';
import { WrongExpectedRevisionError } from '@crm/shared/event-sourcing';
import { BlindIndex } from '@crm/shared/personal-data';
import { idFor } from '@crm/shared/http';
import { leadStream } from '../../common/streams';
import { captureLead, salesWorld, type SalesWorld } from '../../testing/fixtures';
import { leadKeyStream, recordedClaimKey } from './lead-key-claim';
import { LeadKeyClaims } from './lead-key-claims';
import { LeadDedupe } from './lead-dedupe';

const PHONE_KEY = 'phone:+989121234567';
// One server secret, as every process of one installation shares.
const INDEX = new BlindIndex(randomBytes(32));

function dedupeOn(world: SalesWorld) {
  const claims = new LeadKeyClaims(world.executor, INDEX, { pendingTtlMs: 60_000, pendingWaitMs: 60 });
  const dedupe = new LeadDedupe(world.executor, claims);
  const capture = (data: Parameters<typeof captureLead>[0], context = world.context()) =>
    dedupe.capture(captureLead(data), context, world.clock.now());
  return { claims, dedupe, capture };
}

describe('LeadDedupe', () => {
  it('refuses a second open lead with the same phone in another spelling, naming the first, and records nothing', async () => {
    const world = salesWorld();
    const { capture } = dedupeOn(world);
    const first = await capture({ phone: '۰۹۱۲۱۲۳۴۵۶۷' });
    const head = await world.store.headPosition();
    await expect(capture({ phone: '+98 912 123 4567', fullName: 'Maryam Ahmadi' })).rejects.toMatchObject({
      code: 'LEAD.DUPLICATE',
      details: { existingLeadId: first.state.status === 'none' ? '' : first.state.lead.leadId },
    });
    expect(await world.store.headPosition()).toBe(head);
  });

  it('records an allowed duplicate, which then guards the key too until it closes', async () => {
    const world = salesWorld();
    const { capture } = dedupeOn(world);
    const first = captureLead({ phone: '09121234567' });
    await dedupeOn(world).dedupe.capture(first, world.context(), world.clock.now());
    const allowed = await capture({ phone: '0912 123 4567', allowDuplicate: true });
    expect(allowed.events[0]?.data).toMatchObject({ duplicateOfLeadId: first.data.leadId });
    const allowedId = allowed.events[0]?.data.leadId;

    await world.executor.execute(
      leadDecider,
      leadStream(first.data.leadId),
      { type: 'DisqualifyLead', data: { leadId: first.data.leadId, reason: 'duplicate', disqualifiedAt: '2026-01-10T10:00:00Z' } },
      world.context(),
    );
    await expect(capture({ phone: '09121234567' })).rejects.toMatchObject({
      code: 'LEAD.DUPLICATE',
      details: { existingLeadId: allowedId },
    });
  });

  it('frees a key when its lead moves to another phone', async () => {
    const world = salesWorld();
    const { capture, dedupe } = dedupeOn(world);
    const first = captureLead({ phone: '09121234567' });
    await dedupe.capture(first, world.context(), world.clock.now());
    const moved = await world.executor.execute(
      leadDecider,
      leadStream(first.data.leadId),
      { type: 'UpdateLead', data: { leadId: first.data.leadId, phone: '09350000000', updatedAt: '2026-01-10T10:00:00Z' } },
      world.context(),
    );
    const update = moved.events[0];
    if (update?.type === 'LeadUpdated' && update.data.matchKeys) {
      await dedupe.claimMovedKeys(first.data.leadId, update.data.matchKeys, world.context(), world.clock.now());
    }
    await expect(capture({ phone: '09121234567' })).resolves.toMatchObject({ duplicate: false });
    await expect(capture({ phone: '+989350000000' })).rejects.toMatchObject({
      code: 'LEAD.DUPLICATE',
      details: { existingLeadId: first.data.leadId },
    });
  });

  it('lets exactly one of several concurrent captures of the same phone through', async () => {
    const world = salesWorld();
    const { capture } = dedupeOn(world);
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => capture({ phone: '09121234567', fullName: `نفر ${i}` })));
    const recorded = results.filter((result) => result.status === 'fulfilled');
    expect(recorded).toHaveLength(1);
    const winner = (await world.store.readAll({ filter: { eventTypes: ['LeadCaptured'] } })).events;
    expect(winner).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected')
        expect(result.reason).toMatchObject({ code: 'LEAD.DUPLICATE', details: { existingLeadId: winner[0]?.data['leadId'] } });
    }
  });

  it('converges when a capture crashed between its claim and its lead', async () => {
    const world = salesWorld();
    const { claims, capture } = dedupeOn(world);
    const crashed = captureLead({ phone: '09121234567' });
    const crashedContext = world.context();
    await claims.claim(PHONE_KEY, crashed.data.leadId, crashedContext, world.clock.now());

    // Meanwhile the key is taken by a capture that has not finished: others are asked to retry, not given a phantom lead id.
    await expect(capture({ phone: '09121234567' })).rejects.toMatchObject({
      code: 'LEAD.CAPTURE_IN_PROGRESS',
      details: { pendingLeadId: crashed.data.leadId },
    });
    // The client's retry with the same command id finds its own claim and records the lead.
    const retried = await dedupeOn(world).dedupe.capture(crashed, crashedContext, world.clock.now());
    expect(retried.duplicate).toBe(false);
    await expect(capture({ phone: '09121234567' })).rejects.toMatchObject({
      code: 'LEAD.DUPLICATE',
      details: { existingLeadId: crashed.data.leadId },
    });
  });

  it('lets the key go once a crashed capture is older than the pending TTL; its late retry is then the duplicate', async () => {
    const world = salesWorld();
    const { claims, capture, dedupe } = dedupeOn(world);
    const crashed = captureLead({ phone: '09121234567' });
    const crashedContext = world.context();
    await claims.claim(PHONE_KEY, crashed.data.leadId, crashedContext, world.clock.now());
    world.clock.advance(60_000);
    const takeover = await capture({ phone: '09121234567' });
    expect(takeover.duplicate).toBe(false);
    await expect(dedupe.capture(crashed, crashedContext, world.clock.now())).rejects.toMatchObject({
      code: 'LEAD.DUPLICATE',
      details: { existingLeadId: takeover.events[0]?.data.leadId },
    });
  });

  it('records nothing at all, no claim on its other keys either, when a capture is refused', async () => {
    const world = salesWorld();
    const { capture, claims } = dedupeOn(world);
    await capture({ phone: '09121234567' });
    const head = await world.store.headPosition();
    await expect(capture({ email: 'maryam@example.ir', phone: '09121234567' })).rejects.toMatchObject({ code: 'LEAD.DUPLICATE' });
    expect(await world.store.headPosition()).toBe(head);
    await expect(capture({ email: 'Maryam@Example.ir' })).resolves.toMatchObject({ duplicate: false });
    expect(await world.streamTypes(leadKeyStream('default', claims.blind('email:maryam@example.ir')))).toEqual(['LeadKeyClaimed']);
  });

  it('names claim streams and records claims by blind index, never by the email or phone', async () => {
    const world = salesWorld();
    const { capture, claims } = dedupeOn(world);
    await capture({ email: 'Sara@Example.ir', phone: '۰۹۳۵۱۱۱۲۲۳۳' });
    const claimed = (await world.store.readAll()).events.filter((event) => event.type === 'LeadKeyClaimed');
    expect(claimed).toHaveLength(2);
    const text = JSON.stringify(claimed);
    for (const trace of ['sara', 'example', '9351112233']) expect(text.toLowerCase()).not.toContain(trace);
    // Recorded as the tenant's: the claim stream's own id, not the blind index, which is the same in every tenant.
    expect(claimed.map((event) => event.data['key'])).toEqual([
      recordedClaimKey('default', claims.blind('email:sara@example.ir')),
      recordedClaimKey('default', claims.blind('phone:+989351112233')),
    ]);
    expect(claimed.map((event) => event.streamId)).toEqual(claimed.map((event) => `lead-key-${String(event.data['key']).split(':')[1]}`));
    expect(claims.blind('phone:+989351112233')).toMatch(/^phone:[A-Za-z0-9_-]{43}$/);
  });

  it('records the same phone in two tenants under keys that do not link them', async () => {
    const world = salesWorld();
    const { capture } = dedupeOn(world);
    await capture({ phone: '09351112233' });
    await capture({ phone: '09351112233' }, { ...world.context(), tenantId: 'acme' });
    const claimed = (await world.store.readAll()).events.filter((event) => event.type === 'LeadKeyClaimed');
    expect(claimed.map((event) => event.metadata.tenantId)).toEqual(['default', 'acme']);
    expect(claimed[0]?.data['key']).not.toEqual(claimed[1]?.data['key']);
  });

  it('writes the lead and the claims on its keys in one append', async () => {
    const world = salesWorld();
    const { capture } = dedupeOn(world);
    const result = await capture({ email: 'sara@example.ir', phone: '09351112233' });
    const all = (await world.store.readAll()).events;
    expect(all.map((event) => event.type)).toEqual(['LeadCaptured', 'LeadKeyClaimed', 'LeadKeyClaimed']);
    expect(result.position).toBe(all[0]?.position);
  });

  it('skips the look-ups for an earlier run when the server made the command id and the lead id follows from it', async () => {
    const world = salesWorld();
    const { dedupe } = dedupeOn(world);
    const lookups = jest.spyOn(world.store, 'findEvent');
    const revisions = jest.spyOn(world.store, 'streamRevision');
    const made = world.context();
    const issued = { ...made, issuedCommandId: made.commandId };
    const lead = captureLead({ leadId: idFor(issued, 'lead'), phone: '09351112233' });
    await expect(dedupe.capture(lead, issued, world.clock.now())).resolves.toMatchObject({ duplicate: false });
    expect(lookups).not.toHaveBeenCalled();
    expect(revisions).not.toHaveBeenCalledWith(leadStream(lead.data.leadId), expect.anything());
    // The same request retried under that id as its key is answered from the record, nothing appended.
    const head = await world.store.headPosition();
    await expect(dedupe.capture(lead, made, world.clock.now())).resolves.toMatchObject({ duplicate: true });
    expect(lookups).toHaveBeenCalled();
    expect(await world.store.headPosition()).toBe(head);
    // A lead id the caller chose may exist already: its stream is looked at even with a new command id.
    revisions.mockClear();
    const again = world.context();
    await expect(
      dedupe.capture(
        captureLead({ leadId: lead.data.leadId, phone: '09351112244' }),
        { ...again, issuedCommandId: again.commandId },
        world.clock.now(),
      ),
    ).rejects.toMatchObject({ code: 'LEAD.ALREADY_EXISTS' });
    expect(revisions).toHaveBeenCalledWith(leadStream(lead.data.leadId), expect.anything());
    expect(await world.store.headPosition()).toBe(head);
  });

  it('takes a new lead’s keys as unclaimed when the server named it: no key stream read; one claimed before is read on the next attempt', async () => {
    const world = salesWorld();
    const { dedupe, claims } = dedupeOn(world);
    const tenantId = world.context().tenantId;
    const keyStream = (key: string) => leadKeyStream(tenantId, claims.blind(key));
    const phone = keyStream('phone:+989351112233');
    const reads: string[] = [];
    const readStream = world.store.readStream.bind(world.store);
    jest.spyOn(world.store, 'readStream').mockImplementation((streamId, options) => {
      reads.push(streamId);
      return readStream(streamId, options);
    });
    const issued = () => {
      const made = world.context();
      return { ...made, issuedCommandId: made.commandId };
    };
    const first = issued();
    const firstLead = captureLead({ leadId: idFor(first, 'lead'), email: 'sara@example.ir', phone: '09351112233' });
    await expect(dedupe.capture(firstLead, first, world.clock.now())).resolves.toMatchObject({ duplicate: false });
    expect(reads.filter((streamId) => streamId === phone || streamId === keyStream('email:sara@example.ir'))).toEqual([]);
    expect((await world.store.readAll()).events.map((event) => event.type)).toEqual(['LeadCaptured', 'LeadKeyClaimed', 'LeadKeyClaimed']);

    // The same phone again: the store refuses the claim expecting no stream, the next attempt reads it and refuses the duplicate.
    const head = await world.store.headPosition();
    const second = issued();
    await expect(
      dedupe.capture(captureLead({ leadId: idFor(second, 'lead'), phone: '0935 111 2233' }), second, world.clock.now()),
    ).rejects.toMatchObject({ code: 'LEAD.DUPLICATE', details: { existingLeadId: firstLead.data.leadId } });
    expect(await world.store.headPosition()).toBe(head);
    expect(reads.filter((streamId) => streamId === phone).length).toBeGreaterThan(0);

    // Its lead disqualified, the key is free again though its stream exists: the next attempt reads it and claims it.
    await world.executor.execute(
      leadDecider,
      leadStream(firstLead.data.leadId),
      { type: 'DisqualifyLead', data: { leadId: firstLead.data.leadId, reason: 'duplicate', disqualifiedAt: '2026-01-10T10:00:00Z' } },
      world.context(),
    );
    const third = issued();
    const thirdLead = captureLead({ leadId: idFor(third, 'lead'), phone: '09351112233' });
    await expect(dedupe.capture(thirdLead, third, world.clock.now())).resolves.toMatchObject({ duplicate: false });
    const claimed = (await world.store.readStream(phone, { tenantId })).map((event) => event.data['leadId']);
    expect(claimed).toEqual([firstLead.data.leadId, thirdLead.data.leadId]);
  });

  it('reads each key stream once per capture: the claims are decided from the read that found them free', async () => {
    const world = salesWorld();
    const { capture, claims } = dedupeOn(world);
    const reads: string[] = [];
    const readStream = world.store.readStream.bind(world.store);
    jest.spyOn(world.store, 'readStream').mockImplementation((streamId, options) => {
      reads.push(streamId);
      return readStream(streamId, options);
    });
    await capture({ email: 'sara@example.ir', phone: '09351112233' });
    const tenantId = world.context().tenantId;
    for (const key of ['email:sara@example.ir', 'phone:+989351112233']) {
      expect(reads.filter((streamId) => streamId === leadKeyStream(tenantId, claims.blind(key)))).toHaveLength(1);
    }
    expect((await world.store.readAll()).events.map((event) => event.type)).toEqual(['LeadCaptured', 'LeadKeyClaimed', 'LeadKeyClaimed']);
  });

  it('answers a retried capture with the first result and records nothing', async () => {
    const world = salesWorld();
    const { dedupe } = dedupeOn(world);
    const lead = captureLead({ email: 'zahra@example.ir' });
    const context = world.context();
    const first = await dedupe.capture(lead, context, world.clock.now());
    const head = await world.store.headPosition();
    const again = await dedupe.capture(lead, context, world.clock.now());
    expect(again).toMatchObject({ duplicate: true, position: first.position, nextExpectedRevision: 0 });
    expect(await world.store.headPosition()).toBe(head);
  });

  it('refuses an invalid lead before claiming anything', async () => {
    const world = salesWorld();
    const { capture } = dedupeOn(world);
    await expect(capture({ fullName: '  ', phone: '09121234567' })).rejects.toMatchObject({ code: 'LEAD.NAME_REQUIRED' });
    expect(await world.store.headPosition()).toBeUndefined();
  });

  describe('updates', () => {
    const update = (
      dedupe: LeadDedupe,
      world: SalesWorld,
      leadId: string,
      data: { email?: string; phone?: string },
      allowDuplicate = false,
    ) =>
      dedupe.update(
        { type: 'UpdateLead', data: { leadId, ...data, updatedAt: '2026-01-10T10:00:00Z' } },
        allowDuplicate,
        world.context(),
        world.clock.now(),
      );

    it('records the update and the claims on its new email and phone in one append', async () => {
      const world = salesWorld();
      const { capture, dedupe } = dedupeOn(world);
      const lead = await capture({ phone: '09121234567' });
      const head = await world.store.headPosition();
      const result = await update(dedupe, world, leadIdOf(lead), { email: 'sara@example.ir', phone: '09351112233' });
      const after = (await world.store.readAll({ after: head })).events;
      expect(after.map((event) => event.type)).toEqual(['LeadUpdated', 'LeadKeyClaimed', 'LeadKeyClaimed']);
      expect(result.position).toBe(after[0]?.position);
      // Its new phone is guarded now, its old one free.
      await expect(capture({ phone: '09351112233' })).rejects.toMatchObject({
        code: 'LEAD.DUPLICATE',
        details: { existingLeadId: leadIdOf(lead) },
      });
      await expect(capture({ phone: '09121234567' })).resolves.toMatchObject({ duplicate: false });
    });

    it('answers an update that changes nothing with the lead as it stands, and records nothing', async () => {
      const world = salesWorld();
      const { capture, dedupe } = dedupeOn(world);
      const lead = await capture({ phone: '09121234567' });
      const head = await world.store.headPosition();
      const result = await update(dedupe, world, leadIdOf(lead), { phone: '09121234567' });
      expect(result.events).toEqual([]);
      expect({ revision: result.nextExpectedRevision, position: result.position }).toEqual({
        revision: lead.nextExpectedRevision,
        position: lead.position,
      });
      expect(await world.store.headPosition()).toBe(head);
    });

    it('records nothing, not even a claim given back, when it is refused: an unknown lead, a closed one, a duplicate', async () => {
      const world = salesWorld();
      const { capture, dedupe } = dedupeOn(world);
      const holder = await capture({ phone: '09121234567' });
      const other = await capture({ email: 'other@example.ir' });
      const closed = await capture({ email: 'closed@example.ir' });
      await world.executor.execute(
        leadDecider,
        leadStream(leadIdOf(closed)),
        { type: 'DisqualifyLead', data: { leadId: leadIdOf(closed), reason: 'duplicate', disqualifiedAt: '2026-01-10T10:00:00Z' } },
        world.context(),
      );
      const head = await world.store.headPosition();
      await expect(
        update(dedupe, world, '6c0c3ca9-0761-531a-93e8-ec16783bcff8', { email: 'new@example.ir', phone: '09359998877' }),
      ).rejects.toMatchObject({
        code: 'LEAD.NOT_FOUND',
      });
      await expect(update(dedupe, world, leadIdOf(closed), { phone: '09359998877' })).rejects.toMatchObject({
        code: expect.stringMatching(/^LEAD\./),
      });
      await expect(update(dedupe, world, leadIdOf(other), { email: 'fresh@example.ir', phone: '+98 912 123 4567' })).rejects.toMatchObject({
        code: 'LEAD.DUPLICATE',
        details: { existingLeadId: leadIdOf(holder) },
      });
      expect(await world.store.headPosition()).toBe(head);
      // Allowed, the duplicate is recorded, with its claim beside the holder's.
      await update(dedupe, world, leadIdOf(other), { phone: '+98 912 123 4567' }, true);
      expect((await world.store.readAll({ after: head })).events.map((event) => event.type)).toEqual(['LeadUpdated', 'LeadKeyClaimed']);
    });

    it('lets exactly one of several leads moved to the same phone at once have it', async () => {
      const world = salesWorld();
      const { capture, dedupe } = dedupeOn(world);
      const leads = await Promise.all([1, 2, 3, 4].map((i) => capture({ email: `lead${i}@example.ir` })));
      const results = await Promise.allSettled(leads.map((lead) => update(dedupe, world, leadIdOf(lead), { phone: '09121234567' })));
      const moved = results.flatMap((result, i) => (result.status === 'fulfilled' ? [leadIdOf(leads[i] as (typeof leads)[number])] : []));
      expect(moved).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected')
          expect(result.reason).toMatchObject({ code: 'LEAD.DUPLICATE', details: { existingLeadId: moved[0] } });
      }
      const updated = (await world.store.readAll({ filter: { eventTypes: ['LeadUpdated'] } })).events;
      expect(updated.map((event) => event.data['leadId'])).toEqual(moved);
    });

    it('lets exactly one have a phone a lead takes back while another capture takes it (before, both did: two open leads, one phone)', async () => {
      for (let round = 0; round < 5; round += 1) {
        const world = salesWorld();
        const { capture, dedupe } = dedupeOn(world);
        const lead = await capture({ phone: '09121234567' });
        await update(dedupe, world, leadIdOf(lead), { phone: '09351112233' });
        // The old claim of the lead stands in the key's stream; the key is free for anyone until the lead takes it back.
        const [back, other] = await Promise.allSettled([
          update(dedupe, world, leadIdOf(lead), { phone: '09121234567' }),
          capture({ phone: '09121234567' }),
        ]);
        expect([back.status, other.status].sort()).toEqual(['fulfilled', 'rejected']);
        const refused = (back.status === 'rejected' ? back : other) as PromiseRejectedResult;
        expect(refused.reason).toMatchObject({ code: 'LEAD.DUPLICATE' });
      }
    });

    it('answers a stale If-Match at once, records nothing, and does not try again', async () => {
      const world = salesWorld();
      const { capture, dedupe } = dedupeOn(world);
      const lead = await capture({ email: 'zahra@example.ir' });
      const head = await world.store.headPosition();
      const reads: string[] = [];
      const readStream = world.store.readStream.bind(world.store);
      jest.spyOn(world.store, 'readStream').mockImplementation((streamId, options) => {
        reads.push(streamId);
        return readStream(streamId, options);
      });
      const command = {
        type: 'UpdateLead' as const,
        data: { leadId: leadIdOf(lead), phone: '09351112233', updatedAt: '2026-01-10T10:00:00Z' },
      };
      await expect(dedupe.update(command, false, { ...world.context(), expectedRevision: 5 }, world.clock.now())).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect(await world.store.headPosition()).toBe(head);
      // One attempt: the lead read before deciding and once in the append (five attempts read it ten times).
      expect(reads.filter((streamId) => streamId === leadStream(leadIdOf(lead))).length).toBeLessThanOrEqual(2);
    });

    it('answers a retried update with the first result and records nothing', async () => {
      const world = salesWorld();
      const { capture, dedupe } = dedupeOn(world);
      const lead = await capture({ email: 'zahra@example.ir' });
      const context = world.context();
      const command = {
        type: 'UpdateLead' as const,
        data: { leadId: leadIdOf(lead), phone: '09351112233', updatedAt: '2026-01-10T10:00:00Z' },
      };
      const first = await dedupe.update(command, false, context, world.clock.now());
      const head = await world.store.headPosition();
      const again = await dedupe.update(command, false, context, world.clock.now());
      expect(again).toMatchObject({ duplicate: true, position: first.position });
      expect(await world.store.headPosition()).toBe(head);
    });
  });
});

function leadIdOf(result: { state: { status: string; lead?: { leadId: string } } }): string {
  return result.state.lead?.leadId as string;
}
