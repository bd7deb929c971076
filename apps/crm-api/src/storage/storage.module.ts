import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { systemClock, type Clock } from '@crm/shared/kernel';
import { BLIND_INDEX, CLOCK, CommandExecutor, EVENT_STORE, FINGERPRINT_KEY, READ_STORE, SNAPSHOT_STORE } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
import { BlindIndex, innerStore } from '@crm/shared/personal-data';
import { SqliteEventStore } from '@crm/event-store/sqlite';
import { SqliteReadStore } from '@crm/read-store/sqlite';
import { ERASURE_SETTINGS, ERASURE_STORAGE, type ErasureStorage } from '@crm/privacy/application';
import { ALL_PROJECTIONS, type AppConfig, loadServerSecret, openEventStore, type OpenedEventStore } from '@crm/platform';

export const APP_CONFIG = Symbol('AppConfig');

export interface StorageOverrides {
  readonly eventStore?: OpenedEventStore;
  readonly clock?: Clock;
}

/** Ports for the whole process: one event store, one clock, one command executor. */
@Global()
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: OpenedEventStore) {}

  static forRoot(config: AppConfig, overrides: StorageOverrides = {}): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: EVENT_STORE, useFactory: () => overrides.eventStore ?? openEventStore(config) },
        { provide: SNAPSHOT_STORE, useExisting: EVENT_STORE },
        { provide: CLOCK, useValue: overrides.clock ?? systemClock },
        { provide: FINGERPRINT_KEY, useFactory: () => loadServerSecret(config) },
        { provide: BLIND_INDEX, inject: [FINGERPRINT_KEY], useFactory: (secret: Buffer) => new BlindIndex(secret) },
        { provide: ERASURE_STORAGE, inject: [EVENT_STORE, READ_STORE], useFactory: erasureStorage },
        {
          provide: ERASURE_SETTINGS,
          useValue: {
            purgeWindowMs: config.erasurePurgeWindowMs,
            projections: ALL_PROJECTIONS,
          },
        },
        CommandExecutor,
      ],
      exports: [
        APP_CONFIG,
        EVENT_STORE,
        SNAPSHOT_STORE,
        CLOCK,
        FINGERPRINT_KEY,
        BLIND_INDEX,
        ERASURE_STORAGE,
        ERASURE_SETTINGS,
        CommandExecutor,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * After an erasure, the embedded file keeps no page that held the erased data:
 * freed pages are zeroed (secure_delete) and the WAL, which still holds the
 * pages as they were, is checkpointed into the file and truncated — the
 * events' file and the read models' own file alike (both zero freed pages);
 * the key store truncates its own WAL.
 */
function erasureStorage(store: OpenedEventStore, readStore: ReadStore): ErasureStorage {
  return {
    async compact() {
      const adapter = innerStore(store);
      if (adapter instanceof SqliteEventStore) adapter.db.pragma('wal_checkpoint(TRUNCATE)');
      if (readStore instanceof SqliteReadStore && !(adapter instanceof SqliteEventStore && readStore.db === adapter.db))
        readStore.db.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
