// A page of the opportunity list in each sort and order, at two history sizes, on SQLite and PostgreSQL:
// `npm run bench:list-sorts`. Folds the seeded demo history (@crm/demo-data, seed 1) at each of BENCH_SIZES events
// (default 100000,400000) into `pipeline-opportunities` (batches of 5 000, as a rebuild does), stores its documents
// and declared indexes in a fresh SQLite file under BENCH_DIR (default <tmp>/crm-bench-list-sorts) and in a schema of
// its own on PostgreSQL (CRM_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test; dropped after), then
// times BENCH_CALLS (default 100) calls of each read and prints p50/p99 and the growth of the p50 from the smaller
// history to the larger. Each sort is read as a first page (limit 50) and as the page after it (by its nextCursor:
// the keyset); the raw baseline is a find of 51 of the tenant's deals in id order along the primary key, the least a
// page can read. BENCH_STORES=sqlite or postgres runs one store. Uses only the list's exported read, so the same
// script compiled against an older build measures it.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { recordedDemoHistory } from '@crm/demo-data';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import type { AnyProjection, DocumentRecord, ReadStore } from '@crm/shared/read-model';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { loadOpportunityList, OPPORTUNITY_SORTS, type OpportunityListFilters, pipelineOpportunities } from '@crm/projections/pipeline';
import { foldDocuments, timeCalls } from './bench-support';

const TENANT = 'default';

function sizes(): number[] {
  const raw = process.env['BENCH_SIZES'] ?? '100000,400000';
  const values = raw.split(',').map(Number);
  if (values.length !== 2 || !values.every((value) => Number.isInteger(value) && value > 0)) {
    throw new Error('BENCH_SIZES must be two positive integers, the smaller history first');
  }
  return values;
}

/** The projection's documents after every event of the history, folded as a rebuild folds them. */
const fold = (projection: AnyProjection, history: readonly RecordedEvent[]): DocumentRecord<object>[] => [
  ...foldDocuments(projection, history).values(),
];

async function load(store: ReadStore, projection: AnyProjection, records: readonly DocumentRecord<object>[]): Promise<void> {
  for (let start = 0; start < records.length; start += 5_000) {
    await store.transaction((tx) => {
      for (const record of records.slice(start, start + 5_000)) tx.put(projection.collection, record.id, record.doc, record.position);
    });
  }
  // Indexed once loaded, as a rebuild's fresh collection is (PostgreSQL analyzes the table when an index is new).
  for (const fields of projection.indexes ?? []) await store.ensureIndex(projection.collection, fields);
}

interface Read {
  readonly label: string;
  readonly run: (store: ReadStore) => Promise<unknown>;
}

/** Each sort and order, first page and the page after it, and the raw baseline. */
async function reads(store: ReadStore): Promise<Read[]> {
  const collection = pipelineOpportunities.collection;
  const list: Read[] = [{ label: 'raw: 51 deals in id order', run: (s) => s.find(collection, { where: { tenantId: TENANT }, limit: 51 }) }];
  for (const sort of OPPORTUNITY_SORTS) {
    for (const order of ['asc', 'desc'] as const) {
      const filters: OpportunityListFilters = { sort, order, limit: 50 };
      const first = await loadOpportunityList(store, collection, TENANT, filters);
      list.push({ label: `sort=${sort}&order=${order}`, run: (s) => loadOpportunityList(s, collection, TENANT, filters) });
      if (first.nextCursor !== null) {
        const next = { ...filters, cursor: first.nextCursor };
        list.push({ label: `sort=${sort}&order=${order} (cursor)`, run: (s) => loadOpportunityList(s, collection, TENANT, next) });
      }
    }
  }
  return list;
}

const ms = (value: number) => value.toFixed(2).padStart(8);

async function main(): Promise<void> {
  const [small, large] = sizes() as [number, number];
  const calls = Number(process.env['BENCH_CALLS'] ?? 100);
  const stores = (process.env['BENCH_STORES'] ?? 'sqlite,postgres').split(',');
  const dir = process.env['BENCH_DIR'] ?? join(tmpdir(), 'crm-bench-list-sorts');
  const url = process.env['CRM_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const projection = pipelineOpportunities as unknown as AnyProjection;
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}, ${pipelineOpportunities.name} v${projection.version}\n`);
  mkdirSync(dir, { recursive: true });
  const schemas: string[] = [];
  const figures = new Map<string, Map<number, { p50: number; p99: number }>>();
  try {
    for (const events of [small, large]) {
      const history = recordedDemoHistory({ events, seed: 1 }, projection.eventTypes);
      const records = fold(projection, history);
      const deals = records.filter((record) => 'opportunityId' in record.doc).length;
      process.stdout.write(`${events.toLocaleString('en')} events: ${deals.toLocaleString('en')} deals\n`);
      for (const kind of stores) {
        let store: ReadStore;
        if (kind === 'sqlite') {
          const file = join(dir, `list-sorts-${events}.sqlite`);
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
          store = openSqliteReadStore({ file, synchronous: 'NORMAL' });
        } else {
          const schema = `bench_list_sorts_${process.pid}_${events}`;
          schemas.push(schema);
          store = await PostgresReadStore.open(url, { schema, poolSize: 2 });
        }
        try {
          const started = performance.now();
          await load(store, projection, records);
          process.stdout.write(`  ${kind}: stored and indexed in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
          for (const read of await reads(store)) {
            const key = `${kind} ${read.label}`;
            const figure = await timeCalls(calls, () => read.run(store));
            figures.set(key, (figures.get(key) ?? new Map()).set(events, figure));
          }
        } finally {
          await store.close();
        }
      }
    }
    const head = `${small.toLocaleString('en')} p50 / p99`;
    const tail = `${large.toLocaleString('en')} p50 / p99`;
    process.stdout.write(`\n${'read (ms)'.padEnd(52)} ${head.padStart(19)} ${tail.padStart(19)} ${'p50 ×'.padStart(7)}\n`);
    for (const [key, bySize] of figures) {
      const a = bySize.get(small);
      const b = bySize.get(large);
      if (a === undefined || b === undefined) continue;
      process.stdout.write(
        `${key.padEnd(52)} ${ms(a.p50)} /${ms(a.p99)} ${ms(b.p50)} /${ms(b.p99)} ${(b.p50 / a.p50).toFixed(2).padStart(6)}×\n`,
      );
    }
  } finally {
    if (schemas.length > 0) {
      const pool = new Pool({ connectionString: url, max: 1 });
      for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
