// PostgreSQL event store next to the raw driver doing the same writes and reads on
// the same database in the same run (mirrors bench/event-store.sqlite.ts).
// DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_APPENDS, BENCH_EVENTS.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { streamCategory } from '@crm/shared/event-sourcing';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { benchEvent, measure, measureAlternating, printComparison, size, streamFor, type Figure } from './bench-support';
import { catchUp, readAllPages } from './event-store.shared';

export async function benchPostgres(): Promise<void> {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const appends = size('BENCH_APPENDS', 2000);
  const events = size('BENCH_EVENTS', 100_000);
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  const pool = new Pool({ connectionString: url, max: 10 });
  const store = await PostgresEventStore.open(pool, { schema: `bench_store_${suffix}` });
  // The raw contender writes the very same events table, in its own schema, with bare INSERTs.
  const rawSchema = `bench_raw_${suffix}`;
  await new PostgresEventStore(pool, { schema: rawSchema }).migrate();
  const rawInsert = (stream: string, revision: number) => {
    const event = benchEvent();
    return pool.query({
      name: 'bench.raw.insert',
      text: `INSERT INTO "${rawSchema}".events (tenant_id, stream_id, category, revision, event_id, type, data, metadata, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', '')`,
      values: [
        event.metadata.tenantId,
        stream,
        streamCategory(stream),
        revision,
        event.metadata.eventId,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
      ],
    });
  };
  try {
    const rounds = 10;
    const per = Math.max(1, Math.floor(appends / rounds));
    let n = 0;
    const [rawSingle, storeNew] = await measureAlternating(
      rounds,
      per,
      async () => {
        for (let i = 0; i < per; i += 1) await rawInsert(streamFor(n++), 0);
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
        for (let i = 0; i < per; i += 1) await rawInsert(oneStream, ++rawRevision);
      },
      async () => {
        for (let i = 0; i < per; i += 1) {
          await store.appendToStream(oneStream, [benchEvent()], { expectedRevision: revision < 0 ? 'no_stream' : revision });
          revision += 1;
        }
      },
    );
    const inFlight = 64;
    const [rawConcurrent, storeConcurrent] = await measureAlternating(
      rounds,
      per,
      async () => {
        for (let i = 0; i < per; i += inFlight)
          await Promise.all(Array.from({ length: Math.min(inFlight, per - i) }, () => rawInsert(streamFor(n++), 0)));
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
    printComparison(`PostgreSQL event store (pg, pool 10, one statement per append, group commit) — ${appends} appends`, [
      { name: 'append 1 event, new stream (no_stream)', store: storeNew, raw: rawSingle },
      { name: 'append 1 event, existing stream (exact revision)', store: storeExact, raw: rawSame },
      { name: `${inFlight} concurrent 1-event appends vs raw concurrent INSERTs`, store: storeConcurrent, raw: rawConcurrent },
    ]);

    const have = Number((await pool.query(`SELECT count(*) AS n FROM "${rawSchema}".events`)).rows[0].n);
    for (let i = have; i < events; i += 100)
      await Promise.all(Array.from({ length: 100 }, (_, k) => rawInsert(streamFor(3_000_000 + i + k), 0)));
    const storeHave = Number((await pool.query(`SELECT count(*) AS n FROM "${store.schema}".events`)).rows[0].n);
    for (let i = storeHave; i < events; i += 100) {
      await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          store.appendToStream(streamFor(4_000_000 + i + k * 10), Array.from({ length: 10 }, benchEvent), {
            expectedRevision: 'no_stream',
          }),
        ),
      );
    }
    const total = Number((await pool.query(`SELECT count(*) AS n FROM "${store.schema}".events`)).rows[0].n);
    const rawRead = await measure('raw', total, async () => {
      let xid = '0';
      let position = '0';
      for (;;) {
        const { rows } = await pool.query<{ transaction_id: string; position: string }>({
          name: 'bench.raw.page',
          text: `SELECT * FROM "${store.schema}".events WHERE (transaction_id, position) > ($1, $2) ORDER BY transaction_id, position LIMIT 1000`,
          values: [xid, position],
        });
        const last = rows[rows.length - 1];
        if (!last) break;
        xid = last.transaction_id;
        position = last.position;
      }
    });
    const storeRead: Figure = await readAllPages(store, total);
    const storeCatchUp: Figure = await catchUp(store, total);
    printComparison(`PostgreSQL reads — ${total.toLocaleString('en')} events`, [
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
