import { GENESIS_HASH, verifyChain, WrongExpectedRevisionError, type RecordedEvent, type SnapshotStore } from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import type { ContractContext } from './event-store-contract';
import { aStream, anEvent } from './event-fixtures';

const ACME = 'acme';
const GLOBEX = 'globex';
const as = (tenantId: string, type = 'TestHappened', commandId?: string) =>
  anEvent(type, { tenant: tenantId }, { tenantId, ...(commandId === undefined ? {} : { commandId, eventId: `${commandId}-0` }) });

/**
 * Tenants are sealed in every adapter (API.md "Tenants"): a stream, an event
 * id, a snapshot or a `$all` page of one tenant is invisible to another, and
 * nothing one tenant does (not even reusing an id) changes what another may do.
 */
export function describeTenantIsolationContract({ store }: ContractContext): void {
  describe('tenant isolation', () => {
    it('keeps the same stream id of two tenants as two streams, each with its own revisions and hash chain', async () => {
      const streamId = aStream('lead');
      await store().appendToStream(streamId, [as(ACME), as(ACME)], { tenantId: ACME, expectedRevision: 'no_stream' });
      // What acme did says nothing about globex's stream: it does not exist there yet.
      await expect(store().appendToStream(streamId, [as(GLOBEX)], { tenantId: GLOBEX, expectedRevision: 1 })).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      await store().appendToStream(streamId, [as(GLOBEX)], { tenantId: GLOBEX, expectedRevision: 'no_stream' });
      expect(await store().streamRevision(streamId, { tenantId: ACME })).toBe(1);
      expect(await store().streamRevision(streamId, { tenantId: GLOBEX })).toBe(0);
      expect(await store().streamRevision(streamId, { tenantId: 'initech' })).toBeUndefined();
      const globex = await store().readStream(streamId, { tenantId: GLOBEX });
      expect(globex.map((e) => [e.revision, e.data['tenant'], e.metadata.tenantId])).toEqual([[0, GLOBEX, GLOBEX]]);
      expect(globex[0]?.metadata.prevHash).toBe(GENESIS_HASH);
      expect(verifyChain(await store().readStream(streamId, { tenantId: ACME })).ok).toBe(true);
      expect(await store().readStream(streamId, { tenantId: 'initech' })).toEqual([]);
      expect(await store().readStream(streamId, { tenantId: GLOBEX, direction: 'backwards' })).toHaveLength(1);
    });

    it('finds an event by id only in its own tenant, and lets another tenant use the same command id for its own command', async () => {
      const commandId = newId();
      const acme = await store().appendToStream(aStream(), [as(ACME, 'First', commandId)], { tenantId: ACME });
      // The same id from globex is not a retry of acme's command: it records globex's event, on another stream even.
      const globexStream = aStream();
      const globex = await store().appendToStream(globexStream, [as(GLOBEX, 'Second', commandId)], { tenantId: GLOBEX });
      expect(store().comparePositions(globex.position, acme.position)).toBeGreaterThan(0);
      const eventId = `${commandId}-0`;
      expect((await store().findEvent(eventId, { tenantId: ACME }))?.type).toBe('First');
      expect(await store().findEvent(eventId, { tenantId: GLOBEX })).toMatchObject({ type: 'Second', streamId: globexStream });
      expect(await store().findEvent(eventId, { tenantId: 'initech' })).toBeUndefined();
    });

    it("reads one tenant's events from $all, filters combined, and its subscription sees nothing else", async () => {
      await store().appendToStream(aStream('lead'), [as(ACME, 'LeadCaptured'), as(ACME, 'LeadAssigned')], { tenantId: ACME });
      await store().appendToStream(aStream('lead'), [as(GLOBEX, 'LeadCaptured')], { tenantId: GLOBEX });
      await store().appendToStream(aStream('complaint'), [as(GLOBEX, 'ComplaintReceived')], { tenantId: GLOBEX });
      const tenantsOf = (events: readonly RecordedEvent[]) => events.map((e) => `${e.metadata.tenantId}:${e.type}`);
      expect(tenantsOf((await store().readAll({ filter: { tenantId: GLOBEX } })).events)).toEqual([
        'globex:LeadCaptured',
        'globex:ComplaintReceived',
      ]);
      expect(tenantsOf((await store().readAll({ filter: { tenantId: ACME, eventTypes: ['LeadCaptured'] } })).events)).toEqual([
        'acme:LeadCaptured',
      ]);
      expect(tenantsOf((await store().readAll({ filter: { tenantId: GLOBEX, categories: ['lead'] } })).events)).toEqual([
        'globex:LeadCaptured',
      ]);
      const seen: RecordedEvent[] = [];
      const subscription = store().subscribeToAll((events) => void seen.push(...events), { filter: { tenantId: ACME } });
      await subscription.caughtUp;
      await store().appendToStream(aStream(), [as(GLOBEX, 'Later')], { tenantId: GLOBEX });
      await store().appendToStream(aStream(), [as(ACME, 'Later')], { tenantId: ACME });
      const deadline = Date.now() + 10_000;
      while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      await subscription.stop();
      expect(tenantsOf(seen)).toEqual(['acme:LeadCaptured', 'acme:LeadAssigned', 'acme:Later']);
    });

    it("keeps each tenant's snapshot of the same stream apart", async () => {
      const snapshots = store() as unknown as SnapshotStore;
      const streamId = aStream();
      await snapshots.writeSnapshot({ streamId, tenantId: ACME, revision: 9, version: 1, state: { owner: ACME } });
      expect(await snapshots.readSnapshot(streamId, { tenantId: GLOBEX })).toBeUndefined();
      await snapshots.writeSnapshot({ streamId, tenantId: GLOBEX, revision: 4, version: 1, state: { owner: GLOBEX } });
      expect((await snapshots.readSnapshot(streamId, { tenantId: ACME }))?.state).toEqual({ owner: ACME });
      expect((await snapshots.readSnapshot(streamId, { tenantId: GLOBEX }))?.revision).toBe(4);
    });

    it("refuses to record an event stamped with one tenant into another tenant's stream", async () => {
      await expect(store().appendToStream(aStream(), [as(ACME)], { tenantId: GLOBEX })).rejects.toThrow(/tenant/);
      expect((await store().readAll({ filter: { tenantId: GLOBEX } })).events).toEqual([]);
    });
  });
}
