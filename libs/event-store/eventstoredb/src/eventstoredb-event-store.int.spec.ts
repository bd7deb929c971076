import { randomUUID } from 'node:crypto';
import { BACKWARDS, END, KurrentDBClient } from '@kurrent/kurrentdb-client';
import { AppendTooLargeError, StreamDeletedError, verifyChain, type EventStore } from '@crm/shared/event-sourcing';
import {
  anEvent,
  describeEventStoreContract,
  describeWhenConfigured,
  sealedHarness,
  someEvents,
  type EventStoreHarness,
} from '@crm/shared/testing';
import { EventStoreDbEventStore, type EventStoreDbOptions } from './eventstoredb-event-store';
import { encodePosition } from './positions';
import { StreamNames } from './stream-names';
import { faultyClient } from './testing/faulty-client';

/** The server's newest event, so a fresh scope does not rescan a long-lived server's history. */
async function endOfAll(client: KurrentDBClient): Promise<string | undefined> {
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1n })) {
    if (resolved.event) return encodePosition(resolved.event.position);
  }
  return undefined;
}

const until = async (check: () => Promise<boolean>, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/**
 * A real KurrentDB node (EVENTSTORE_URL, e.g. kurrentdb://localhost:2113?tls=false;
 * CI starts one, see .github/workflows/servers.yml). The server cannot drop a
 * database, so every test gets a store scoped to its own stream prefix (and to
 * the part of $all after the server's current end): the contract's "fresh,
 * empty store". There is no tamper hook: the server cannot rewrite a stored
 * event, and the contract skips that test saying so.
 */
describeWhenConfigured('KurrentDB event store contract', 'EVENTSTORE_URL', (url) => {
  jest.setTimeout(120_000);
  let client: KurrentDBClient;
  const scopes = new WeakMap<EventStore, EventStoreDbOptions>();
  const scoped = async (more: EventStoreDbOptions = {}): Promise<EventStoreDbOptions> => ({
    streamPrefix: `t${randomUUID().replace(/-/g, '')}_`,
    startAfter: await endOfAll(client),
    ...more,
  });

  beforeAll(() => {
    client = KurrentDBClient.connectionString(url);
  });
  afterAll(async () => {
    await client.dispose();
  });

  const harness: EventStoreHarness = {
    async create() {
      const options = await scoped();
      const store = new EventStoreDbEventStore(client, options);
      scopes.set(store, options);
      return store;
    },
    // A second connection (its own client, closed with the store) to the same scope: a second writer.
    async connectAgain(store) {
      return new EventStoreDbEventStore(url, scopes.get(store));
    },
    multiStreamAppends: process.env['EVENTSTORE_MULTI_STREAM'] === 'off' ? 'checked-up-front' : 'atomic',
  };
  describeEventStoreContract(harness);
  describe('behind the personal-data layer (sealed fields)', () => describeEventStoreContract(sealedHarness(harness)));

  describe('what only a real server can show', () => {
    it('refuses an append over MaxAppendSize before sending it', async () => {
      const store = new EventStoreDbEventStore(client, await scoped());
      const streamId = `quote-${randomUUID()}`;
      await expect(store.appendToStream(streamId, [anEvent('QuoteCreated', { lines: 'x'.repeat(1100 * 1024) })])).rejects.toBeInstanceOf(
        AppendTooLargeError,
      );
      expect(await store.streamRevision(streamId)).toBeUndefined();
      // Just under the adapter's limit, the server agrees to take it.
      await store.appendToStream(streamId, [anEvent('QuoteCreated', { lines: 'x'.repeat(900 * 1024) })]);
      expect(await store.streamRevision(streamId)).toBe(0);
    });

    it('reports a tombstoned stream as deleted', async () => {
      const options = await scoped();
      const store = new EventStoreDbEventStore(client, options);
      const streamId = `complaint-${randomUUID()}`;
      await store.appendToStream(streamId, someEvents(2));
      await client.tombstoneStream(new StreamNames(options.streamPrefix).stream('default', streamId));
      await expect(store.readStream(streamId)).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(store.appendToStream(streamId, [anEvent()])).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('answers with the true outcome when the reply of a write is lost, and writes once', async () => {
      const options = await scoped({ retryDelayMs: 10 });
      const store = new EventStoreDbEventStore(faultyClient(client, 1, 'lose-reply').client, options);
      const streamId = `lead-${randomUUID()}`;
      const events = someEvents(3);
      expect(await store.appendToStream(streamId, events, { expectedRevision: 'no_stream' })).toMatchObject({ nextExpectedRevision: 2 });
      const read = await store.readStream(streamId);
      expect(read.map((e) => e.metadata.eventId)).toEqual(events.map((e) => e.metadata.eventId));
      expect(verifyChain(read).ok).toBe(true);
      expect((await store.findEvent(events[2]?.metadata.eventId as string))?.revision).toBe(2);
    });

    it("puts a dashed category in the server's own category stream, apart from its first word", async () => {
      const options = await scoped();
      const store = new EventStoreDbEventStore(client, options);
      const listId = `marketing-list-${randomUUID()}`;
      await store.appendToStream(listId, [anEvent('MarketingListCreated')]);
      const category = `$ce-${options.streamPrefix}marketing%2Dlist`;
      // $by_category is a system projection: it catches up on its own time.
      await until(async () => {
        try {
          for await (const resolved of client.readStream(category, { resolveLinkTos: true, maxCount: 10 })) {
            if (resolved.event?.type === 'MarketingListCreated') return true;
          }
        } catch {
          return false;
        }
        return false;
      }, `${category} to hold the list`);
    });
  });
});
