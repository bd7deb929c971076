import {
  DEFAULT_TENANT,
  IdempotencyConflictError,
  verifyChain,
  WrongExpectedRevisionError,
  type EventStore,
  type StreamAppend,
} from '@crm/shared/event-sourcing';
import type { ContractContext } from './event-store-contract';
import { aStream, anEvent, someEvents } from './event-fixtures';

/** What a reader can observe of a set of streams: each one's revision, plus the whole log. */
async function heads(store: EventStore, streams: readonly string[], tenantId = DEFAULT_TENANT) {
  const revisions = await Promise.all(streams.map((streamId) => store.streamRevision(streamId, { tenantId })));
  return { revisions, head: await store.headPosition(), count: (await store.readAll()).events.length };
}

export function describeMultiStreamContract({ harness, store }: ContractContext): void {
  describe('atomic multi-stream appends', () => {
    it('writes several streams in one call, each with its own revisions and hash chain', async () => {
      const [lead, account, deal] = [aStream('lead'), aStream('account'), aStream('opportunity')];
      await store().appendToStream(lead, someEvents(2));
      const result = await store().appendToStreams([
        { streamId: lead, events: [anEvent('LeadQualified')], expectedRevision: 1 },
        { streamId: account, events: [anEvent('AccountOpened')], expectedRevision: 'no_stream' },
        { streamId: deal, events: [anEvent('OpportunityOpened'), anEvent('StageMoved')], expectedRevision: 'no_stream' },
      ]);
      expect(result.streams.map((s) => s.nextExpectedRevision)).toEqual([2, 0, 1]);
      for (const [index, streamId] of [lead, account, deal].entries()) {
        const read = await store().readStream(streamId);
        expect(verifyChain(read).ok).toBe(true);
        expect(read[read.length - 1]?.position).toBe(result.streams[index]?.position);
      }
      const positions = result.streams.map((s) => s.position);
      expect(positions.every((p) => store().comparePositions(p, result.position) <= 0)).toBe(true);
      expect(await store().headPosition()).toBe(result.position);
      expect((await store().readAll()).events.map((e) => e.type)).toEqual([
        'TestHappened',
        'TestHappened',
        'LeadQualified',
        'AccountOpened',
        'OpportunityOpened',
        'StageMoved',
      ]);
    });

    it.each([0, 1, 2])('writes nothing at all when stream #%i of three is not where the caller expects', async (refused) => {
      const streams = [aStream('lead'), aStream('account'), aStream('opportunity')];
      await store().appendToStream(streams[refused] as string, [anEvent()]);
      const before = await heads(store(), streams);
      const appends: StreamAppend[] = streams.map((streamId) => ({ streamId, events: [anEvent()], expectedRevision: 'no_stream' }));
      const error = await store()
        .appendToStreams(appends)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).streamId).toBe(streams[refused]);
      expect(await heads(store(), streams)).toEqual(before);
      // The same call once the expectation is right lands whole.
      const fixed = appends.map((a, i) => (i === refused ? { ...a, expectedRevision: 0 } : a));
      await store().appendToStreams(fixed);
      expect((await heads(store(), streams)).revisions).toEqual(streams.map((_, i) => (i === refused ? 1 : 0)));
    });

    it('keeps to the tenant it is given', async () => {
      const [a, b] = [aStream('lead'), aStream('account')];
      await store().appendToStream(a, [anEvent('Default')], { expectedRevision: 'no_stream' });
      const acme = { tenantId: 'acme' };
      await store().appendToStreams(
        [
          { streamId: a, events: [anEvent('Acme', {}, acme)], expectedRevision: 'no_stream' },
          { streamId: b, events: [anEvent('Acme', {}, acme)], expectedRevision: 'no_stream' },
        ],
        acme,
      );
      expect((await store().readStream(a)).map((e) => e.type)).toEqual(['Default']);
      expect((await store().readStream(a, acme)).map((e) => e.type)).toEqual(['Acme']);
      expect(await store().streamRevision(b)).toBeUndefined();
      expect((await store().readAll({ filter: acme })).events).toHaveLength(2);
      const before = await heads(store(), [a, b]);
      await expect(
        store().appendToStreams(
          [
            { streamId: a, events: [anEvent('Acme', {}, acme)] },
            { streamId: b, events: [anEvent('Default')] },
          ],
          acme,
        ),
      ).rejects.toThrow(/tenant/);
      expect(await heads(store(), [a, b])).toEqual(before);
    });

    it('answers a retry with the first result and writes nothing, even with stale expectations', async () => {
      const [a, b] = [aStream('lead'), aStream('contact')];
      const appends: StreamAppend[] = [
        { streamId: a, events: someEvents(2), expectedRevision: 'no_stream' },
        { streamId: b, events: [anEvent()], expectedRevision: 'no_stream' },
      ];
      const first = await store().appendToStreams(appends);
      await store().appendToStream(a, [anEvent('Later')]);
      const before = await heads(store(), [a, b]);
      const again = await store().appendToStreams(appends);
      expect(again).toEqual(first);
      expect(await heads(store(), [a, b])).toEqual(before);
      const second = appends[1]?.events[0]?.metadata.eventId as string;
      expect((await store().findEvent(second))?.streamId).toBe(b);
      expect(verifyChain(await store().readStream(a)).ok).toBe(true);
    });

    it('refuses a call that overlaps stored events only in part, or puts them on other streams', async () => {
      const [a, b, c] = [aStream('lead'), aStream('contact'), aStream('account')];
      const stored = someEvents(2);
      await store().appendToStream(a, stored);
      const before = await heads(store(), [a, b, c]);
      await expect(
        store().appendToStreams([
          { streamId: b, events: [anEvent()] },
          { streamId: a, events: [stored[0] as never, anEvent()] },
        ]),
      ).rejects.toBeInstanceOf(IdempotencyConflictError);
      await expect(
        store().appendToStreams([
          { streamId: c, events: stored },
          { streamId: b, events: [anEvent()] },
        ]),
      ).rejects.toBeInstanceOf(IdempotencyConflictError);
      expect(await heads(store(), [a, b, c])).toEqual(before);
    });

    it('refuses a stream named twice or without events, or no stream at all, before writing anything', async () => {
      const streamId = aStream();
      await expect(
        store().appendToStreams([
          { streamId, events: [anEvent()] },
          { streamId: aStream(), events: [] },
        ]),
      ).rejects.toThrow(/no events/);
      await expect(
        store().appendToStreams([
          { streamId, events: [anEvent()] },
          { streamId, events: [anEvent()] },
        ]),
      ).rejects.toThrow(/twice/);
      await expect(store().appendToStreams([])).rejects.toThrow();
      expect(await store().headPosition()).toBeUndefined();
    });

    const racing = 'lets exactly one of two writers crossing the same streams in opposite order win, without deadlock';
    const atomic = harness.multiStreamAppends !== 'checked-up-front';
    (atomic ? it : it.skip)(
      atomic ? racing : `${racing} (skipped: this store writes several streams one after another)`,
      async () => {
        const first = store();
        const second = harness.connectAgain ? await harness.connectAgain(first) : first;
        try {
          const [a, b] = [aStream('lead'), aStream('account')];
          const attempts = Array.from({ length: 8 }, (_, i) => {
            const order = i % 2 ? [a, b] : [b, a];
            return (i % 2 ? first : second).appendToStreams(
              order.map((streamId) => ({ streamId, events: [anEvent('Raced', { i })], expectedRevision: 'no_stream' as const })),
            );
          });
          const outcomes = await Promise.allSettled(attempts);
          expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
          const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
          expect(rejected.every((o) => o.reason instanceof WrongExpectedRevisionError)).toBe(true);
          const [readA, readB] = await Promise.all([first.readStream(a), first.readStream(b)]);
          const raced = (events: typeof readA) => events.map((e) => (e.data as { i?: number }).i);
          expect(raced(readA)).toEqual(raced(readB));
          expect(readA).toHaveLength(1);
        } finally {
          if (second !== first) await second.close();
        }
        // Crossing orders deadlocked on PostgreSQL and waited out its deadlock_timeout (over 5 s once in a loaded run of
        // the whole suite; another time a retry deadlocked again until the retries ran out). PostgreSQL's append now
        // takes the streams' locks in one order first (postgres-event-store.crossing.int.spec counts no deadlock).
      },
      30_000,
    );

    // Calls cross the two streams in opposite orders (on PostgreSQL they deadlocked, each pair waiting out the
    // server's deadlock_timeout, until the append took its streams' locks in one order): what is checked here is the
    // streams, not the time.
    it('serialises concurrent calls that expect any revision into gap-free, hash-linked streams', async () => {
      const [a, b] = [aStream('lead'), aStream('account')];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store().appendToStreams([
            { streamId: i % 2 ? a : b, events: [anEvent('Any', { i })] },
            { streamId: i % 2 ? b : a, events: [anEvent('Any', { i })] },
          ]),
        ),
      );
      for (const streamId of [a, b]) {
        const read = await store().readStream(streamId);
        expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 12 }, (_, i) => i));
        expect(verifyChain(read).ok).toBe(true);
      }
    }, 30_000);
  });
}
