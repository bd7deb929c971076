import { derivedId, newId } from '@crm/shared/kernel';
import { ANONYMOUS, DEFAULT_TENANT, type EventToAppend, type RecordedEvent } from '@crm/shared/event-sourcing';
import { type AnyProjection, type DocumentRecord, foldEvents } from '@crm/shared/read-model';

/** Sizes from the environment so a quick run and a full run use the same script. */
export function size(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** The nearest-rank percentile `p` (0–1) of ascending `sorted` values; NaN when there are none. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;

export interface Figure {
  readonly label: string;
  readonly count: number;
  readonly seconds: number;
}

export async function measure(label: string, count: number, run: () => Promise<void> | void): Promise<Figure> {
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { label, count, seconds };
}

/**
 * Runs two contenders in alternating rounds and sums their times, so drift in
 * the disk's fsync latency during the run hits both alike.
 */
export async function measureAlternating(
  rounds: number,
  perRound: number,
  first: (round: number) => Promise<void> | void,
  second: (round: number) => Promise<void> | void,
): Promise<[Figure, Figure]> {
  let a = 0;
  let b = 0;
  for (let round = 0; round < rounds; round += 1) {
    a += (await measure('a', perRound, () => first(round))).seconds;
    b += (await measure('b', perRound, () => second(round))).seconds;
  }
  return [
    { label: 'a', count: rounds * perRound, seconds: a },
    { label: 'b', count: rounds * perRound, seconds: b },
  ];
}

export const rate = (figure: Figure): number => figure.count / figure.seconds;

export function printComparison(title: string, rows: readonly { name: string; store: Figure; raw?: Figure }[]): void {
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(`${'measure'.padEnd(52)}${'store/s'.padStart(12)}${'raw/s'.padStart(12)}${'ratio'.padStart(8)}\n`);
  for (const row of rows) {
    const store = rate(row.store);
    const raw = row.raw ? rate(row.raw) : undefined;
    const ratio = raw ? (store / raw).toFixed(2) : '';
    process.stdout.write(
      `${row.name.padEnd(52)}${Math.round(store).toLocaleString('en').padStart(12)}${(raw ? Math.round(raw).toLocaleString('en') : '—').padStart(12)}${ratio.padStart(8)}\n`,
    );
  }
}

let sequence = 0;

/** A realistic event: a lead captured with Persian text, the size of what the API writes. */
export function benchEvent(): EventToAppend {
  sequence += 1;
  const commandId = newId();
  return {
    type: sequence % 3 === 0 ? 'LeadAssigned' : 'LeadCaptured',
    data: {
      leadId: commandId,
      fullName: 'مریم احمدی',
      company: 'شرکت فولاد مبارکه',
      phone: '+989121234567',
      email: `lead${sequence}@example.ir`,
      source: 'web',
      n: sequence,
    },
    metadata: {
      eventId: derivedId(commandId, 0),
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: ANONYMOUS,
      tenantId: DEFAULT_TENANT,
      occurredAt: new Date(1_750_000_000_000 + sequence * 1000).toISOString(),
      schemaVersion: 1,
    },
  };
}

export const streamFor = (i: number): string => `lead-${derivedId('bench', i)}`;

/** $all positions of the demo histories as the benches number them (decimal strings). */
const comparePositions = (a: string, b: string) => Math.sign(Number(a) - Number(b));

/**
 * A projection's documents after every event of `events` it handles, folded in batches as a rebuild folds them (the
 * runtime's own `foldEvents`): what a bench loads into a read store before timing its views.
 */
export function foldDocuments(
  projection: AnyProjection,
  events: readonly RecordedEvent[],
  batch = 5_000,
): Map<string, DocumentRecord<object>> {
  const handled = events.filter((event) => projection.eventTypes.includes(event.type));
  const documents = new Map<string, DocumentRecord<object>>();
  for (let start = 0; start < handled.length; start += batch) {
    const folded = foldEvents(projection, documents, handled.slice(start, start + batch), comparePositions);
    if (folded.failure) throw folded.failure.error;
    for (const [id, record] of folded.changed) {
      if (record) documents.set(id, record);
      else documents.delete(id);
    }
  }
  return documents;
}

/** `calls` awaited calls of `read`, one after another (after `warmUp` untimed ones): their p50 and p99 in ms. */
export async function timeCalls(calls: number, read: () => Promise<unknown>, warmUp = 1): Promise<{ p50: number; p99: number }> {
  for (let call = 0; call < warmUp; call += 1) await read();
  const durations: number[] = [];
  for (let call = 0; call < calls; call += 1) {
    const t0 = performance.now();
    await read();
    durations.push(performance.now() - t0);
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 0.5), p99: percentile(durations, 0.99) };
}
