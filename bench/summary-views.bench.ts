// The all-time views' reads in process, without HTTP, on a SQLite read store: `npm run bench:summary-views`.
// Folds the seeded demo history (@crm/demo-data, seed 1, BENCH_EVENTS events, default 100000) into the pipeline and
// satisfaction projections (batches of 5 000, as a rebuild does), writes their documents to a fresh SQLite file under
// BENCH_DIR (default <tmp>/crm-bench-summary-views), then calls each view's read BENCH_CALLS times (default 200) and
// prints p50/p99. Uses only the views' exported reads, so the same script compiled against an older build measures it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordedDemoHistory } from '@crm/demo-data';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { type AnyProjection, timeRange } from '@crm/shared/read-model';
import { openSqliteReadStore, type SqliteReadStore } from '@crm/read-store/sqlite';
import {
  loadFunnel,
  loadFunnelAsOf,
  loadOpportunityList,
  loadPipelineSummary,
  loadPipelineSummaryAsOf,
  pipelineLeads,
  pipelineOpportunities,
} from '@crm/projections/pipeline';
import {
  readSatisfactionAsOf,
  readSatisfactionByDay,
  satisfactionDaysProjection,
  satisfactionResponsesProjection,
} from '@crm/projections/satisfaction';
import { foldDocuments, size, timeCalls } from './bench-support';

async function build(store: SqliteReadStore, projection: AnyProjection, history: readonly RecordedEvent[]): Promise<number> {
  const events = history.filter((event) => projection.eventTypes.includes(event.type));
  const documents = foldDocuments(projection, history);
  for (const fields of projection.indexes ?? []) await store.ensureIndex(projection.collection, fields);
  const records = [...documents.values()];
  for (let start = 0; start < records.length; start += 10_000) {
    await store.transaction((tx) => {
      for (const record of records.slice(start, start + 10_000)) tx.put(projection.collection, record.id, record.doc, record.position);
    });
  }
  return events.length;
}

async function buildAll(store: SqliteReadStore, projections: readonly AnyProjection[], history: readonly RecordedEvent[]): Promise<void> {
  for (const projection of projections) {
    const started = performance.now();
    const folded = await build(store, projection, history);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `  ${projection.name} (version ${projection.version}): ${folded.toLocaleString('en')} events folded and stored in ${seconds} s\n`,
    );
  }
}

async function time(label: string, calls: number, read: () => Promise<unknown>): Promise<void> {
  const { p50, p99 } = await timeCalls(calls, read);
  process.stdout.write(`  ${label.padEnd(52)} ${p50.toFixed(2).padStart(8)} ${p99.toFixed(2).padStart(8)}\n`);
}

async function main(): Promise<void> {
  const events = size('BENCH_EVENTS', 100_000);
  const calls = size('BENCH_CALLS', 200);
  const dir = process.env['BENCH_DIR'] ?? join(tmpdir(), 'crm-bench-summary-views');
  const projections = [
    pipelineOpportunities,
    pipelineLeads,
    satisfactionResponsesProjection,
    satisfactionDaysProjection,
  ] as unknown as AnyProjection[];
  const types = [...new Set(projections.flatMap((projection) => projection.eventTypes))];
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `views-${events}.sqlite`);
  // The reads are timed in a process of their own (BENCH_READS_FILE), as a server would make them: the one that folded
  // the history holds its garbage, and timed its own collections (p99s of 150–230 ms at 1M against 5–10 ms).
  const readsFile = process.env['BENCH_READS_FILE'];
  if (readsFile === undefined) {
    process.stdout.write(`node ${process.version}, ${new Date().toISOString()}, ${events.toLocaleString('en')} seeded events\n`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    const built = openSqliteReadStore({ file, synchronous: 'NORMAL' });
    try {
      await buildAll(built, projections, recordedDemoHistory({ events, seed: 1 }, types));
    } finally {
      await built.close();
    }
    execFileSync(process.execPath, [__filename], { env: { ...process.env, BENCH_READS_FILE: file }, stdio: 'inherit' });
    return;
  }
  const store = openSqliteReadStore({ file: readsFile, synchronous: 'NORMAL' });
  try {
    const collections = { leads: pipelineLeads.collection, opportunities: pipelineOpportunities.collection };
    const satisfaction = { days: satisfactionDaysProjection.collection, answers: satisfactionResponsesProjection.collection };
    process.stdout.write(`  ${'read (ms)'.padEnd(52)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}\n`);
    await time('pipeline', calls, () => loadPipelineSummary(store, collections.opportunities, 'default', {}));
    await time('pipeline from=2025-01-01', calls, () =>
      loadPipelineSummary(store, collections.opportunities, 'default', { from: '2025-01-01' }),
    );
    await time('opportunities limit=50', calls, () => loadOpportunityList(store, collections.opportunities, 'default', { limit: 50 }));
    await time('opportunities limit=50 sort=amount desc', calls, () =>
      loadOpportunityList(store, collections.opportunities, 'default', { limit: 50, sort: 'amount', order: 'desc' }),
    );
    await time('funnel', calls, () => loadFunnel(store, collections, 'default', {}));
    await time('funnel by=campaign', calls, () => loadFunnel(store, collections, 'default', { by: 'campaign' }));
    await time('satisfaction', calls, () => readSatisfactionByDay(store, satisfaction, { tenantId: 'default', bucket: 'month' }));
    await time('satisfaction jalali 2025-01-01..2025-12-31', calls, () =>
      readSatisfactionByDay(store, satisfaction, { tenantId: 'default', bucket: 'jalali', at: timeRange('2025-01-01', '2025-12-31') }),
    );
    // As of a past day, read afresh on every call (the API keeps answers; these are what a first request computes).
    const day = '2025-06-30';
    await time(`pipeline asOf=${day}`, calls, () => loadPipelineSummaryAsOf(store, collections.opportunities, 'default', {}, day));
    await time(`funnel by=campaign asOf=${day}`, calls, () =>
      loadFunnelAsOf(store, { opportunities: collections.opportunities }, 'default', { by: 'campaign' }, day),
    );
    await time(`satisfaction asOf=${day}`, calls, () =>
      readSatisfactionAsOf(store, satisfaction, { tenantId: 'default', bucket: 'month', day }),
    );
    await time(`satisfaction asOf=${day} 2025-01-15..2025-06-20`, calls, () =>
      readSatisfactionAsOf(store, satisfaction, { tenantId: 'default', bucket: 'month', day, at: timeRange('2025-01-15', '2025-06-20') }),
    );
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
