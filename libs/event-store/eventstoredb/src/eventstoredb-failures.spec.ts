import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  KurrentDBClient,
  NotLeaderError,
  TimeoutError,
  UnavailableError,
  UnknownError,
} from '@kurrent/kurrentdb-client';
import { AppendOutcomeUnknownError, StreamDeletedError, verifyChain, WrongExpectedRevisionError } from '@crm/shared/event-sourcing';
import { isTransientStoreError, newId, StoreUnavailableError } from '@crm/shared/kernel';
import { anEvent, someEvents } from '@crm/shared/testing';
import type { KurrentClient } from './client';
import { EventStoreDbEventStore, type EventStoreDbOptions } from './eventstoredb-event-store';
import { StreamNames } from './stream-names';
import { FakeKurrentServer, type FakeSubscription } from './testing/fake-kurrent-client';

/**
 * What the adapter makes of the driver's failures, without a server: the driver's own error classes, thrown by
 * an in-process fake (testing/fake-kurrent-client.ts) through a wrapper that decides which calls fail.
 */
const names = new StreamNames();
const quick: EventStoreDbOptions = { retryDelayMs: 0, subscriptionProbeMs: 50 };

/** The driver's errors for a node out of reach or not answering, as it builds them (utils/CommandError.js). */
const passing: [string, () => Error][] = [
  ['UnavailableError', () => new UnavailableError(undefined, '14 UNAVAILABLE: connection lost')],
  ['DeadlineExceededError', () => new DeadlineExceededError(undefined, '4 DEADLINE_EXCEEDED: deadline exceeded')],
  ['NotLeaderError', () => new NotLeaderError({ metadata: { 'leader-endpoint-host': 'node-2', 'leader-endpoint-port': '2113' } } as never)],
  ['CancelledError', () => new CancelledError(undefined, '1 CANCELLED: cancelled on the server')],
  ['TimeoutError', () => new TimeoutError(undefined, '10 ABORTED: operation timed out')],
];

/**
 * What the driver's native bridge, which serves `readStream` and `readAll` since client 1.3, makes of a failure it does
 * not name (utils/convertBridgeError.js: the Rust error's name kept, the error wrapped as UnknownError). Passing on a
 * read only: a read changes nothing.
 */
const bridgeReads: [string, () => Error][] = [
  [
    'UnknownError from the native bridge (a gRPC stream reset)',
    () => new UnknownError(Object.assign(new Error('h2 protocol error: stream reset'), { name: 'UnknownError' }) as never),
  ],
];

interface Call {
  readonly method: string;
  readonly stream?: string;
  readonly options?: Record<string, unknown>;
}

/**
 * The client with `fail` deciding, call by call, whether a read (readStream, readAll, subscribeToAll) throws:
 * the error comes out of the iteration, as the driver's does. Every call is recorded with its options.
 */
function wrap(inner: KurrentClient, fail: (call: Call, index: number) => Error | undefined, overrides: Record<string, unknown> = {}) {
  const calls: Call[] = [];
  const failing = (error: Error): AsyncIterable<never> => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  });
  const client = new Proxy(inner, {
    get: (target, name) => {
      if (typeof name === 'string' && name in overrides) return overrides[name];
      const value = Reflect.get(target, name, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const call: Call =
          name === 'readStream' || name === 'appendToStream'
            ? { method: name, stream: args[0] as string, options: args[name === 'readStream' ? 1 : 2] as Record<string, unknown> }
            : { method: String(name), options: args[0] as Record<string, unknown> };
        calls.push(call);
        const error = ['readStream', 'readAll', 'subscribeToAll'].includes(String(name)) ? fail(call, calls.length - 1) : undefined;
        if (error && name === 'subscribeToAll') {
          const subscription = method.apply(target, args) as FakeSubscription;
          setImmediate(() => subscription.dropWith(error));
          return subscription;
        }
        return error ? failing(error) : method.apply(target, args);
      };
    },
  });
  return { client, calls };
}

const isIndexStream = (stream: string | undefined) => stream !== undefined && stream.includes('~eventid-');

