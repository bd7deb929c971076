import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { configureConnection, openSqliteEventStore, type SqliteEventStore, type SynchronousMode } from '@crm/event-store/sqlite';
import { benchEvent, measureAlternating, printComparison, size, streamFor } from './bench-support';
import { catchUp, readAllPages } from './event-store.shared';

/**
 * The ceiling (DESIGN.md "Performance targets"): the raw driver inserting the
 * same rows into a minimal table — the columns and one unique key — on the
 * same kind of connection (WAL, the same synchronous mode), one statement per
 * append, no hash chain, no idempotency, no revision check, no other index.
 */
function openRaw(file: string, synchronous: SynchronousMode) {
  const db = new Database(file);
  configureConnection(db, { synchronous });
  db.exec(`CREATE TABLE raw_events (
    position INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
    event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    UNIQUE (tenant_id, stream_id, revision))`);
  const insert = db.prepare(
    'INSERT INTO raw_events (tenant_id, stream_id, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const row = (stream: string, revision: number) => {
    const event = benchEvent();
    insert.run(
      event.metadata.tenantId,
      stream,
      revision,
      event.metadata.eventId,
      event.type,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
    );
  };
  const page = db.prepare('SELECT * FROM raw_events WHERE position > ? ORDER BY position LIMIT ?');
  return { db, row, batch: db.transaction((stream: string) => Array.from({ length: 10 }, (_, r) => row(stream, r))), page };
}

type Raw = ReturnType<typeof openRaw>;

async function appends(store: SqliteEventStore, raw: Raw, appendCount: number, counter: { n: number }) {
  const rounds = 10;
  const per = Math.max(1, Math.floor(appendCount / rounds));
  const next = () => streamFor(counter.n++);
  const single = await measureAlternating(
    rounds,
    per,
    () => {
      for (let i = 0; i < per; i += 1) raw.row(next(), 0);
    },
    async () => {
      for (let i = 0; i < per; i += 1) await store.appendToStream(next(), [benchEvent()], { expectedRevision: 'no_stream' });
    },
  );
  const oneStream = streamFor(-1);
  let revision = -1;
  let rawRevision = -1;
  const exact = await measureAlternating(
    rounds,
    per,
    () => {
      for (let i = 0; i < per; i += 1) raw.row(oneStream, ++rawRevision);
    },
    async () => {
      for (let i = 0; i < per; i += 1) {
        await store.appendToStream(oneStream, [benchEvent()], { expectedRevision: revision < 0 ? 'no_stream' : revision });
        revision += 1;
      }
    },
  );
  const batches = Math.max(1, Math.floor(per / 10));
  const ten = await measureAlternating(
    rounds,
    batches * 10,
    () => {
      for (let i = 0; i < batches; i += 1) raw.batch(next());
    },
    async () => {
      for (let i = 0; i < batches; i += 1) {
        await store.appendToStream(next(), Array.from({ length: 10 }, benchEvent), { expectedRevision: 'no_stream' });
      }
    },
  );
  const inFlight = 64;
  const concurrent = await measureAlternating(
    rounds,
    per,
    () => {
      for (let i = 0; i < per; i += 1) raw.row(next(), 0);
    },
    async () => {
      for (let i = 0; i < per; i += inFlight) {
        const group = Array.from({ length: Math.min(inFlight, per - i) }, () =>
          store.appendToStream(next(), [benchEvent()], { expectedRevision: 'no_stream' }),
        );
        await Promise.all(group);
      }
    },
  );
  return { single, exact, ten, concurrent };
}

async function reads(store: SqliteEventStore, raw: Raw, eventCount: number) {
  // Both files to the same size with the same kind of rows, then read back.
  const count = (db: Database.Database, table: string) =>
    Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
  const fill = raw.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) raw.row(streamFor(3_000_000 + Math.floor(i / 10)), i % 10);
  });
  for (let i = count(raw.db, 'raw_events'); i < eventCount; i += 10_000) fill(i, Math.min(eventCount, i + 10_000));
  for (let i = count(store.db, 'events'); i < eventCount; i += 100) {
    await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        store.appendToStream(streamFor(4_000_000 + i + k * 10), Array.from({ length: 10 }, benchEvent), { expectedRevision: 'no_stream' }),
      ),
    );
  }
  const total = count(store.db, 'events');
  const rawPages = () => {
    let after = 0;
    for (;;) {
      const rows = raw.page.all(after, 1000) as { position: number; data: string; metadata: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
      }
      after = (rows[rows.length - 1] as { position: number }).position;
    }
  };
  const [rawRead, storeRead] = await measureAlternating(3, total, rawPages, async () => void (await readAllPages(store, total)));
  return { total, rawRead, storeRead, storeCatchUp: await catchUp(store, total), ...(await streamReads(store, raw)) };
}

