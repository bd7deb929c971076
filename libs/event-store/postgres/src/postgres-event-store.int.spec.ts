import type { EventStore } from '@crm/shared/event-sourcing';
import { describeEventStoreContract, sealedHarness, type EventStoreHarness } from '@crm/shared/testing';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';
import { AdminConnection, connectAgain, openTestStore } from './test-support';

const admin = new AdminConnection();
afterAll(() => admin.end());

function postgresHarness(connection: AdminConnection, options: PostgresEventStoreOptions = {}): EventStoreHarness {
  const asPostgres = (store: EventStore): PostgresEventStore => {
    if (!(store instanceof PostgresEventStore)) throw new Error('not a PostgresEventStore');
    return store;
  };
  return {
    orderedAppends: true,
    create: () => openTestStore(options),
    connectAgain: async (store) => connectAgain(asPostgres(store), options),
    tamper: (store, streamId, revision, data) => connection.tamper(asPostgres(store).schema, streamId, revision, data),
    dispose: async (store: EventStore | undefined) => {
      if (!store) return; // create() failed; its error is the one worth reading
      const postgres = asPostgres(store);
      await postgres.close();
      await connection.dropSchema(postgres.schema);
    },
  };
}

describe('PostgresEventStore (real server)', () => {
  describe('with group commit', () => {
    describeEventStoreContract(postgresHarness(admin));
  });

  describe('one statement per append', () => {
    describeEventStoreContract(postgresHarness(admin, { groupCommit: false }));
  });

  describe('behind the personal-data layer (sealed fields)', () => {
    describeEventStoreContract(sealedHarness(postgresHarness(admin)));
  });
});
