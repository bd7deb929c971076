// Projection rebuilds on the embedded store (events in crm.sqlite, read models in read-models.sqlite at NORMAL, as shipped)
// next to the raw driver reading `$all` in the same run. BENCH_PROJECTION_EVENTS (default 100000), BENCH_ROUNDS.
import { ALL_PROJECTIONS } from '@crm/platform';
import { size } from './bench-support';
import { benchRebuilds } from './projections.shared';
import { withSeededSqlite } from './seeded-sqlite';

export async function benchSqliteProjections(): Promise<void> {
  await withSeededSqlite(
    'crm-bench-projections-',
    size('BENCH_PROJECTION_EVENTS', 100_000),
    async ({ eventStore, readStore, events, rawRead }) => {
      const typeCounts = new Map(
        (eventStore.db.prepare('SELECT type, count(*) AS n FROM events GROUP BY type').all() as { type: string; n: number }[]).map(
          (row) => [row.type, row.n],
        ),
      );
      await benchRebuilds({
        title: 'SQLite projection rebuilds (better-sqlite3, WAL; events FULL, read models in their own file at NORMAL)',
        eventStore,
        readStore,
        projections: ALL_PROJECTIONS,
        total: events,
        typeCounts,
        rawRead: async () => rawRead(),
      });
    },
  );
}

if (require.main === module) {
  benchSqliteProjections().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
