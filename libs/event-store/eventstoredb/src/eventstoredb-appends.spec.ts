import {
  AppendOutcomeUnknownError,
  AppendTooLargeError,
  StreamDeletedError,
  verifyChain,
  type EventToAppend,
} from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import { anEvent, someEvents } from '@crm/shared/testing';
import { EventStoreDbEventStore, type EventStoreDbOptions } from './eventstoredb-event-store';
import { StreamNames } from './stream-names';
import { faultyClient, type Fault } from './testing/faulty-client';
import { FakeKurrentServer } from './testing/fake-kurrent-client';

const names = new StreamNames();
const quick: EventStoreDbOptions = { retryDelayMs: 0, subscriptionProbeMs: 50 };

/** What must hold after anything: each event once, and every `EventIndexed` entry naming an event that carries its id. */
function expectConsistent(server: FakeKurrentServer, eventIds: readonly string[]): void {
  const domain = server.all.filter((record) => names.parse(record.streamId) !== undefined);
  const ids = domain.map((record) => (record.metadata as { eventId: string }).eventId);
  for (const eventId of eventIds) expect(ids.filter((id) => id === eventId)).toHaveLength(1);
  for (const entry of server.all.filter((record) => record.type === 'EventIndexed')) {
    const { streamId, revision } = entry.data as { streamId: string; revision: number };
    const target = domain.find((record) => names.parse(record.streamId)?.streamId === streamId && Number(record.revision) === revision);
    expect((target?.metadata as { eventId?: string } | undefined)?.eventId).toBe(entry.streamId.slice(entry.streamId.lastIndexOf('~') + 1));
  }
}

