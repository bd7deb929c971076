import {
  appendsInOrder,
  IdempotencyConflictError,
  verifyChain,
  WrongExpectedRevisionError,
  type EventStore,
  type OrderedAppends,
  type StreamAppend,
} from '@crm/shared/event-sourcing';
import type { ContractContext } from './event-store-contract';
import { aStream, anEvent, someEvents } from './event-fixtures';

const ordered = (store: EventStore): OrderedAppends => {
  const found = appendsInOrder(store);
  if (!found) throw new Error('this store was said to append in order, and has no appendInOrder');
  return found;
};

async function observed(store: EventStore, streams: readonly string[]) {
  const revisions = await Promise.all(streams.map((streamId) => store.streamRevision(streamId)));
  return { revisions, head: await store.headPosition(), count: (await store.readAll()).events.length };
}

/** `appendInOrder` (OrderedAppends), for the stores that have it: the bulk writers' batch. */
export function describeOrderedAppendContract({ store }: ContractContext): void {
  describe('ordered batch appends (appendInOrder)', () => {
    it('writes the parts in the order given, a stream coming back after others, each checked against the head before it', async () => {
      const [lead, account] = [aStream('lead'), aStream('account')];
      const result = await ordered(store()).appendInOrder([
        { streamId: lead, events: someEvents(2), expectedRevision: 'no_stream' },
        { streamId: account, events: [anEvent('AccountOpened')], expectedRevision: 'no_stream' },
        { streamId: lead, events: [anEvent('LeadQualified')], expectedRevision: 1 },
        { streamId: account, events: [anEvent('AccountClosed')], expectedRevision: 0 },
      ]);
      expect(result.streams.map((s) => s.nextExpectedRevision)).toEqual([1, 0, 2, 1]);
      expect(await store().headPosition()).toBe(result.position);
      const log = (await store().readAll()).events;
      expect(log.map((e) => [e.streamId, e.revision, e.type])).toEqual([
        [lead, 0, 'TestHappened'],
        [lead, 1, 'TestHappened'],
        [account, 0, 'AccountOpened'],
        [lead, 2, 'LeadQualified'],
        [account, 1, 'AccountClosed'],
      ]);
      expect(log.map((e) => e.position)).toEqual([...log.map((e) => e.position)].sort((a, b) => store().comparePositions(a, b)));
      for (const streamId of [lead, account]) expect(verifyChain(await store().readStream(streamId))).toMatchObject({ ok: true });
    });

    it('writes nothing when a later part is not where the parts before it left its stream', async () => {
      const [a, b] = [aStream('lead'), aStream('account')];
      await store().appendToStream(b, [anEvent()]);
      const before = await observed(store(), [a, b]);
      const error = await ordered(store())
        .appendInOrder([
          { streamId: a, events: [anEvent()], expectedRevision: 'no_stream' },
          { streamId: b, events: [anEvent()], expectedRevision: 0 },
          { streamId: a, events: [anEvent()], expectedRevision: 'no_stream' },
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).streamId).toBe(a);
      expect(await observed(store(), [a, b])).toEqual(before);
    });

    it('answers a retry with the first result and writes nothing; refuses a partial overlap', async () => {
      const [a, b] = [aStream('lead'), aStream('contact')];
      const appends: StreamAppend[] = [
        { streamId: a, events: someEvents(2), expectedRevision: 'no_stream' },
        { streamId: b, events: [anEvent()], expectedRevision: 'no_stream' },
        { streamId: a, events: [anEvent('Again')], expectedRevision: 1 },
      ];
      const first = await ordered(store()).appendInOrder(appends);
      const before = await observed(store(), [a, b]);
      expect(await ordered(store()).appendInOrder(appends)).toEqual(first);
      expect(await observed(store(), [a, b])).toEqual(before);
      await expect(
        ordered(store()).appendInOrder([
          { streamId: b, events: [anEvent()] },
          { streamId: a, events: [...(appends[2]?.events ?? []), anEvent()] },
        ]),
      ).rejects.toBeInstanceOf(IdempotencyConflictError);
      expect(await observed(store(), [a, b])).toEqual(before);
    });

    it('refuses a part without events, a repeated event id, or no part at all, before writing anything', async () => {
      const streamId = aStream();
      const event = anEvent();
      await expect(ordered(store()).appendInOrder([{ streamId, events: [] }])).rejects.toThrow(/no events/);
      await expect(
        ordered(store()).appendInOrder([
          { streamId, events: [event] },
          { streamId, events: [event] },
        ]),
      ).rejects.toThrow(/duplicate event id/);
      await expect(ordered(store()).appendInOrder([])).rejects.toThrow();
      expect(await store().headPosition()).toBeUndefined();
    });
  });
}
