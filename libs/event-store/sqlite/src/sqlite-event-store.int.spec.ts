import { DEFAULT_TENANT } from '@crm/shared/event-sourcing';
import { describeEventStoreContract } from '@crm/shared/testing';
import { openSqliteEventStore } from './sqlite-event-store';
import { asSqlite, disposeStore, storeInFreshDir } from './test-support';

describe('SqliteEventStore (real file)', () => {
  describeEventStoreContract({
    create: () => storeInFreshDir(),
    // A second connection to the same file behaves like a second process.
    connectAgain: async (store) => openSqliteEventStore({ file: asSqlite(store).db.name }),
    tamper: async (store, streamId, revision, data) => {
      const changed = asSqlite(store)
        .db.prepare('UPDATE events SET data = ? WHERE tenant_id = ? AND stream_id = ? AND revision = ?')
        .run(JSON.stringify(data), DEFAULT_TENANT, streamId, revision).changes;
      if (changed !== 1) throw new Error(`no event ${streamId}@${revision} to tamper with`);
    },
    dispose: disposeStore,
  });
});
