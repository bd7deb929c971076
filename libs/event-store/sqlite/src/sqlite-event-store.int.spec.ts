import { DEFAULT_TENANT } from '@crm/shared/event-sourcing';
import { describeEventStoreContract, sealedHarness, type EventStoreHarness } from '@crm/shared/testing';
import { openSqliteEventStore } from './sqlite-event-store';
import { asSqlite, disposeStore, storeInFreshDir } from './test-support';

const sqliteHarness: EventStoreHarness = {
  create: () => storeInFreshDir(),
  orderedAppends: true,
  // A second connection to the same file behaves like a second process.
  connectAgain: async (store) => openSqliteEventStore({ file: asSqlite(store).db.name }),
  tamper: async (store, streamId, revision, data) => {
    const changed = asSqlite(store)
      .db.prepare('UPDATE events SET data = ? WHERE tenant_id = ? AND stream_id = ? AND revision = ?')
      .run(JSON.stringify(data), DEFAULT_TENANT, streamId, revision).changes;
    if (changed !== 1) throw new Error(`no event ${streamId}@${revision} to tamper with`);
  },
  rewriteColumns: async (store, streamId, change) => {
    const db = asSqlite(store).db;
    const changed =
      'tenantId' in change
        ? db.prepare('UPDATE events SET tenant_id = ? WHERE stream_id = ?').run(change.tenantId, streamId).changes
        : db.prepare('UPDATE events SET event_id = ? WHERE stream_id = ? AND revision = ?').run(change.eventId, streamId, change.revision)
            .changes;
    if (changed === 0) throw new Error(`no event of ${streamId} to rewrite`);
  },
  dispose: disposeStore,
};

describe('SqliteEventStore (real file)', () => {
  describeEventStoreContract(sqliteHarness);
});

describe('SqliteEventStore behind the personal-data layer (real file, sealed fields)', () => {
  describeEventStoreContract(sealedHarness(sqliteHarness));
});
