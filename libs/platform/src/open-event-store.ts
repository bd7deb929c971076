import { join } from 'node:path';
import { InMemoryEventStore, type EventStore, type SnapshotStore } from '@crm/shared/event-sourcing';
import { DataKeys, PersonalDataEventStore } from '@crm/shared/personal-data';
import type { AppConfig } from './app-config';
import { prepareDatabaseFile, prepareDataDirectory } from './data-directory';
import { ALL_PERSONAL_FIELDS, loadKek, openKeyStore } from './personal-data';

export type OpenedEventStore = EventStore & SnapshotStore;

/**
 * The event store the configuration names, behind the personal-data layer that
 * seals personal fields on append and opens them on read (docs/personal-data.md).
 */
export async function openEventStore(config: AppConfig): Promise<OpenedEventStore> {
  const kek = loadKek(config);
  const adapter = await openAdapter(config);
  try {
    return new PersonalDataEventStore(adapter, new DataKeys(await openKeyStore(config), kek), ALL_PERSONAL_FIELDS);
  } catch (error) {
    await adapter.close();
    throw error;
  }
}

/** The adapter alone; adapters load lazily so one mode never pulls another's driver. */
export async function openAdapter(config: AppConfig): Promise<OpenedEventStore> {
  switch (config.eventStore) {
    case 'memory':
      return new InMemoryEventStore();
    case 'sqlite': {
      const { openSqliteEventStore } = await import('@crm/event-store/sqlite');
      const file = join(config.dataDir, 'crm.sqlite');
      prepareDataDirectory(config.dataDir);
      prepareDatabaseFile(file);
      return openSqliteEventStore({ file });
    }
    case 'postgres': {
      const { PostgresEventStore } = await import('@crm/event-store/postgres');
      return PostgresEventStore.open(config.postgresUrl as string, { schema: config.postgresSchema });
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
