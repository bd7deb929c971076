// Event store throughput next to the raw driver doing the same writes and reads
// on the same database in the same run: `npm run bench:event-store`.
// Sizes: BENCH_APPENDS (default 2000), BENCH_EVENTS (default 100000); PostgreSQL at DATABASE_URL.
import { benchPostgres } from './event-store.postgres';
import { benchSqlite } from './event-store.sqlite';

async function main(): Promise<void> {
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}\n`);
  await benchSqlite();
  await benchPostgres();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
