import {
  handleCommand,
  verifyChain,
  WrongExpectedRevisionError,
  type Decider,
  type EventStore,
  type SnapshotStore,
} from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import type { ContractContext } from './event-store-contract';
import { aStream, anEvent } from './event-fixtures';

type Tally = { count: number };
type Add = { type: 'Add'; data: { by: number } };
type Added = { type: 'Added'; data: { by: number } };
const tally: Decider<Tally, Add, Added> = {
  initialState: () => ({ count: 0 }),
  decide: (command) => [{ type: 'Added', data: { by: command.data.by } }],
  evolve: (state, event) => ({ count: state.count + event.data.by }),
  snapshot: { every: 10, version: 1 },
};

export function describeConcurrencyContract({ harness, store }: ContractContext): void {
  describe('concurrent writers', () => {
    const writers = async (): Promise<[EventStore, EventStore]> => {
      const first = store();
      const second = harness.connectAgain ? await harness.connectAgain(first) : first;
      return [first, second];
    };

    it('lets exactly one of many writers at the same expected revision win a stream', async () => {
      const [a, b] = await writers();
      try {
        const streamId = aStream();
        await a.appendToStream(streamId, [anEvent()]);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 ? a : b).appendToStream(streamId, [anEvent('Raced', { i })], { expectedRevision: 0 }),
          ),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(rejected.every((o) => o.reason instanceof WrongExpectedRevisionError)).toBe(true);
        const read = await a.readStream(streamId);
        expect(read.map((e) => e.revision)).toEqual([0, 1]);
        expect(verifyChain(read).ok).toBe(true);
      } finally {
        if (b !== store()) await b.close();
      }
    });

    it('serialises writers that expect any revision into one gap-free, hash-linked stream', async () => {
      const [a, b] = await writers();
      try {
        const streamId = aStream();
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).appendToStream(streamId, [anEvent('Any', { i }), anEvent('Any', { i })])),
        );
        const read = await a.readStream(streamId);
        expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 80 }, (_, i) => i));
        expect(verifyChain(read).ok).toBe(true);
      } finally {
        if (b !== store()) await b.close();
      }
    });

    it('gives every event of many streams written at once its own position, each once in $all', async () => {
      const [a, b] = await writers();
      try {
        const streams = Array.from({ length: 20 }, () => aStream('many'));
        await Promise.all(
          streams.flatMap((streamId, s) =>
            Array.from({ length: 10 }, (_, i) => (s % 2 ? a : b).appendToStream(streamId, [anEvent('Many', { s, i })])),
          ),
        );
        const all = (await a.readAll({ filter: { categories: ['many'] } })).events;
        expect(all).toHaveLength(200);
        expect(new Set(all.map((e) => e.position)).size).toBe(200);
        for (const streamId of streams) {
          const read = await a.readStream(streamId);
          expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 10 }, (_, i) => i));
          expect(verifyChain(read).ok).toBe(true);
        }
      } finally {
        if (b !== store()) await b.close();
      }
    });

    it('runs handleCommand with retries so concurrent commands all land, and a retried command lands once', async () => {
      const streamId = aStream('tally');
      const commandIds = Array.from({ length: 10 }, () => newId());
      const command: Add = { type: 'Add', data: { by: 1 } };
      const snapshots = store() as unknown as SnapshotStore;
      const run = (commandId: string) => handleCommand(store(), tally, streamId, command, { commandId, maxRetries: 20, snapshots });
      const results = await Promise.all([...commandIds.map(run), ...commandIds.slice(0, 3).map(run)]);
      expect(await store().streamRevision(streamId)).toBe(9);
      const replayed = results.slice(10);
      expect(replayed.map((r) => r.nextExpectedRevision)).toEqual(results.slice(0, 3).map((r) => r.nextExpectedRevision));
      const more = await handleCommand(store(), tally, streamId, { type: 'Add', data: { by: 5 } }, { snapshots });
      expect(await snapshots.readSnapshot(streamId)).toMatchObject({ revision: 9, state: { count: 10 } });
      expect(more.state).toEqual({ count: 15 });
      expect(more.nextExpectedRevision).toBe(10);
    });
  });
}
