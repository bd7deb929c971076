import { randomUUID } from 'node:crypto';
import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import type { EventStore } from '@crm/shared/event-sourcing';
import { describeEventStoreContract, describeWhenConfigured } from '@crm/shared/testing';
import { EventStoreDbEventStore, type EventStoreDbOptions } from './eventstoredb-event-store';
import { encodePosition } from './positions';

/** The server's newest event, so a fresh scope does not rescan a long-lived server's history. */
async function endOfAll(client: EventStoreDBClient): Promise<string | undefined> {
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1n })) {
    if (resolved.event) return encodePosition(resolved.event.position);
  }
  return undefined;
}

/**
 * ESDB cannot drop a database, so every test gets a store scoped to its own
 * stream prefix (and to the part of $all after the server's current end): the
 * contract's "fresh, empty store". There is no tamper hook: ESDB cannot rewrite
 * a stored event, and the contract skips that test saying so.
 */
describeWhenConfigured('EventStoreDB event store contract', 'EVENTSTORE_URL', (url) => {
  jest.setTimeout(120_000);
  let client: EventStoreDBClient;
  const scopes = new WeakMap<EventStore, EventStoreDbOptions>();

  beforeAll(() => {
    client = EventStoreDBClient.connectionString(url);
  });
  afterAll(async () => {
    await client.dispose();
  });

  describeEventStoreContract({
    async create() {
      const options: EventStoreDbOptions = { streamPrefix: `t${randomUUID().replace(/-/g, '')}_`, startAfter: await endOfAll(client) };
      const store = new EventStoreDbEventStore(client, options);
      scopes.set(store, options);
      return store;
    },
    // A second connection (its own client, closed with the store) to the same scope: a second writer.
    async connectAgain(store) {
      return new EventStoreDbEventStore(url, scopes.get(store));
    },
  });
});
