// The embedded store as the projection benches use it: a temporary directory seeded with the demo history (seed 1),
// events in crm.sqlite at the shipped durability (FULL), read models in read-models.sqlite at NORMAL, and the raw
// driver's read of `$all` (pages of 1 000 rows, every payload parsed) as the baseline to compare with.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore, type SqliteEventStore } from '@crm/event-store/sqlite';
import { openSqliteReadStore, type SqliteReadStore } from '@crm/read-store/sqlite';

export interface SeededSqlite {
  readonly eventStore: SqliteEventStore;
  readonly readStore: SqliteReadStore;
  /** Events the seed wrote. */
  readonly events: number;
  /** Reads every row of the log in position order with the raw driver, parsing data and metadata. */
  rawRead(): void;
}

/** Seeds a fresh directory, hands its stores to `run`, then closes them and removes the directory. */
export async function withSeededSqlite<T>(prefix: string, events: number, run: (seeded: SeededSqlite) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'crm.sqlite');
  try {
    // Seeding is not measured: NORMAL spares it an fsync per group of appends.
    const seeding = openSqliteEventStore({ file, synchronous: 'NORMAL' });
    const seeded = await seedEventStore(seeding, { events, seed: 1 });
    await seeding.close();
    // Measured with the settings the API and the CLI use.
    const eventStore = openSqliteEventStore({ file });
    const readStore = openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    const page = eventStore.db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT 1000');
    const rawRead = () => {
      let after = 0;
      for (;;) {
        const rows = page.all(after) as { position: number; data: string; metadata: string }[];
        if (rows.length === 0) break;
        for (const row of rows) {
          JSON.parse(row.data);
          JSON.parse(row.metadata);
        }
        after = (rows[rows.length - 1] as { position: number }).position;
      }
    };
    try {
      return await run({ eventStore, readStore, events: seeded.events, rawRead });
    } finally {
      await readStore.close();
      await eventStore.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