describe('KurrentDB failures the kernel can judge', () => {
  describe.each([...passing, ...bridgeReads])('a read that meets the driver’s %s', (_name, error) => {
    it('is the kernel’s passing StoreUnavailableError, on every read of the port', async () => {
      const server = new FakeKurrentServer();
      const writer = new EventStoreDbEventStore(server.client(), quick);
      const streamId = `lead-${newId()}`;
      const [event] = someEvents(1);
      await writer.appendToStream(streamId, [event!]);
      await writer.writeSnapshot({ streamId, tenantId: 'default', revision: 0, version: 1, state: {} });
      const down = new EventStoreDbEventStore(wrap(server.client(), () => error()).client, quick);
      const reads: [string, Promise<unknown>][] = [
        ['readStream', down.readStream(streamId)],
        ['streamRevision', down.streamRevision(streamId)],
        ['findEvent', down.findEvent(event!.metadata.eventId)],
        ['readAll', down.readAll()],
        ['headPosition', down.headPosition()],
        ['readSnapshot', down.readSnapshot(streamId)],
      ];
      for (const [read, result] of reads) {
        const failure = await result.then(
          () => new Error(`${read} did not fail`),
          (e: unknown) => e,
        );
        expect([read, failure]).toEqual([read, expect.any(StoreUnavailableError)]);
        expect([read, isTransientStoreError(failure)]).toEqual([read, true]);
        expect((failure as StoreUnavailableError).cause).toBeInstanceOf(error().constructor);
      }
    });

    it('before any write of an append: 503-able (transient), looked at again first, nothing written', async () => {
      const server = new FakeKurrentServer();
      const { client, calls } = wrap(server.client(), () => error());
      const store = new EventStoreDbEventStore(client, { ...quick, unknownOutcomeRetries: 2 });
      const failure = await store.appendToStream(`lead-${newId()}`, someEvents(1)).catch((e: unknown) => e);
      // Before, the driver's error came out as it was: `name` 'Error', a 500 for the API and "failing for good" for a lane.
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect(isTransientStoreError(failure)).toBe(true);
      expect(calls.filter((c) => c.method === 'appendToStream' || c.method === 'multiStreamAppend')).toEqual([]);
      // The index read of each of the three attempts (one, and the two retries).
      expect(calls.filter((c) => c.method === 'readStream')).toHaveLength(3);
      expect(server.all).toHaveLength(0);
    });
  });

  it("keeps what the bridge wraps as UnknownError but is not its own (its ParseError, an argument's TypeError) as it is: a retry would meet it again", async () => {
    for (const raw of [
      Object.assign(new Error('cannot parse the reply'), { name: 'ParseError' }),
      new TypeError('fromRevision can only be a bigint'),
    ]) {
      const server = new FakeKurrentServer();
      const down = new EventStoreDbEventStore(wrap(server.client(), () => new UnknownError(raw as never)).client, quick);
      const failure = await down.readStream(`lead-${newId()}`).catch((e: unknown) => e);
      expect([raw.name, failure instanceof UnknownError, isTransientStoreError(failure)]).toEqual([raw.name, true, false]);
    }
  });

  it('an append whose reads fail once before its write goes through', async () => {
    const server = new FakeKurrentServer();
    const { client } = wrap(server.client(), (_call, index) => (index === 0 ? new UnavailableError(undefined, 'blip') : undefined));
    const store = new EventStoreDbEventStore(client, quick);
    expect(await store.appendToStream(`lead-${newId()}`, someEvents(2), { expectedRevision: 'no_stream' })).toMatchObject({
      nextExpectedRevision: 1,
    });
  });

  // The append's result read back after the write: always on 25.1+ (one log position for a multi-stream append); on
  // 24.x only when the reply carries no position.
  describe('the read-back after a write that landed (KurrentDB 25.1+)', () => {
    const multiStreamAppend = true;
    /** Fails the reads of the domain stream that come after its events were written (resultOf), `times` times. */
    const failReadBack = (server: FakeKurrentServer, streamId: string, times: number) => {
      const stream = names.stream('default', streamId);
      let failed = 0;
      return wrap(server.client(), (call) => {
        const written = server.revisionOf(stream) !== undefined;
        if (call.method !== 'readStream' || call.stream !== stream || !written || failed >= times) return undefined;
        failed += 1;
        return new UnavailableError(undefined, 'connection lost after the write');
      });
    };

    it('failing once: the append answers its result (it was written), once', async () => {
      const server = new FakeKurrentServer({ multiStreamAppend, systemNoise: false });
      const streamId = `lead-${newId()}`;
      const events = someEvents(2);
      const { client } = failReadBack(server, streamId, 1);
      const store = new EventStoreDbEventStore(client, quick);
      // Before: the read-back ran outside `send`, so its error answered the command with a 500 though it was written.
      const result = await store.appendToStream(streamId, events, { expectedRevision: 'no_stream' });
      const healthy = new EventStoreDbEventStore(server.client(), quick);
      const stored = await healthy.readStream(streamId);
      expect(result).toEqual({ nextExpectedRevision: 1, position: stored[1]?.position });
      expect(stored.map((e) => e.metadata.eventId)).toEqual(events.map((e) => e.metadata.eventId));
      expect(verifyChain(stored).ok).toBe(true);
    });

    it('failing on every look: "outcome unknown" (a retry finds it), not a bare driver error', async () => {
      const server = new FakeKurrentServer({ multiStreamAppend, systemNoise: false });
      const streamId = `lead-${newId()}`;
      const events = someEvents(1);
      const { client } = failReadBack(server, streamId, Number.MAX_SAFE_INTEGER);
      const store = new EventStoreDbEventStore(client, { ...quick, unknownOutcomeRetries: 2 });
      const failure = await store.appendToStream(streamId, events).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(AppendOutcomeUnknownError);
      const healthy = new EventStoreDbEventStore(server.client(), quick);
      expect(await healthy.appendToStream(streamId, events)).toMatchObject({ nextExpectedRevision: 0 });
      expect(await healthy.readStream(streamId)).toHaveLength(1);
    });
  });

  it('a subscription still dropped after its attempts ends with the passing StoreUnavailableError', async () => {
    const server = new FakeKurrentServer();
    const { client } = wrap(server.client(), (call) =>
      call.method === 'subscribeToAll' ? new UnavailableError(undefined, '14 UNAVAILABLE: leader lost') : undefined,
    );
    const store = new EventStoreDbEventStore(client, { ...quick, resubscribeAttempts: 1 });
    const subscription = store.subscribeToAll(async () => undefined);
    const failure = await subscription.done.catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(isTransientStoreError(failure)).toBe(true);
  });

  it('keeps refusals permanent: a wrong expected revision, a deleted stream, access denied', async () => {
    const server = new FakeKurrentServer();
    const store = new EventStoreDbEventStore(server.client(), quick);
    const streamId = `lead-${newId()}`;
    await store.appendToStream(streamId, [anEvent()]);
    const conflict = await store.appendToStream(streamId, [anEvent()], { expectedRevision: 5 }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(WrongExpectedRevisionError);
    expect(isTransientStoreError(conflict)).toBe(false);
    server.tombstone(names.stream('default', streamId));
    const deleted = await store.readStream(streamId).catch((e: unknown) => e);
    expect(deleted).toBeInstanceOf(StreamDeletedError);
    expect(isTransientStoreError(deleted)).toBe(false);
    const denied = new EventStoreDbEventStore(wrap(server.client(), () => new AccessDeniedError()).client, quick);
    const refusal = await denied.readStream(`lead-${newId()}`).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AccessDeniedError);
    expect(isTransientStoreError(refusal)).toBe(false);
  });
});

