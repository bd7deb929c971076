// Projection rebuild rate next to the raw `$all` read rate measured in the same run, on SQLite and on
// PostgreSQL: `npm run bench:projections`. Sizes: BENCH_PROJECTION_EVENTS (default 100000), BENCH_ROUNDS
// (default 2); PostgreSQL at DATABASE_URL. The events are a deterministic mixed CRM history (@crm/demo-data).
import { benchPostgresProjections } from './projections.postgres';
import { benchSqliteProjections } from './projections.sqlite';

async function main(): Promise<void> {
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}\n`);
  await benchSqliteProjections();
  await benchPostgresProjections();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
