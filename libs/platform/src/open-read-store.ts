import { InMemoryReadStore, type ReadStore } from '@crm/shared/read-model';
import { innerStore } from '@crm/shared/personal-data';
import type { AppConfig } from './app-config';
import type { OpenedEventStore } from './open-event-store';

/** The read store the configuration names; SQLite shares the event store's connection (one transaction per batch). */
export async function openReadStore(config: AppConfig, eventStore: OpenedEventStore): Promise<ReadStore> {
  switch (config.readStore) {
    case 'memory':
      return new InMemoryReadStore();
    case 'sqlite': {
      const [{ SqliteReadStore }, { SqliteEventStore }] = await Promise.all([
        import('@crm/read-store/sqlite'),
        import('@crm/event-store/sqlite'),
      ]);
      const adapter = innerStore(eventStore);
      if (!(adapter instanceof SqliteEventStore)) throw new Error('CRM_READ_STORE=sqlite needs the SQLite event store');
      return new SqliteReadStore(adapter.db);
    }
    case 'postgres': {
      const { PostgresReadStore } = await import('@crm/read-store/postgres');
      return PostgresReadStore.open(config.postgresUrl as string, { schema: config.postgresSchema });
    }
    case 'mongodb': {
      const { MongoReadStore } = await import('@crm/read-store/mongodb');
      return MongoReadStore.connect(config.mongodbUrl as string, { database: config.mongodbDatabase });
    }
  }
}