describe.each([
  ['KurrentDB 25.1+', true],
  ['EventStoreDB 24.x', false],
])('appends on %s', (_server, multiStreamAppend) => {
  // Atomic: one request. Else the refused multi-stream request (once per store), a claim, the events, an entry per event.
  const writesOfOneAppend = multiStreamAppend ? 1 : 5;

  it(
    multiStreamAppend ? 'writes the events and their index entries in one atomic request' : 'claims, writes the events, then indexes them',
    async () => {
      const server = new FakeKurrentServer({ multiStreamAppend });
      const faulty = faultyClient(server.client(), Number.MAX_SAFE_INTEGER, 'fail');
      const store = new EventStoreDbEventStore(faulty.client, quick);
      const streamId = `lead-${newId()}`;
      const events = someEvents(2);
      await store.appendToStream(streamId, events, { expectedRevision: 'no_stream' });
      const stream = names.stream('default', streamId);
      const index = events.map((event) => names.eventIndex('default', event.metadata.eventId));
      expect(faulty.writes).toEqual(
        multiStreamAppend
          ? [{ method: 'multiStreamAppend', streams: [stream, ...index] }]
          : [
              { method: 'multiStreamAppend', streams: [stream, ...index] },
              { method: 'appendToStream', streams: [index[0]] },
              { method: 'appendToStream', streams: [stream] },
              { method: 'appendToStream', streams: [index[0]] },
              { method: 'appendToStream', streams: [index[1]] },
            ],
      );
      expectConsistent(
        server,
        events.map((e) => e.metadata.eventId),
      );
    },
  );

  describe.each<Fault>(['fail', 'lose-reply', 'crash'])('when write k of an append meets "%s"', (fault) => {
    it.each(Array.from({ length: writesOfOneAppend }, (_, i) => i + 1))('k = %i: one copy, true answers, sound index', async (k) => {
      const server = new FakeKurrentServer({ multiStreamAppend });
      const streamId = `lead-${newId()}`;
      const events: EventToAppend[] = someEvents(2);
      const ids = events.map((e) => e.metadata.eventId);
      const faulty = new EventStoreDbEventStore(faultyClient(server.client(), k, fault).client, { ...quick, unknownOutcomeRetries: 2 });
      const first = await faulty.appendToStream(streamId, events, { expectedRevision: 'no_stream' }).catch((error: unknown) => error);
      const healthy = new EventStoreDbEventStore(server.client(), quick);
      if (fault === 'crash') {
        // The process died mid-append: nobody answered for it. Another writer moves the stream on before the retry.
        expect(first).toBeInstanceOf(AppendOutcomeUnknownError);
        await healthy.appendToStream(streamId, [anEvent('Meanwhile')]);
      } else {
        // A lost connection or reply is tried again: the caller hears the true outcome.
        expect(first).toMatchObject({ nextExpectedRevision: 1 });
      }
      const retried = await healthy.appendToStream(streamId, events);
      const again = await healthy.appendToStream(streamId, events);
      expect(again).toEqual(retried);
      expectConsistent(server, ids);
      for (const id of ids) expect((await healthy.findEvent(id))?.streamId).toBe(streamId);
      expect(verifyChain(await healthy.readStream(streamId)).ok).toBe(true);
    });
  });

  it('writes once after a follower refused the write during an election', async () => {
    const server = new FakeKurrentServer({ multiStreamAppend });
    const streamId = `lead-${newId()}`;
    const events = someEvents(2);
    const store = new EventStoreDbEventStore(faultyClient(server.client(), 1, 'not-leader').client, quick);
    expect(await store.appendToStream(streamId, events, { expectedRevision: 'no_stream' })).toMatchObject({ nextExpectedRevision: 1 });
    expectConsistent(
      server,
      events.map((e) => e.metadata.eventId),
    );
  });

  it('answers "outcome unknown" while the store stays unreachable, and the retry later finds what landed', async () => {
    const server = new FakeKurrentServer({ multiStreamAppend });
    const streamId = `lead-${newId()}`;
    const events = someEvents(1);
    // The append lands, its reply is lost, and every read after it fails too, however often the adapter looks.
    const down = faultyClient(server.client(), multiStreamAppend ? 1 : 3, 'land-then-down').client;
    const error = await new EventStoreDbEventStore(down, { ...quick, unknownOutcomeRetries: 2 })
      .appendToStream(streamId, events)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppendOutcomeUnknownError);
    const healthy = new EventStoreDbEventStore(server.client(), quick);
    expect(await healthy.appendToStream(streamId, events)).toMatchObject({ nextExpectedRevision: 0 });
    expectConsistent(server, [events[0]?.metadata.eventId as string]);
  });

  it('refuses an append over the size limit before sending anything, and keeps oversized snapshots out', async () => {
    const server = new FakeKurrentServer({ multiStreamAppend, maxAppendSize: 1024 * 1024 });
    const faulty = faultyClient(server.client(), Number.MAX_SAFE_INTEGER, 'fail');
    const store = new EventStoreDbEventStore(faulty.client, quick);
    const big = anEvent('QuoteCreated', { lines: 'x'.repeat(1024 * 1024) });
    await expect(store.appendToStream(`quote-${newId()}`, [big])).rejects.toBeInstanceOf(AppendTooLargeError);
    const half = () => anEvent('QuoteCreated', { lines: 'x'.repeat(600 * 1024) });
    await expect(
      store.appendToStreams([
        { streamId: `quote-${newId()}`, events: [half()] },
        { streamId: `opportunity-${newId()}`, events: [half()] },
      ]),
    ).rejects.toBeInstanceOf(AppendTooLargeError);
    await store.writeSnapshot({
      streamId: 'quote-1',
      tenantId: 'default',
      revision: 9,
      version: 1,
      state: { lines: 'x'.repeat(1024 * 1024) },
    });
    expect(faulty.writes).toEqual([]);
    expect(await store.readSnapshot('quote-1')).toBeUndefined();
  });

  it('turns the server refusing the size (a lower server limit) into the same refusal', async () => {
    const server = new FakeKurrentServer({ multiStreamAppend, maxAppendSize: 10_000 });
    const store = new EventStoreDbEventStore(server.client(), quick);
    await expect(store.appendToStream(`quote-${newId()}`, [anEvent('Q', { x: 'x'.repeat(20_000) })])).rejects.toBeInstanceOf(
      AppendTooLargeError,
    );
  });

  it('reports a hard-deleted stream as deleted on read and on append, and finds nothing of it', async () => {
    const server = new FakeKurrentServer({ multiStreamAppend });
    const store = new EventStoreDbEventStore(server.client(), quick);
    const streamId = `complaint-${newId()}`;
    const [event] = someEvents(1);
    await store.appendToStream(streamId, [event as EventToAppend]);
    server.tombstone(names.stream('default', streamId));
    await expect(store.readStream(streamId)).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(store.streamRevision(streamId)).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(store.appendToStream(streamId, [anEvent()])).rejects.toEqual(new StreamDeletedError(streamId));
    await expect(store.appendToStreams([{ streamId, events: [anEvent()] }])).rejects.toBeInstanceOf(StreamDeletedError);
    expect(await store.findEvent(event?.metadata.eventId as string)).toBeUndefined();
    expect((await store.readAll()).events).toHaveLength(1);
  });
});

