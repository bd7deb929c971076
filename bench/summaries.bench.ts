// What the pipelines' summaries cost to read and to write: `npm run bench:summaries`. Folds the seeded demo history
// (@crm/demo-data, seed 1, BENCH_EVENTS events, default 100000) into pipeline-opportunities and pipeline-leads as the
// runner does (batches of 1 000), except the last BENCH_LIVE events of each (default 2 000), folded one per batch as
// live commands come. Prints the size of each summary document at the end, the bytes of summary documents a live
// batch rewrites, and the fold's time per live batch; and, for comparison, the size of the one summary document per
// tenant the projections kept before (every cell, with its month, keyed by its dimensions), which every live batch
// rewrote whole.
import { recordedDemoHistory } from '@crm/demo-data';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import {
  type AnyProjection,
  type DocumentRecord,
  foldEvents,
  isSummaryDoc,
  type SummaryCell,
  summaryCellKey,
} from '@crm/shared/read-model';
import { pipelineLeads, pipelineOpportunities } from '@crm/projections/pipeline';
import { percentile, size } from './bench-support';

const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
const bytes = (doc: unknown) => Buffer.byteLength(JSON.stringify(doc));

function fold(projection: AnyProjection, documents: Map<string, DocumentRecord<object>>, events: readonly RecordedEvent[]) {
  const result = foldEvents(projection, documents, events, compare);
  if (result.failure) throw result.failure.error;
  for (const [id, record] of result.changed) {
    if (record) documents.set(id, record);
    else documents.delete(id);
  }
  return result;
}

/** The single document of every cell the projections kept before this split. */
function legacySummary(projection: AnyProjection, documents: ReadonlyMap<string, DocumentRecord<object>>) {
  const cells: Record<string, SummaryCell> = {};
  for (const { doc } of documents.values()) {
    if (isSummaryDoc(doc)) continue;
    for (const cell of projection.summary?.cells(doc) ?? []) {
      const key = summaryCellKey(cell.dims);
      const values: Record<string, number> = { ...(cells[key]?.values ?? {}) };
      for (const [name, value] of Object.entries(cell.values)) values[name] = (values[name] ?? 0) + value;
      cells[key] = { dims: cell.dims, values };
    }
  }
  return { summary: true, cells };
}

function run(projection: AnyProjection, all: readonly RecordedEvent[], live: number): void {
  const events = all.filter((event) => projection.eventTypes.includes(event.type));
  const documents = new Map<string, DocumentRecord<object>>();
  const rebuildEnd = Math.max(0, events.length - live);
  for (let start = 0; start < rebuildEnd; start += 1_000)
    fold(projection, documents, events.slice(start, Math.min(start + 1_000, rebuildEnd)));
  const written: number[] = [];
  const times: number[] = [];
  for (const event of events.slice(rebuildEnd)) {
    const t0 = performance.now();
    const result = fold(projection, documents, [event]);
    times.push(performance.now() - t0);
    let batch = 0;
    for (const [, record] of result.changed) if (record && isSummaryDoc(record.doc)) batch += bytes(record.doc);
    written.push(batch);
  }
  written.sort((a, b) => a - b);
  times.sort((a, b) => a - b);
  const summaries = [...documents].filter(([, record]) => isSummaryDoc(record.doc));
  process.stdout.write(`\n${projection.name} (version ${projection.version}), ${events.length.toLocaleString('en')} of its events\n`);
  for (const [id, record] of summaries)
    process.stdout.write(`  ${id.padEnd(36)} ${(bytes(record.doc) / 1000).toFixed(1).padStart(9)} kB\n`);
  process.stdout.write(
    `  ${'one document, as before'.padEnd(36)} ${(bytes(legacySummary(projection, documents)) / 1000).toFixed(1).padStart(9)} kB\n`,
  );
  const mean = written.reduce((sum, n) => sum + n, 0) / Math.max(1, written.length);
  process.stdout.write(
    `  live batches (${written.length}, one event each): summary bytes rewritten p50 ${(percentile(written, 0.5) / 1000).toFixed(1)} kB, ` +
      `p99 ${(percentile(written, 0.99) / 1000).toFixed(1)} kB, mean ${(mean / 1000).toFixed(1)} kB; ` +
      `fold p50 ${percentile(times, 0.5).toFixed(2)} ms, p99 ${percentile(times, 0.99).toFixed(2)} ms\n`,
  );
}

function main(): void {
  const events = size('BENCH_EVENTS', 100_000);
  const live = size('BENCH_LIVE', 2_000);
  const types = [...new Set([...pipelineOpportunities.eventTypes, ...pipelineLeads.eventTypes])];
  const history = recordedDemoHistory({ events, seed: 1 }, types);
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}, ${events.toLocaleString('en')} seeded events\n`);
  for (const projection of [pipelineOpportunities, pipelineLeads] as unknown as AnyProjection[]) run(projection, history, live);
}

main();
