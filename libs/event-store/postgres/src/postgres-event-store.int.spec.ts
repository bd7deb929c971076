import type { EventStore } from '@crm/shared/event-sourcing';
import { anEvent, describeEventStoreContract, sealedHarness, type EventStoreHarness } from '@crm/shared/testing';
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
    rewriteColumns: (store, streamId, change) => connection.rewriteColumns(asPostgres(store).schema, streamId, change),
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

describe('PostgresEventStore pool', () => {
  it('keeps its connections while idle, and carries on when the server closes one', async () => {
    const store = await openTestStore({ poolSize: 1 });
    try {
      expect(store.pool.options.idleTimeoutMillis).toBe(0);
      expect(store.pool.listenerCount('error')).toBe(1);
      const pid = async () => (await store.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const before = await pid();
      // The idle connection is ended by the server (a restart, a failover): the pool reports it; unheard, that error ends the process.
      const reported = new Promise<void>((resolve) => store.pool.once('error', () => resolve()));
      await admin.pool.query('SELECT pg_terminate_backend($1)', [before]);
      await reported;
      await store.appendToStream('deal-1', [anEvent('DealOpened')]);
      expect((await store.readStream('deal-1')).map((event) => event.type)).toEqual(['DealOpened']);
      expect(await pid()).not.toBe(before);
    } finally {
      await store.close();
      await admin.dropSchema(store.schema);
    }
  });
});
