import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { streamCategory } from '@crm/shared/event-sourcing';
import { configureConnection, migrate, openSqliteEventStore } from '@crm/event-store/sqlite';
import { benchEvent, measure, measureAlternating, printComparison, size, streamFor, type Figure } from './bench-support';
import { catchUp, readAllPages } from './event-store.shared';

interface RawRow {
  tenant: string;
  stream: string;
  category: string;
  revision: number;
  eventId: string;
  type: string;
  data: string;
  metadata: string;
}

function rawRow(stream: string, revision: number): RawRow {
  const event = benchEvent();
  return {
    tenant: event.metadata.tenantId,
    stream,
    category: streamCategory(stream),
    revision,
    eventId: event.metadata.eventId,
    type: event.type,
    data: JSON.stringify(event.data),
    metadata: JSON.stringify(event.metadata),
  };
}

/** The same table, pragmas and rows as the store, written with bare prepared INSERTs. */
function openRaw(file: string) {
  const db = new Database(file);
  configureConnection(db);
  migrate(db);
  const insert = db.prepare(
    'INSERT INTO events (tenant_id, stream_id, category, revision, event_id, type, data, metadata) VALUES (@tenant, @stream, @category, @revision, @eventId, @type, @data, @metadata)',
  );
  const page = db.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?');
  return { db, insert, page };
}

export async function benchSqlite(): Promise<void> {
  const appends = size('BENCH_APPENDS', 2000);
  const events = size('BENCH_EVENTS', 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-sqlite-'));
  try {
    const store = openSqliteEventStore({ file: join(dir, 'store.sqlite') });
    const raw = openRaw(join(dir, 'raw.sqlite'));

    const rounds = 10;
    const per = Math.max(1, Math.floor(appends / rounds));
    let n = 0;
    const [rawSingle, storeNew] = await measureAlternating(
      rounds,
      per,
      () => {
        for (let i = 0; i < per; i += 1) raw.insert.run(rawRow(streamFor(n++), 0));
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
      () => {
        for (let i = 0; i < per; i += 1) raw.insert.run(rawRow(oneStream, ++rawRevision));
      },
      async () => {
        for (let i = 0; i < per; i += 1) {
          await store.appendToStream(oneStream, [benchEvent()], { expectedRevision: revision < 0 ? 'no_stream' : revision });
          revision += 1;
        }
      },
    );
    const rawBatch = raw.db.transaction((stream: string) => {
      for (let r = 0; r < 10; r += 1) raw.insert.run(rawRow(stream, r));
    });
    const batchesPerRound = Math.max(1, Math.floor(per / 10));
    const [raw10, store10] = await measureAlternating(
      rounds,
      batchesPerRound * 10,
      () => {
        for (let i = 0; i < batchesPerRound; i += 1) rawBatch(streamFor(n++));
      },
      async () => {
        for (let i = 0; i < batchesPerRound; i += 1) {
          await store.appendToStream(streamFor(n++), Array.from({ length: 10 }, benchEvent), { expectedRevision: 'no_stream' });
        }
      },
    );
    const inFlight = 64;
    const [rawOneCommitEach, storeConcurrent] = await measureAlternating(
      rounds,
      per,
      () => {
        for (let i = 0; i < per; i += 1) raw.insert.run(rawRow(streamFor(n++), 0));
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

    printComparison(`SQLite event store (better-sqlite3, WAL, synchronous=FULL) — ${appends} appends`, [
      { name: 'append 1 event, new stream (no_stream)', store: storeNew, raw: rawSingle },
      { name: 'append 1 event, existing stream (exact revision)', store: storeExact, raw: rawSame },
      { name: 'append batches of 10 events (events/s)', store: store10, raw: raw10 },
      { name: `${inFlight} concurrent 1-event appends vs raw commit-each`, store: storeConcurrent, raw: rawOneCommitEach },
    ]);

    // Fill both files to the read size with the same rows, then read them back.
    const have = Number((raw.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n);
    const fill = raw.db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i += 1) raw.insert.run(rawRow(streamFor(3_000_000 + Math.floor(i / 10)), i % 10));
    });
    for (let i = have; i < events; i += 10_000) fill(i, Math.min(events, i + 10_000));
    const storeHave = Number((store.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n);
    for (let i = storeHave; i < events; i += 100) {
      await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          store.appendToStream(streamFor(3_000_000 + i + k * 10), Array.from({ length: 10 }, benchEvent), {
            expectedRevision: 'no_stream',
          }),
        ),
      );
    }
    const total = Number((store.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n);
    const rawRead = await measure('raw', total, () => {
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
    });
    const storeRead: Figure = await readAllPages(store, total);
    const storeCatchUp: Figure = await catchUp(store, total);
    printComparison(`SQLite reads — ${total.toLocaleString('en')} events`, [
      { name: 'read $all in pages of 1000 (events/s)', store: storeRead, raw: rawRead },
      { name: 'catch-up subscription from 0 (events/s)', store: storeCatchUp, raw: rawRead },
    ]);
    await store.close();
    raw.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