describe('multi-stream appends on EventStoreDB 24.x (stream by stream)', () => {
  /** Two streams' worth of one command: a lead's qualification writes the lead and the new contact. */
  const command = () => {
    const [a, b] = [`lead-${newId()}`, `contact-${newId()}`];
    const events = someEvents(2);
    return {
      a,
      b,
      appends: [
        { streamId: a, events: [events[0] as EventToAppend] },
        { streamId: b, events: [events[1] as EventToAppend] },
      ],
    };
  };

  it('completes the append when another writer moves the second stream on between the two streams ("any")', async () => {
    const server = new FakeKurrentServer({ multiStreamAppend: false });
    const { a, b, appends } = command();
    const other = new EventStoreDbEventStore(server.client(), quick);
    await other.appendToStream(b, [anEvent('Before')]);
    // Just before this store writes the second stream's events, another process appends to it.
    let raced = false;
    const inner = server.client();
    const racing = new Proxy(inner, {
      get: (target, name) => {
        const value = Reflect.get(target, name, target) as unknown;
        if (name !== 'appendToStream') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        return async (stream: string, ...rest: unknown[]) => {
          if (stream === names.stream('default', b) && !raced) {
            raced = true;
            await other.appendToStream(b, [anEvent('Meanwhile')]);
          }
          return (value as (...args: unknown[]) => Promise<unknown>).call(target, stream, ...rest);
        };
      },
    });
    const store = new EventStoreDbEventStore(racing, quick);
    const result = await store.appendToStreams(appends);
    expect(raced).toBe(true);
    expect(result.streams.map((s) => s.nextExpectedRevision)).toEqual([0, 2]);
    expect((await store.readStream(b)).map((e) => e.type)).toEqual(['Before', 'Meanwhile', appends[1]?.events[0]?.type]);
    expect(await store.appendToStreams(appends)).toEqual(result); // a retry answers the same
    expectConsistent(
      server,
      appends.flatMap((p) => p.events.map((e) => e.metadata.eventId)),
    );
    for (const id of [a, b]) expect(verifyChain(await store.readStream(id)).ok).toBe(true);
  });

  it('completes, on the retry, an append whose process died between its two streams', async () => {
    const server = new FakeKurrentServer({ multiStreamAppend: false });
    const { a, b, appends } = command();
    // Writes: the refused multi-stream request, the first stream's claim, events and entry; the second's claim dies.
    const dying = new EventStoreDbEventStore(faultyClient(server.client(), 5, 'crash').client, { ...quick, unknownOutcomeRetries: 1 });
    expect(await dying.appendToStreams(appends).catch((error: unknown) => error)).toBeInstanceOf(AppendOutcomeUnknownError);
    const healthy = new EventStoreDbEventStore(server.client(), quick);
    expect(await healthy.readStream(a)).toHaveLength(1);
    expect(await healthy.readStream(b)).toHaveLength(0);
    const retried = await healthy.appendToStreams(appends);
    expect(retried.streams.map((s) => s.nextExpectedRevision)).toEqual([0, 0]);
    expect(await healthy.readStream(b)).toHaveLength(1);
    expectConsistent(
      server,
      appends.flatMap((p) => p.events.map((e) => e.metadata.eventId)),
    );
  });
});
