import { derivedId, refusals } from '@crm/shared/kernel';
import type { Decider } from './decider';
import { ConcurrencyConflictError, eventIdFor } from './handle-command';
import { runAtomically } from './atomic-commands';
import { CommandRecordedMeanwhileError, DomainError, IdempotencyConflictError, WrongExpectedRevisionError } from './errors';
import type { AppendOptions, EventStore, MultiStreamAppendResult, StreamAppend } from './event-store';
import type { EventToAppend } from './event';
import { verifyChain } from './hash-chain';
import { InMemoryEventStore } from './in-memory-event-store';

const { NOT_POSITIVE } = refusals('COUNTER', { NOT_POSITIVE: [409, 'Only positive amounts are added'] });
type Counter = { count: number };
type Add = { type: 'Add'; data: { by: number } };
type Added = { type: 'Added'; data: { by: number } };
const counter: Decider<Counter, Add, Added> = {
  initialState: () => ({ count: 0 }),
  decide: (command) => {
    if (command.data.by <= 0) throw new DomainError(NOT_POSITIVE, 'add something');
    return [{ type: 'Added', data: { by: command.data.by } }];
  },
  evolve: (state, event) => ({ count: state.count + event.data.by }),
  snapshot: { every: 2, version: 1 },
};

const add = (by: number): Add => ({ type: 'Add', data: { by } });
const now = new Date('2026-03-01T10:00:00Z');
const options = { tenantId: 'default', now };

