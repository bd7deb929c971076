// Projection rebuild rate next to the raw `$all` read rate measured in the same run, on SQLite and on
// PostgreSQL: `npm run bench:projections`. Sizes: BENCH_PROJECTION_EVENTS (default 100000), BENCH_ROUNDS
// (default 2); PostgreSQL at DATABASE_URL. The events are a deterministic mixed CRM history (@crm/demo-data).
// For a quicker look: BENCH_STORES=sqlite or postgres (default both), BENCH_PROJECTIONS=name,name (default all).
import { benchPostgresProjections } from './projections.postgres';
import { benchSqliteProjections } from './projections.sqlite';

async function main(): Promise<void> {
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}\n`);
  const stores = (process.env['BENCH_STORES'] ?? 'sqlite,postgres').split(',');
  if (stores.includes('sqlite')) await benchSqliteProjections();
  if (stores.includes('postgres')) await benchPostgresProjections();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
