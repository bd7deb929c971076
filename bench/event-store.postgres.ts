// PostgreSQL event store next to the raw driver doing the same writes and reads on
// the same database in the same run (mirrors bench/event-store.sqlite.ts).
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_APPENDS, BENCH_EVENTS.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { benchEvent, measureAlternating, printComparison, size, streamFor, type Figure } from './bench-support';
import { catchUp, readAllPages } from './event-store.shared';

/**
 * The ceiling (DESIGN.md "Performance targets"): the raw driver inserting the
 * same rows into a minimal table — the columns and one unique key — in the
 * same database, one statement per append (a multi-row INSERT for a batch),
 * with the server's default durability for both.
 */
async function rawTable(pool: Pool, schema: string) {
  await pool.query(`CREATE SCHEMA "${schema}";
    CREATE TABLE "${schema}".raw_events (
      position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant_id text NOT NULL, stream_id text NOT NULL,
      revision bigint NOT NULL, event_id text NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
      UNIQUE (tenant_id, stream_id, revision))`);
  const insert = (stream: string, revisions: readonly number[]) => {
    const values: unknown[] = [];
    const rows = revisions.map((revision, i) => {
      const event = benchEvent();
      values.push(
        event.metadata.tenantId,
        stream,
        revision,
        event.metadata.eventId,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
      );
      const at = i * 7;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}::jsonb, $${at + 7}::jsonb)`;
    });
    return pool.query({
      name: `bench.raw.insert.${revisions.length}`,
      text: `INSERT INTO "${schema}".raw_events (tenant_id, stream_id, revision, event_id, type, data, metadata) VALUES ${rows.join(', ')}`,
      values,
    });
  };
  return { insert };
}

export async function benchPostgres(): Promise<void> {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const appends = size('BENCH_APPENDS', 2000);
  const events = size('BENCH_EVENTS', 100_000);
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  const pool = new Pool({ connectionString: url, max: 10 });
  const store = await PostgresEventStore.open(pool, { schema: `bench_store_${suffix}` });
  const rawSchema = `bench_raw_${suffix}`;
  const raw = await rawTable(pool, rawSchema);
  try {
    const rounds = 10;
    const per = Math.max(1, Math.floor(appends / rounds));
    let n = 0;
    const [rawSingle, storeNew] = await measureAlternating(
      rounds,
      per,
      async () => {
        for (let i = 0; i < per; i += 1) await raw.insert(streamFor(n++), [0]);
      },
      async () => {
        for (let i = 0; i < per; i += 1) await store.appendToStream(streamFor(n++), [benchEvent()], { expectedRevision: 'no_stream' });
      },
    );
    const oneStream = streamFor(-1);
    let revision = -1;
    let rawRevision = -1;
    const [rawSame, storeExact] = await measureAlternating(
      rounds,
      per,
      async () => {
        for (let i = 0; i < per; i += 1) await raw.insert(oneStream, [++rawRevision]);
      },
      async () => {
        for (let i = 0; i < per; i += 1) {
          await store.appendToStream(oneStream, [benchEvent()], { expectedRevision: revision < 0 ? 'no_stream' : revision });
          revision += 1;
        }
      },
    );
    const batches = Math.max(1, Math.floor(per / 10));
    const ten = Array.from({ length: 10 }, (_, r) => r);
    const [raw10, store10] = await measureAlternating(
      rounds,
      batches * 10,
      async () => {
        for (let i = 0; i < batches; i += 1) await raw.insert(streamFor(n++), ten);
      },
      async () => {
        for (let i = 0; i < batches; i += 1) {
          await store.appendToStream(streamFor(n++), Array.from({ length: 10 }, benchEvent), { expectedRevision: 'no_stream' });
        }
      },
    );
    const inFlight = 64;
    const [rawConcurrent, storeConcurrent] = await measureAlternating(
      rounds,
      per,
      async () => {
        for (let i = 0; i < per; i += inFlight)
          await Promise.all(Array.from({ length: Math.min(inFlight, per - i) }, () => raw.insert(streamFor(n++), [0])));
      },
      async () => {
        for (let i = 0; i < per; i += inFlight) {
          await Promise.all(
            Array.from({ length: Math.min(inFlight, per - i) }, () =>
              store.appendToStream(streamFor(n++), [benchEvent()], { expectedRevision: 'no_stream' }),
            ),
          );
        }
      },
    );
    printComparison(`PostgreSQL event store vs raw inserts into a minimal table (pg, pool 10, group commit) — ${appends} appends`, [
      { name: 'append 1 event, new stream (no_stream)', store: storeNew, raw: rawSingle },
      { name: 'append 1 event, existing stream (exact revision)', store: storeExact, raw: rawSame },
      { name: 'append batches of 10 events (events/s)', store: store10, raw: raw10 },
      { name: `${inFlight} concurrent 1-event appends vs raw concurrent INSERTs`, store: storeConcurrent, raw: rawConcurrent },
    ]);

    // Both tables to the same size with the same kind of rows (streams of 10), then read back.
    const count = async (table: string) => Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    for (let i = await count(`"${rawSchema}".raw_events`); i < events; i += 100) {
      await Promise.all(Array.from({ length: 10 }, (_, k) => raw.insert(streamFor(3_000_000 + i + k * 10), ten)));
    }
    for (let i = await count(`"${store.schema}".events`); i < events; i += 100) {
      await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          store.appendToStream(streamFor(4_000_000 + i + k * 10), Array.from({ length: 10 }, benchEvent), {
            expectedRevision: 'no_stream',
          }),
        ),
      );
    }
    const total = await count(`"${store.schema}".events`);
    const rawPages = async () => {
      let position = '0';
      for (;;) {
        const { rows } = await pool.query<{ position: string }>({
          name: 'bench.raw.page',
          text: `SELECT * FROM "${rawSchema}".raw_events WHERE position > $1 ORDER BY position LIMIT 1000`,
          values: [position],
        });
        const last = rows[rows.length - 1];
        if (!last) break;
        position = last.position;
      }
    };
    // A first read of fresh rows sets their hint bits (writing pages): both tables get it before the measured rounds.
    await rawPages();
    await readAllPages(store, total);
    const [rawRead, storeRead] = await measureAlternating(3, total, rawPages, async () => void (await readAllPages(store, total)));
    const storeCatchUp: Figure = await catchUp(store, total);
    printComparison(`PostgreSQL reads vs raw pages of the minimal table — ${total.toLocaleString('en')} events`, [
      { name: 'read $all in pages of 1000 (events/s)', store: storeRead, raw: rawRead },
      { name: 'catch-up subscription from 0 (events/s)', store: storeCatchUp, raw: rawRead },
    ]);
  } finally {
    await store.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${store.schema}" CASCADE; DROP SCHEMA IF EXISTS "${rawSchema}" CASCADE`);
    await pool.end();
  }
}

if (require.main === module) {
  benchPostgres().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