describe('KurrentDB reads on the write path go to the leader', () => {
  it.each([
    ['KurrentDB 25.1+', true],
    ['EventStoreDB 24.x', false],
  ])('every read of the event-id index and of heads asks for the leader (%s)', async (_server, multiStreamAppend) => {
    const server = new FakeKurrentServer({ multiStreamAppend });
    const { client, calls } = wrap(server.client(), () => undefined);
    const store = new EventStoreDbEventStore(client, quick);
    const a = `lead-${newId()}`;
    const b = `contact-${newId()}`;
    const events = someEvents(3);
    await store.appendToStream(a, events.slice(0, 1));
    await store.appendToStreams([
      { streamId: a, events: events.slice(1, 2) },
      { streamId: b, events: events.slice(2) },
    ]);
    await store.appendToStream(a, events.slice(0, 1)); // a retry: found through the index
    expect(await store.findEvent(events[2]!.metadata.eventId)).toMatchObject({ streamId: b });
    const reads = calls.filter((c) => c.method === 'readStream');
    const indexReads = reads.filter((c) => isIndexStream(c.stream));
    expect(indexReads.length).toBeGreaterThanOrEqual(4);
    expect(reads.filter((c) => c.options?.['requiresLeader'] !== true)).toEqual([]);
  });
});

