import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SharedSqliteWriter } from '@crm/key-store/sqlite';
import { InMemoryEventStore, type EventStore, type SnapshotStore } from '@crm/shared/event-sourcing';
import { DataKeys, PersonalDataEventStore, type KeyStore } from '@crm/shared/personal-data';
import { ConfigError, type AppConfig } from './app-config';
import { prepareDatabaseFile, prepareDataDirectory } from './data-directory';
import {
  ALL_PERSON_REFERENCES,
  ALL_PERSONAL_FIELDS,
  checkKek,
  KEY_STORE_FILE,
  loadKek,
  missingKekError,
  openKeyStore,
} from './personal-data';

export type OpenedEventStore = EventStore & SnapshotStore;

/** How this process uses the store, where the adapter can be tuned for it. */
export interface EventStoreUse {
  /** The SQLite connection's page cache in KiB (the adapter's default serves appends; a rebuild's scan keeps a small one). */
  readonly sqlitePageCacheKib?: number;
}

/**
 * The event store the configuration names, behind the personal-data layer that
 * seals personal fields on append and opens them on read (docs/personal-data.md).
 */
export async function openEventStore(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
  use: EventStoreUse = {},
): Promise<OpenedEventStore> {
  const { kek, made } = loadKek(config, env);
  const adapter = await openAdapter(config, use);
  try {
    const keys = config.eventStore === 'sqlite' ? await keysBeside(adapter, config) : await openKeyStore(config);
    if (config.eventStore !== 'memory') {
      await checkKek(keys, kek).catch((error: unknown) => {
        if (!made || !(error instanceof ConfigError)) throw error;
        rmSync(made, { force: true });
        throw missingKekError(made);
      });
    }
    return new PersonalDataEventStore(adapter, new DataKeys(keys, kek), ALL_PERSONAL_FIELDS, ALL_PERSON_REFERENCES);
  } catch (error) {
    await adapter.close();
    throw error;
  }
}

/** Embedded: the data keys in a table of the events' own file, written through the same group commit. */
async function keysBeside(adapter: OpenedEventStore, config: AppConfig): Promise<KeyStore> {
  if (!isSharedWriter(adapter)) throw new Error('the SQLite event store does not share its connection');
  const { SqliteKeyStore } = await import('@crm/key-store/sqlite');
  return SqliteKeyStore.beside(adapter, join(config.dataDir, KEY_STORE_FILE));
}

function isSharedWriter(store: object): store is SharedSqliteWriter {
  return 'db' in store && typeof (store as { inWriteGroup?: unknown }).inWriteGroup === 'function';
}

/** The adapter alone; adapters load lazily so one mode never pulls another's driver. */
export async function openAdapter(config: AppConfig, use: EventStoreUse = {}): Promise<OpenedEventStore> {
  switch (config.eventStore) {
    case 'memory':
      return new InMemoryEventStore();
    case 'sqlite': {
      const { openSqliteEventStore } = await import('@crm/event-store/sqlite');
      const file = join(config.dataDir, 'crm.sqlite');
      prepareDataDirectory(config.dataDir);
      prepareDatabaseFile(file);
      return openSqliteEventStore({
        file,
        ...(use.sqlitePageCacheKib === undefined ? {} : { pageCacheKib: use.sqlitePageCacheKib }),
        ...(config.pollIntervalMs === undefined ? {} : { pollIntervalMs: config.pollIntervalMs }),
      });
    }
    case 'postgres': {
      const { PostgresEventStore } = await import('@crm/event-store/postgres');
      return PostgresEventStore.open(config.postgresUrl as string, {
        schema: config.postgresSchema,
        poolSize: config.postgresPoolSize,
        ...(config.pollIntervalMs === undefined ? {} : { pollIntervalMs: config.pollIntervalMs }),
      });
    }
    case 'eventstoredb': {
      const { EventStoreDbEventStore } = await import('@crm/event-store/eventstoredb');
      return new EventStoreDbEventStore(config.eventStoreUrl as string, {
        streamPrefix: config.eventStoreStreamPrefix,
        maxAppendBytes: config.eventStoreMaxAppendBytes,
      });
    }
  }
}
