import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordedDemoHistory } from '@crm/demo-data';
import {
  complaintKpis,
  complaintKpisProjection,
  isComplaintKpiRow,
  readComplaintKpis,
  readComplaintKpisFromTree,
  readComplaintKpisOfPeriod,
  type ComplaintKpiRow,
} from '@crm/projections/complaint-audit';
import { MongoReadStore } from '@crm/read-store/mongodb';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { foldEvents, type AnyProjection, type DocumentRecord, type ReadStore } from '@crm/shared/read-model';
import { describeWhenConfigured } from '@crm/shared/testing';

/**
 * The complaint KPIs read from the month tree through each read store, with the indexes the projection declares,
 * against the complaint-by-complaint fold of the same rows (the definition in docs/metrics.md): the queries the tree
 * read makes (ranges on markers, spellings and duration slots) mean the same on every adapter.
 */
const COLLECTION = 'complaint_kpis_check';
const instants = ['2025-02-01T00:00:00.000Z', '2025-06-30T20:29:59.999Z', '2025-08-14T09:07:30.000Z', '2026-01-01T00:00:00.000Z'];

let documents: DocumentRecord<object>[];
let rows: ComplaintKpiRow[];
beforeAll(() => {
  const events = recordedDemoHistory({ events: 12_000, seed: 1 }, complaintKpisProjection.eventTypes);
  const folded = new Map<string, DocumentRecord<object>>();
  for (let start = 0; start < events.length; start += 500) {
    const result = foldEvents(
      complaintKpisProjection as unknown as AnyProjection,
      folded,
      events.slice(start, start + 500),
      (a, b) => Number(a) - Number(b),
    );
    if (result.failure) throw result.failure.error;
    for (const [id, record] of result.changed) if (record) folded.set(id, record);
  }
  documents = [...folded.values()];
  rows = documents.flatMap((record) => (isComplaintKpiRow(record.doc) ? [record.doc] : []));
  rows.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
});

async function load(store: ReadStore): Promise<void> {
  await store.transaction((tx) => {
    for (const record of documents) tx.put(COLLECTION, record.id, record.doc, record.position);
  });
  for (const fields of complaintKpisProjection.indexes ?? []) await store.ensureIndex(COLLECTION, fields);
}

function checks(open: () => Promise<{ store: ReadStore; dispose: () => Promise<void> }>): void {
  let opened: { store: ReadStore; dispose: () => Promise<void> };
  beforeAll(async () => {
    opened = await open();
    await load(opened.store);
  }, 60_000);
  afterAll(async () => opened?.dispose());

  it.each(instants)('as of %s, the tree read equals the fold, medians and categories included', async (asOf) => {
    const expected = complaintKpis(rows, asOf);
    expect(expected.complaints).toBeGreaterThan(20);
    expect(await readComplaintKpisFromTree(opened.store, COLLECTION, 'default', asOf)).toEqual(expected);
  });

  it('reads a period complaint by complaint, stopping at asOf', async () => {
    const asOf = '2025-06-30T20:29:59.999Z';
    const inPeriod = rows.filter((row) => row.receivedAt >= '2025-03-01T00:00:00.000Z');
    const reply = await readComplaintKpis(opened.store, COLLECTION, {
      tenantId: 'default',
      asOf,
      receivedAt: { gte: '2025-03-01T00:00:00.000Z' },
    });
    expect(reply).toEqual(complaintKpis(inPeriod, asOf));
  });

  it.each(instants.slice(1))('as of %s, a period read from the receipt months’ trees equals the fold of its rows', async (asOf) => {
    const period = { gte: '2025-01-20T00:00:00.000Z', lt: '2025-12-10T00:00:00.000Z' };
    const inPeriod = rows.filter((row) => row.receivedAt >= period.gte && row.receivedAt < period.lt);
    const reply = await readComplaintKpisOfPeriod(opened.store, COLLECTION, 'default', period, asOf);
    expect(reply).toBeDefined();
    expect(reply).toEqual(complaintKpis(inPeriod, asOf));
  });
}

describe('complaint KPIs from the month tree on SQLite', () => {
  checks(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-kpis-'));
    const store = openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    return {
      store,
      dispose: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describe('complaint KPIs from the month tree on PostgreSQL', () => {
  checks(async () => {
    const schema = `kpis_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const store = await PostgresReadStore.open(url, { schema, poolSize: 4 });
    return {
      store,
      dispose: async () => {
        await store.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await store.close();
      },
    };
  });
});

describeWhenConfigured('complaint KPIs from the month tree on MongoDB', 'MONGODB_URL', (url) => {
  checks(async () => {
    const store = await MongoReadStore.connect(url, { database: `crm_kpis_${randomUUID().replace(/-/g, '').slice(0, 16)}` });
    return {
      store,
      dispose: async () => {
        await store.db.dropDatabase();
        await store.close();
      },
    };
  });
});
