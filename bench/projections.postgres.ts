// Projection rebuilds on PostgreSQL (events and read models as JSONB in one fresh schema, dropped after)
// next to the raw driver reading `$all` in the same run. DATABASE_URL, BENCH_PROJECTION_EVENTS, BENCH_ROUNDS.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { seedEventStore } from '@crm/demo-data';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { ALL_PROJECTIONS } from '@crm/platform';
import { size } from './bench-support';
import { benchRebuilds } from './projections.shared';

export async function benchPostgresProjections(): Promise<void> {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const events = size('BENCH_PROJECTION_EVENTS', 100_000);
  const schema = `bench_projections_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const pool = new Pool({ connectionString: url, max: 10 });
  try {
    const eventStore = await PostgresEventStore.open(pool, { schema });
    const seeded = await seedEventStore(eventStore, { events, seed: 1 });
    // The read models' rm_ tables in the same schema, on the same pool: how the server mode runs.
    const readStore = await PostgresReadStore.open(pool, { schema });
    const { rows } = await pool.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM "${schema}".events GROUP BY type`);
    await benchRebuilds({
      title: 'PostgreSQL projection rebuilds (pg, pool 10, read models as JSONB, one statement per batch)',
      eventStore,
      readStore,
      projections: ALL_PROJECTIONS,
      total: seeded.events,
      typeCounts: new Map(rows.map((row) => [row.type, Number(row.n)])),
      rawRead: async () => {
        let xid = '0';
        let position = '0';
        for (;;) {
          const page = await pool.query<{ transaction_id: string; position: string }>({
            name: 'bench.projections.raw.page',
            text: `SELECT * FROM "${schema}".events WHERE (transaction_id, position) > ($1, $2) ORDER BY transaction_id, position LIMIT 1000`,
            values: [xid, position],
          });
          const last = page.rows[page.rows.length - 1];
          if (!last) break;
          xid = last.transaction_id;
          position = last.position;
        }
      },
    });
    await readStore.close();
    await eventStore.close();
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

if (require.main === module) {
  benchPostgresProjections().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
