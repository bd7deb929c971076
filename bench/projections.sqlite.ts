// Projection rebuilds on the embedded store (events in crm.sqlite, read models in read-models.sqlite at NORMAL, as shipped)
// next to the raw driver reading `$all` in the same run. BENCH_PROJECTION_EVENTS (default 100000), BENCH_ROUNDS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { ALL_PROJECTIONS } from '@crm/platform';
import { size } from './bench-support';
import { benchRebuilds } from './projections.shared';

export async function benchSqliteProjections(): Promise<void> {
  const events = size('BENCH_PROJECTION_EVENTS', 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-projections-'));
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
    const typeCounts = new Map(
      (eventStore.db.prepare('SELECT type, count(*) AS n FROM events GROUP BY type').all() as { type: string; n: number }[]).map((row) => [
        row.type,
        row.n,
      ]),
    );
    await benchRebuilds({
      title: 'SQLite projection rebuilds (better-sqlite3, WAL; events FULL, read models in their own file at NORMAL)',
      eventStore,
      readStore,
      projections: ALL_PROJECTIONS,
      total: seeded.events,
      typeCounts,
      rawRead: async () => {
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
      },
    });
    await readStore.close();
    await eventStore.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchSqliteProjections().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
