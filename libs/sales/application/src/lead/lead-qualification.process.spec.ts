import { InMemoryCheckpointStore, startReactor, type AppendOptions, type EventStore, type EventToAppend } from '@crm/shared/event-sourcing';
import { CommandExecutor } from '@crm/shared/http';
import { newId } from '@crm/shared/kernel';
import { accountStream, contactStream, opportunityStream } from '../common/streams';
import { countingReads, qualifiedLead, salesWorld } from '../testing/fixtures';
import { LeadQualificationProcess } from './lead-qualification.process';

describe('LeadQualificationProcess', () => {
  it('creates the account, contact and opportunity the lead event names, caused by it', async () => {
    const world = salesWorld();
    const qualified = await qualifiedLead(world);
    const { contact, account, opportunity, leadId } = qualified.data;
    const outcome = await new LeadQualificationProcess(world.executor).converge(qualified);

    expect(outcome).toMatchObject({ contactId: contact.contactId, accountId: account.accountId, opportunityId: opportunity.opportunityId });
    const [opened] = await world.store.readStream(accountStream(account.accountId));
    const [created] = await world.store.readStream(contactStream(contact.contactId));
    const [deal] = await world.store.readStream(opportunityStream(opportunity.opportunityId));
    expect(opened?.data).toMatchObject({ name: 'شرکت فولاد مبارکه', originLeadId: leadId, openedAt: '2026-01-12T10:00:00.000Z' });
    expect(created?.data).toMatchObject({
      fullName: 'مریم احمدی',
      phoneE164: '+989121234567',
      accountId: account.accountId,
      originLeadId: leadId,
    });
    expect(deal?.data).toMatchObject({
      accountId: account.accountId,
      contactId: contact.contactId,
      // The deal's own name: the lead's interest is sealed with the lead, and the deal is kept in clear.
      need: 'ورق فولادی خط دوم',
      amount: { amount: 1_200_000_000, currency: 'IRR' },
      originLeadId: leadId,
    });
    for (const event of [opened, created, deal]) {
      expect(event?.metadata).toMatchObject({ causationId: qualified.metadata.eventId, correlationId: qualified.metadata.correlationId });
    }
    expect(outcome.position).toBe(deal?.position);
  });

  it('records nothing more when it runs again, and answers the same', async () => {
    const world = salesWorld();
    const qualified = await qualifiedLead(world);
    const process = new LeadQualificationProcess(world.executor);
    const first = await process.converge(qualified);
    const head = await world.store.headPosition();
    expect(await process.converge(qualified)).toEqual(first);
    await process.react(qualified);
    expect(await world.store.headPosition()).toBe(head);
  });

  it('opens only the opportunity when the lead named an existing contact and account', async () => {
    const world = salesWorld();
    const [contactId, accountId] = [newId(), newId()];
    const qualified = await qualifiedLead(world, { contactId, existingContact: true, accountId, existingAccount: true });
    await new LeadQualificationProcess(world.executor).converge(qualified);
    expect(await world.allTypes()).toEqual(['lead:LeadCaptured', 'lead:LeadQualified', 'opportunity:OpportunityOpened']);
  });

  it('converges after failing half-way: each record exists once', async () => {
    const world = salesWorld();
    const qualified = await qualifiedLead(world);
    // A store that dies before the opportunity is written, as a process crash would.
    const dying: EventStore = Object.create(world.store, {
      appendToStream: {
        value: (streamId: string, events: readonly EventToAppend[], options?: AppendOptions) =>
          streamId.startsWith('opportunity-') ? Promise.reject(new Error('crash')) : world.store.appendToStream(streamId, events, options),
      },
    }) as EventStore;
    const crashing = new LeadQualificationProcess(new CommandExecutor(dying, world.clock, world.store));
    await expect(crashing.converge(qualified)).rejects.toThrow('crash');
    expect(await world.allTypes()).toEqual(['lead:LeadCaptured', 'lead:LeadQualified', 'account:AccountOpened', 'contact:ContactCreated']);

    await new LeadQualificationProcess(world.executor).converge(qualified);
    expect(await world.allTypes()).toEqual([
      'lead:LeadCaptured',
      'lead:LeadQualified',
      'account:AccountOpened',
      'contact:ContactCreated',
      'opportunity:OpportunityOpened',
    ]);
  });

  it('as a reactor, picks up a qualification nobody reacted to, alongside a request running it at the same time', async () => {
    const world = salesWorld();
    const missed = await qualifiedLead(world);
    const racing = await qualifiedLead(world);
    const process = new LeadQualificationProcess(world.executor);
    const subscription = await startReactor(world.store, process, { checkpoints: new InMemoryCheckpointStore() });
    await Promise.all([subscription.caughtUp, process.converge(racing), process.converge(racing)]);
    await subscription.stop();

    for (const qualified of [missed, racing]) {
      const { contact, account } = qualified.data;
      expect((await world.store.readStream(contactStream(contact.contactId))).map((e) => e.type)).toEqual(['ContactCreated']);
      expect((await world.store.readStream(accountStream(account.accountId))).map((e) => e.type)).toEqual(['AccountOpened']);
    }
    const opened = (await world.store.readAll({ filter: { eventTypes: ['OpportunityOpened'] } })).events;
    expect(opened).toHaveLength(2);
  });

  it('as a reactor, passes a completed qualification with one lookup by event id, and completes one cut short', async () => {
    const world = salesWorld();
    const completed = await qualifiedLead(world);
    const cutShort = await qualifiedLead(world);
    const process = new LeadQualificationProcess(world.executor);
    await process.converge(completed);
    const dying: EventStore = Object.create(world.store, {
      appendToStream: {
        value: (streamId: string, events: readonly EventToAppend[], options?: AppendOptions) =>
          streamId.startsWith('opportunity-') ? Promise.reject(new Error('crash')) : world.store.appendToStream(streamId, events, options),
      },
    }) as EventStore;
    await expect(new LeadQualificationProcess(new CommandExecutor(dying, world.clock, world.store)).converge(cutShort)).rejects.toThrow(
      'crash',
    );

    const { executor, reads } = countingReads(world);
    const reacting = new LeadQualificationProcess(executor);
    const head = await world.store.headPosition();
    await reacting.react(completed);
    expect(reads).toEqual([]);
    expect(await world.store.headPosition()).toBe(head);

    await reacting.react(cutShort);
    // The steps recorded before the crash are answered from their streams; the missing deal is appended as a
    // new stream (handleCommand does not read a stream its command creates).
    expect(reads.some((stream) => stream.startsWith('account-'))).toBe(true);
    expect(reads).not.toContain(opportunityStream(cutShort.data.opportunity.opportunityId));
    const deal = await world.store.readStream(opportunityStream(cutShort.data.opportunity.opportunityId));
    expect(deal.map((event) => event.type)).toEqual(['OpportunityOpened']);
    expect((await world.store.readAll({ filter: { eventTypes: ['AccountOpened'] } })).events).toHaveLength(2);
  });
});