describe('KurrentDB with throwOnAppendFailure=false', () => {
  it('is refused when the store is made, from a connection string or from such a client (no server needed)', async () => {
    expect(() => new EventStoreDbEventStore('kurrentdb://localhost:2113?tls=false&throwOnAppendFailure=false')).toThrow(
      /throwOnAppendFailure=false is not supported/,
    );
    const client = KurrentDBClient.connectionString('kurrentdb://localhost:2113?tls=false&throw-on-append-failure=false');
    try {
      expect((client as unknown as { throwOnAppendFailure: boolean }).throwOnAppendFailure).toBe(false);
      expect(() => new EventStoreDbEventStore(client)).toThrow(/throwOnAppendFailure=false is not supported/);
    } finally {
      await client.dispose();
    }
    expect(() => new EventStoreDbEventStore(new FakeKurrentServer().client({ throwOnAppendFailure: false }))).toThrow(
      /throwOnAppendFailure=false/,
    );
    const fine = new EventStoreDbEventStore('kurrentdb://localhost:2113?tls=false');
    await fine.close();
  });

  describe('through a client that does not say (a wrapper), on EventStoreDB 24.x', () => {
    /** Another writer appends to `streamId` just before this store writes that stream's events: the exact revision is stale. */
    const racing = (server: FakeKurrentServer, streamId: string) => {
      const other = new EventStoreDbEventStore(server.client(), quick);
      const stream = names.stream('default', streamId);
      let raced = false;
      const inner = server.client({ throwOnAppendFailure: false });
      const wrapped = wrap(inner, () => undefined, {
        throwOnAppendFailure: undefined,
        appendToStream: async (name: string, ...rest: unknown[]) => {
          if (name === stream && !raced) {
            raced = true;
            await other.appendToStream(streamId, [anEvent('Meanwhile')]);
          }
          return (inner.appendToStream as (...args: unknown[]) => Promise<unknown>).call(inner, name, ...rest);
        },
      });
      return { client: wrapped.client, raced: () => raced };
    };

    it('takes { success: false } for the refusal it is: an "any" append lands after the other writer', async () => {
      const server = new FakeKurrentServer({ multiStreamAppend: false, systemNoise: false });
      const streamId = `lead-${newId()}`;
      const healthy = new EventStoreDbEventStore(server.client(), quick);
      await healthy.appendToStream(streamId, [anEvent('Before')]);
      const { client, raced } = racing(server, streamId);
      const store = new EventStoreDbEventStore(client, quick);
      const mine = anEvent('Mine');
      // Before: the refusal went unnoticed, the result named the other writer's event and an index entry pointed at it.
      const result = await store.appendToStream(streamId, [mine]);
      expect(raced()).toBe(true);
      const stored = await healthy.readStream(streamId);
      expect(stored.map((e) => e.type)).toEqual(['Before', 'Meanwhile', 'Mine']);
      expect(result).toEqual({ nextExpectedRevision: 2, position: stored[2]?.position });
      expect(await healthy.findEvent(mine.metadata.eventId)).toMatchObject({ revision: 2, type: 'Mine' });
      expect(verifyChain(stored).ok).toBe(true);
    });

    it('answers an exact expectation that went stale with a wrong expected revision', async () => {
      const server = new FakeKurrentServer({ multiStreamAppend: false, systemNoise: false });
      const streamId = `lead-${newId()}`;
      const healthy = new EventStoreDbEventStore(server.client(), quick);
      await healthy.appendToStream(streamId, [anEvent('Before')]);
      const { client } = racing(server, streamId);
      const store = new EventStoreDbEventStore(client, quick);
      const mine = anEvent('Mine');
      await expect(store.appendToStream(streamId, [mine], { expectedRevision: 0 })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await healthy.readStream(streamId)).map((e) => e.type)).toEqual(['Before', 'Meanwhile']);
      expect(await healthy.findEvent(mine.metadata.eventId)).toBeUndefined();
    });
  });
});
