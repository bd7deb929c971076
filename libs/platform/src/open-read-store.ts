import { join } from 'node:path';
import { InMemoryReadStore, type ReadStore } from '@crm/shared/read-model';
import { innerStore } from '@crm/shared/personal-data';
import type { AppConfig } from './app-config';
import { prepareDatabaseFile } from './data-directory';
import type { OpenedEventStore } from './open-event-store';

/** The embedded read models' own file, beside the events' `crm.sqlite`. */
export const READ_MODELS_FILE = 'read-models.sqlite';

/**
 * The read store the configuration names. SQLite keeps read models in their own file, committed at
 * synchronous=NORMAL: they are rebuildable from the log, so only events pay for FULL, and projection
 * writes never hold the events' write lock while a command appends.
 */
export async function openReadStore(config: AppConfig, eventStore: OpenedEventStore): Promise<ReadStore> {
  switch (config.readStore) {
    case 'memory':
      return new InMemoryReadStore();
    case 'sqlite': {
      const [{ openSqliteReadStore }, { SqliteEventStore }] = await Promise.all([
        import('@crm/read-store/sqlite'),
        import('@crm/event-store/sqlite'),
      ]);
      if (!(innerStore(eventStore) instanceof SqliteEventStore)) throw new Error('CRM_READ_STORE=sqlite needs the SQLite event store');
      const file = join(config.dataDir, READ_MODELS_FILE);
      prepareDatabaseFile(file);
      return openSqliteReadStore({ file, synchronous: 'NORMAL' });
    }
    case 'postgres': {
      const { PostgresReadStore } = await import('@crm/read-store/postgres');
      return PostgresReadStore.open(config.postgresUrl as string, { schema: config.postgresSchema, poolSize: config.postgresPoolSize });
    }
    case 'mongodb': {
      const { MongoReadStore } = await import('@crm/read-store/mongodb');
      return MongoReadStore.connect(config.mongodbUrl as string, { database: config.mongodbDatabase, transactions: 'required' });
    }
  }
}