/** What a command does before it decides: one stream read by its id, existing or not (a creation's). */
async function streamReads(store: SqliteEventStore, raw: Raw) {
  const lookups = 20_000;
  const sample = (db: Database.Database, table: string) =>
    db
      .prepare(
        `SELECT tenant_id AS tenant, stream_id AS stream FROM ${table} GROUP BY 1, 2 HAVING count(*) = 10 ORDER BY random() LIMIT 1000`,
      )
      .all() as {
      tenant: string;
      stream: string;
    }[];
  const rawStreams = sample(raw.db, 'raw_events');
  const storeStreams = sample(store.db, 'events');
  const rawStream = raw.db.prepare('SELECT * FROM raw_events WHERE tenant_id = ? AND stream_id = ? ORDER BY revision');
  const rawRead = (tenant: string, stream: string) => {
    for (const row of rawStream.all(tenant, stream) as { data: string; metadata: string }[]) {
      JSON.parse(row.data);
      JSON.parse(row.metadata);
    }
  };
  const pick = <T>(list: readonly T[], i: number) => list[i % list.length] as T;
  const existing = await measureAlternating(
    3,
    lookups,
    () => {
      for (let i = 0; i < lookups; i += 1) rawRead(pick(rawStreams, i).tenant, pick(rawStreams, i).stream);
    },
    async () => {
      for (let i = 0; i < lookups; i += 1) await store.readStream(pick(storeStreams, i).stream, { tenantId: pick(storeStreams, i).tenant });
    },
  );
  const missing = await measureAlternating(
    3,
    lookups,
    () => {
      for (let i = 0; i < lookups; i += 1) rawRead('default', streamFor(9_000_000 + i));
    },
    async () => {
      for (let i = 0; i < lookups; i += 1) await store.readStream(streamFor(9_000_000 + i));
    },
  );
  return { existing, missing };
}

export async function benchSqlite(): Promise<void> {
  const appendCount = size('BENCH_APPENDS', 2000);
  const eventCount = size('BENCH_EVENTS', 100_000);
  const modes = (process.env['BENCH_SYNC'] ?? 'FULL,NORMAL').split(',') as SynchronousMode[];
  for (const synchronous of modes) {
    const dir = mkdtempSync(join(tmpdir(), 'crm-bench-sqlite-'));
    try {
      const store = openSqliteEventStore({ file: join(dir, 'store.sqlite'), synchronous });
      const raw = openRaw(join(dir, 'raw.sqlite'), synchronous);
      const counter = { n: 0 };
      const { single, exact, ten, concurrent } = await appends(store, raw, appendCount, counter);
      printComparison(`SQLite event store vs raw inserts into a minimal table (WAL, synchronous=${synchronous}) — ${appendCount} appends`, [
        { name: 'append 1 event, new stream (no_stream)', store: single[1], raw: single[0] },
        { name: 'append 1 event, existing stream (exact revision)', store: exact[1], raw: exact[0] },
        { name: 'append batches of 10 events (events/s)', store: ten[1], raw: ten[0] },
        { name: '64 concurrent 1-event appends vs raw commit-each', store: concurrent[1], raw: concurrent[0] },
      ]);
      const read = await reads(store, raw, eventCount);
      printComparison(`SQLite reads (synchronous=${synchronous}) — ${read.total.toLocaleString('en')} events`, [
        { name: 'read $all in pages of 1000 (events/s)', store: read.storeRead, raw: read.rawRead },
        { name: 'catch-up subscription from 0 (events/s)', store: read.storeCatchUp, raw: read.rawRead },
        { name: 'read one stream of 10 events by id (reads/s)', store: read.existing[1], raw: read.existing[0] },
        { name: 'read a stream that does not exist (reads/s)', store: read.missing[1], raw: read.missing[0] },
      ]);
      await store.close();
      raw.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