describe('runAtomically', () => {
  it('records several commands on several streams in one append, each with its own command id and chain', async () => {
    const store = new InMemoryEventStore();
    const outcome = await runAtomically(store, { ...options, snapshots: store }, async (tx) => {
      const a = await tx.decide(counter, 'counter-a', add(1), { commandId: 'c-a' });
      await tx.decide(counter, 'counter-b', add(a.state.count + 1), { commandId: 'c-b', causationId: a.eventIds[0] });
      return a.eventIds;
    });
    expect(outcome.value).toEqual([eventIdFor('c-a', 0)]);
    expect(outcome.streams.get('counter-b')?.nextExpectedRevision).toBe(0);
    expect(outcome.position).toBe(await store.headPosition());
    const [b] = await store.readStream('counter-b');
    expect(b).toMatchObject({
      data: { by: 2 },
      metadata: { commandId: 'c-b', causationId: eventIdFor('c-a', 0), commandType: 'Add', occurredAt: now.toISOString() },
    });
    expect(verifyChain(await store.readStream('counter-a')).ok).toBe(true);
  });

  it('records nothing when any command is refused, whichever comes last', async () => {
    const store = new InMemoryEventStore();
    await expect(
      runAtomically(store, options, async (tx) => {
        await tx.decide(counter, 'counter-a', add(1), { commandId: 'c-1' });
        await tx.decide(counter, 'counter-b', add(0), { commandId: 'c-2' });
      }),
    ).rejects.toMatchObject({ code: 'COUNTER.NOT_POSITIVE' });
    expect(await store.headPosition()).toBeUndefined();
  });

  it('answers a retry of the same commands with the first result and records nothing more', async () => {
    const store = new InMemoryEventStore();
    const run = () =>
      runAtomically(store, options, async (tx) => {
        await tx.decide(counter, 'counter-a', add(1), { commandId: 'c-1' });
        await tx.decide(counter, 'counter-b', add(1), { commandId: 'c-2' });
      });
    const first = await run();
    // The retry decides again (on streams its first attempt moved), and the store recognises the same event ids.
    const again = await run();
    expect(again.streams).toEqual(first.streams);
    expect((await store.readAll()).events).toHaveLength(2);
  });

  it('refuses a retried append recorded for another request with the same command ids (the key reused elsewhere)', async () => {
    const store = new InMemoryEventStore();
    const run = (by: number, fingerprint: string) =>
      runAtomically(store, options, async (tx) => {
        await tx.decide(counter, 'counter-a', add(by), { commandId: 'key-1', requestFingerprint: fingerprint });
        await tx.decide(counter, 'counter-b', add(1), { commandId: derivedId('key-1', 'b') });
      });
    await run(1, 'body-a');
    // A second process that read the streams before the first one appended decides on the empty streams: its
    // append carries the same event ids, which the store takes as a retry of what is recorded.
    const stale = Object.assign(Object.create(store) as InMemoryEventStore, {
      readStream: async () => [],
      streamRevision: async () => undefined,
    });
    await expect(
      runAtomically(stale, options, async (tx) => {
        await tx.decide(counter, 'counter-a', add(5), { commandId: 'key-1', requestFingerprint: 'body-b' });
        await tx.decide(counter, 'counter-b', add(1), { commandId: derivedId('key-1', 'b') });
      }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    // The same request again is answered from the record.
    await expect(
      runAtomically(stale, options, async (tx) => {
        await tx.decide(counter, 'counter-a', add(1), { commandId: 'key-1', requestFingerprint: 'body-a' });
        await tx.decide(counter, 'counter-b', add(1), { commandId: derivedId('key-1', 'b') });
      }),
    ).resolves.toMatchObject({
      streams: new Map([
        ['counter-a', { nextExpectedRevision: 0 }],
        ['counter-b', { nextExpectedRevision: 0 }],
      ]),
    });
    expect((await store.readAll()).events.map((event) => event.data)).toEqual([{ by: 1 }, { by: 1 }]);
  });

  it('names a refusal caused by a twin run of the same command id as recorded meanwhile, and leaves other refusals as they are', async () => {
    const store = new InMemoryEventStore();
    const first = (commandId: string) =>
      runAtomically(store, options, async (tx) => {
        await tx.decide(counter, 'counter-a', add(1), { commandId, expectedRevision: 'no_stream' });
      });
    await first('key-1');
    // The twin read the stream as new, as the first run did, and is refused by what that run recorded.
    await expect(first('key-1')).rejects.toBeInstanceOf(CommandRecordedMeanwhileError);
    // Another command refused the same way is refused.
    await expect(first('key-2')).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await expect(
      runAtomically(store, options, async (tx) => {
        await tx.decide(counter, 'counter-b', add(0), { commandId: 'key-3' });
      }),
    ).rejects.toMatchObject({ code: 'COUNTER.NOT_POSITIVE' });
    expect((await store.readAll()).events).toHaveLength(1);
  });

  it('decides again after another writer moved a stream, and gives up after its retries', async () => {
    const inner = new InMemoryEventStore();
    let interfere = 1;
    const racing = Object.create(inner, {
      appendToStreams: {
        value: async (appends: readonly StreamAppend[], o?: AppendOptions): Promise<MultiStreamAppendResult> => {
          if (interfere-- > 0) await inner.appendToStream('counter-a', [other()]);
          return inner.appendToStreams(appends, o);
        },
      },
    }) as EventStore;
    const outcome = await runAtomically(racing, options, (tx) => tx.decide(counter, 'counter-a', add(5), { commandId: 'c-9' }));
    expect(outcome.value.state).toEqual({ count: 6 });
    interfere = 100;
    await expect(
      runAtomically(racing, { ...options, maxRetries: 2 }, (tx) => tx.decide(counter, 'counter-a', add(1), { commandId: 'c-10' })),
    ).rejects.toBeInstanceOf(ConcurrencyConflictError);
  });

  it('does not retry a conflict on a stream the caller pinned with an expected revision', async () => {
    const store = new InMemoryEventStore();
    await store.appendToStream('counter-a', [other()]);
    await expect(
      runAtomically(store, options, (tx) => tx.decide(counter, 'counter-a', add(1), { commandId: 'c-1', expectedRevision: 'no_stream' })),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
  });

  it('decides from the state and revision the caller read, without reading the stream again; a stream moved since is a conflict', async () => {
    const store = new InMemoryEventStore();
    await runAtomically(store, options, (tx) => tx.decide(counter, 'counter-a', add(2), { commandId: 'c-1' }));
    const read = { state: { count: 2 }, revision: 0 };
    const readStream = jest.spyOn(store, 'readStream');
    const outcome = await runAtomically(store, options, (tx) =>
      tx.decide(counter, 'counter-a', add(3), { commandId: 'c-2', expectedRevision: read.revision }, read),
    );
    expect(readStream).not.toHaveBeenCalled();
    expect(outcome.value.state).toEqual({ count: 5 });
    expect(outcome.streams.get('counter-a')?.nextExpectedRevision).toBe(1);
    readStream.mockRestore();
    // What was read at revision 0 no longer holds: the append refuses, and nothing is recorded.
    const head = await store.headPosition();
    await expect(
      runAtomically(store, options, (tx) => tx.decide(counter, 'counter-a', add(1), { commandId: 'c-3', expectedRevision: 0 }, read)),
    ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(await store.headPosition()).toBe(head);
    expect(verifyChain(await store.readStream('counter-a')).ok).toBe(true);
  });

  it('refuses to decide the same stream twice in one append', async () => {
    const store = new InMemoryEventStore();
    await expect(
      runAtomically(store, options, async (tx) => {
        await tx.decide(counter, 'counter-a', add(1), { commandId: 'c-1' });
        await tx.decide(counter, 'counter-a', add(1), { commandId: 'c-2' });
      }),
    ).rejects.toThrow(/twice/);
  });
});

let others = 0;
function other(): EventToAppend {
  others += 1;
  const commandId = `other-${others}`;
  return {
    type: 'Added',
    data: { by: 1 },
    metadata: {
      eventId: eventIdFor(commandId, 0),
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: { id: 'x', roles: [] },
      tenantId: 'default',
      occurredAt: now.toISOString(),
      schemaVersion: 1,
    },
  };
}
