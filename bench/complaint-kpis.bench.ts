// The complaint KPIs in process, without HTTP: `npm run bench:complaint-kpis`. For each size in BENCH_SIZES
// (default 100000), folds the seeded demo history's complaint events (@crm/demo-data, seed 1) batch by batch as a
// rebuild does, once keeping only the per-complaint rows and once as the complaint-kpis projection does (rows,
// markers, category spellings and the prefix-sum tree), loads the documents into a SQLite read store file, and
// times the view's read both ways — from the tree and complaint by complaint — at two asOf instants: a fixed
// "today" inside the history and the end of the history; then received periods (`from`/`to`: a quarter, a year, three
// years, the whole history) both ways, each answer checked equal. BENCH_CALLS (default 30) calls each; p50 / p99 in ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordedDemoHistory } from '@crm/demo-data';
import {
  complaintDocumentId,
  complaintKpisProjection,
  isComplaintKpiRow,
  readComplaintKpis,
  readComplaintKpisRowByRow,
} from '@crm/projections/complaint-audit';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { isSummaryDoc, timeRange, type AnyProjection, type DocumentRecord } from '@crm/shared/read-model';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { foldDocuments, size, timeCalls } from './bench-support';

const BATCH = 1000;

/** The same rows without anything beside them: what the view read before the tree. */
const rowsOnly = {
  ...complaintKpisProjection,
  summary: undefined,
  documentId: (event: RecordedEvent) => complaintDocumentId(event.metadata.tenantId, (event.data as { complaintId: string }).complaintId),
} as unknown as AnyProjection;

function fold(projection: AnyProjection, events: readonly RecordedEvent[]): { ms: number; documents: Map<string, DocumentRecord<object>> } {
  const started = performance.now();
  const documents = foldDocuments(projection, events, BATCH);
  return { ms: performance.now() - started, documents };
}

/** Timed without a warm-up call, as before. */
const timed = (calls: number, run: () => Promise<unknown>) => timeCalls(calls, run, 0);

async function main(): Promise<void> {
  const sizes = (process.env['BENCH_SIZES'] ?? '100000').split(',').map(Number);
  const calls = size('BENCH_CALLS', 30);
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}, sizes ${sizes.join(', ')}, ${calls} calls\n`);
  for (const events of sizes) {
    const history = recordedDemoHistory({ events, seed: 1 }, complaintKpisProjection.eventTypes);
    const rows = fold(rowsOnly, history);
    const tree = fold(complaintKpisProjection as unknown as AnyProjection, history);
    const docs = [...tree.documents.values()];
    const complaints = docs.filter((record) => isComplaintKpiRow(record.doc)).length;
    const nodes = docs.filter((record) => isSummaryDoc(record.doc));
    const nodeBytes = nodes.map((record) => JSON.stringify(record.doc).length);
    const last = history.at(-1)?.metadata.occurredAt ?? new Date().toISOString();
    process.stdout.write(
      `\n${events.toLocaleString('en')} events: ${history.length.toLocaleString('en')} complaint events, ${complaints.toLocaleString('en')} complaints, ` +
        `history to ${last.slice(0, 10)}; ${docs.length.toLocaleString('en')} documents, ${nodes.length} tree nodes ` +
        `(largest ${Math.max(...nodeBytes).toLocaleString('en')} B of JSON)\n` +
        `  fold, batches of ${BATCH}: rows only ${(rows.ms / 1000).toFixed(1)} s, with markers and tree ${(tree.ms / 1000).toFixed(1)} s ` +
        `(${(tree.ms / rows.ms).toFixed(2)}×)\n`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'crm-bench-kpis-'));
    const store = openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    try {
      const collection = 'complaint_kpis';
      await store.transaction((tx) => {
        for (const record of docs) tx.put(collection, record.id, record.doc, record.position);
      });
      for (const fields of complaintKpisProjection.indexes ?? []) await store.ensureIndex(collection, fields);
      for (const asOf of ['2026-12-03T10:00:00.000Z', new Date(Date.parse(last) + 86_400_000).toISOString()]) {
        const query = { tenantId: 'default', asOf };
        const fromTree = await readComplaintKpis(store, collection, query);
        const byRows = await readComplaintKpisRowByRow(store, collection, query);
        if (JSON.stringify(fromTree) !== JSON.stringify(byRows)) throw new Error(`the two reads differ at ${asOf}`);
        const a = await timed(calls, () => readComplaintKpis(store, collection, query));
        const b = await timed(calls, () => readComplaintKpisRowByRow(store, collection, query));
        process.stdout.write(
          `  asOf ${asOf} (${fromTree.complaints.toLocaleString('en')} complaints): tree p50 ${a.p50.toFixed(1)} / p99 ${a.p99.toFixed(1)} ms; ` +
            `complaint by complaint p50 ${b.p50.toFixed(1)} / p99 ${b.p99.toFixed(1)} ms\n`,
        );
      }
      const end = new Date(Date.parse(last) + 86_400_000).toISOString();
      const periods: readonly [string, string, string][] = [
        ['2025-01-01', '2025-03-31', '2026-12-03T10:00:00.000Z'],
        ['2025-01-01', '2025-12-31', '2026-12-03T10:00:00.000Z'],
        ['2025-02-15', '2028-02-14', end],
        ['2025-01-01', `${end.slice(0, 4)}-12-31`, end],
      ];
      for (const [from, to, asOf] of periods) {
        const receivedAt = timeRange(from, to);
        if (receivedAt === undefined) continue;
        const query = { tenantId: 'default', asOf, receivedAt };
        const fromTrees = await readComplaintKpis(store, collection, query);
        const byRows = await readComplaintKpisRowByRow(store, collection, query);
        if (JSON.stringify(fromTrees) !== JSON.stringify(byRows)) throw new Error(`the two reads differ for ${from} … ${to} at ${asOf}`);
        const a = await timed(calls, () => readComplaintKpis(store, collection, query));
        const b = await timed(Math.min(calls, 5), () => readComplaintKpisRowByRow(store, collection, query));
        process.stdout.write(
          `  from ${from} to ${to}, asOf ${asOf} (${fromTrees.complaints.toLocaleString('en')} complaints): ` +
            `trees p50 ${a.p50.toFixed(1)} / p99 ${a.p99.toFixed(1)} ms; complaint by complaint (5 calls) p50 ${b.p50.toFixed(1)} / p99 ${b.p99.toFixed(1)} ms\n`,
        );
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
