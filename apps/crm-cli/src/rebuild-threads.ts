import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { watchErasures } from '@crm/privacy/application';
import { ProjectionRunner, type ProjectionProgress, type RebuildResult } from '@crm/projections/runtime';
import { personalDataLayer } from '@crm/shared/personal-data';
import type { AnyProjection } from '@crm/shared/read-model';
import { UsageError } from './args';
import type { Stores } from './context';
import { progressCounts } from './projections';

/**
 * `crm-cli rebuild all` on threads: the projections are split into groups of about equal work, and each group
 * is rebuilt on a worker thread of its own, from its own scan of the log, with its own connections and its own
 * runner (its own lease owner): exactly what two `crm-cli rebuild <names…>` processes side by side would do, so
 * leases, fencing, the one-scan rebuild and the switch are the runtime's, unchanged. The workers run with a heap
 * limit (V8's old space), so the command's memory stays flat whatever the log's length.
 */

/**
 * Relative CPU of each projection's rebuild; others 1. `complaint-kpis` alone is a little under half of a rebuild of
 * all (docs/projection-runtime.md "Rebuild speed, next round"), the next four 1.5–2 times a light one.
 */
const REBUILD_WEIGHTS: Readonly<Record<string, number>> = {
  'complaint-kpis': 15,
  'pipeline-opportunities': 2,
  'complaint-audit': 2,
  'pipeline-leads': 2,
  'satisfaction-days': 1.5,
};

export interface ThreadOptions {
  readonly threads: number;
  /** V8 old-space limit of each worker, MiB. */
  readonly heapMb: number;
}

function integerOf(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** CRM_REBUILD_THREADS (default: 2, or 1 on a single core) and CRM_REBUILD_HEAP_MB (default 320 per thread). */
export function threadOptions(env: NodeJS.ProcessEnv): ThreadOptions {
  return {
    threads: integerOf(env, 'CRM_REBUILD_THREADS', Math.min(2, availableParallelism()), 1, 16),
    heapMb: integerOf(env, 'CRM_REBUILD_HEAP_MB', 320, 64, 65_536),
  };
}

/** Longest first, each into the lightest group so far; groups keep the registry's order inside. */
export function splitProjections(projections: readonly AnyProjection[], threads: number): AnyProjection[][] {
  const count = Math.max(1, Math.min(threads, projections.length));
  const groups = Array.from({ length: count }, () => ({ weight: 0, members: [] as number[] }));
  const weightOf = (p: AnyProjection) => REBUILD_WEIGHTS[p.name] ?? 1;
  const order = projections.map((p, index) => ({ index, weight: weightOf(p) })).sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { index, weight } of order) {
    const lightest = groups.reduce((low, group) => (group.weight < low.weight ? group : low));
    lightest.weight += weight;
    lightest.members.push(index);
  }
  return groups.map((group) => group.members.sort((a, b) => a - b).map((index) => projections[index] as AnyProjection));
}

export interface GroupProgress {
  readonly projection: string;
  readonly done: number;
  readonly total: number | undefined;
}

/**
 * How long a rebuild worker's lanes may hold its event loop before they let it turn (the runner's default is 50 ms,
 * for a process that also serves): here only the lease renewals (every third of CRM_LEASE_TTL_MS) and the stop
 * message wait for a turn, and every turn makes the lanes of a page fold one per turn.
 */
const REBUILD_LOOP_BUDGET_MS = 1000;

/** The event store's page cache serves appends; a scan reads each page once, so a rebuild keeps a small one (rebuild-worker). */
export const SCAN_PAGE_CACHE_KIB = 16_384;

/**
 * One group rebuilt in this thread, from one scan of the log, as `crm-cli rebuild all` always did: with leases
 * (next to a running API or projector, each new build is handed to the projection's owner, which switches to it;
 * with nobody serving, this runner owns the projections and switches itself), serving nothing meanwhile.
 */
export async function rebuildGroup(
  projections: readonly AnyProjection[],
  { config, events, readStore }: Stores,
  onProgress: (progress: GroupProgress) => void,
  interrupted: Promise<void>,
): Promise<{ readonly results: readonly RebuildResult[]; readonly interrupted: boolean }> {
  const store = await readStore();
  const report = (progress: ProjectionProgress) => {
    if (progress.phase !== 'rebuild' || progress.done) return;
    onProgress({ projection: progress.projection, ...progressCounts(progress) });
  };
  const runner = new ProjectionRunner({
    eventStore: events,
    readStore: store,
    projections,
    // Runner-wide too: a rebuild a crash interrupted resumes on start(), before rebuildMany() joins it.
    onProgress: report,
    ownership: { ttlMs: config.leaseTtlMs },
    retireGraceMs: config.rebuildGraceMs,
    serve: false,
    loopBudgetMs: REBUILD_LOOP_BUDGET_MS,
  });
  let stopped = false;
  void interrupted.then(() => {
    stopped = true;
    return runner.stop();
  });
  // An erasure made while this rebuilds (by an API beside it): the builds pause between two pages, the erased
  // records' keys leave this thread's cache and their documents in the builds are refolded, as in every runner.
  const erasures = await watchErasures({ eventStore: events, readStore: store, keys: personalDataLayer(events)?.keys, runner });
  try {
    await runner.start();
    const results = await runner.rebuildMany(
      projections.map((p) => p.name),
      { onProgress: report },
    );
    return { results, interrupted: stopped };
  } catch (error) {
    if (!stopped) throw error;
    return { results: [], interrupted: true };
  } finally {
    await erasures.stop();
    await runner.stop();
  }
}

/**
 * The progress line of several threads: the slowest thread's events, where a thread counts from 0 until it reports
 * (one that starts later is not ahead of the others), and never less than shown before (a build that reports late in
 * its thread, such as one resumed at start and then joined by the scan, does not pull the line back to 0%).
 */
export function slowestThread(threads: number): (thread: number, projection: string, done: number) => number {
  const reported = Array.from({ length: threads }, () => new Map<string, number>());
  let shown = 0;
  return (thread, projection, done) => {
    reported[thread]?.set(projection, done);
    const slowest = Math.min(...reported.map((builds) => (builds.size === 0 ? 0 : Math.min(...builds.values()))));
    shown = Math.max(shown, slowest);
    return shown;
  };
}

/** What a rebuild worker sends back. */
export type WorkerMessage =
  | ({ readonly kind: 'progress' } & GroupProgress)
  | { readonly kind: 'done'; readonly results: readonly RebuildResult[]; readonly interrupted: boolean }
  | { readonly kind: 'failed'; readonly message: string };

export interface WorkerInput {
  readonly names: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export interface RebuildWorker {
  /** Asks the worker to stop after the batch in hand (its checkpoints saved). */
  stop(): void;
  readonly done: Promise<{ readonly results: readonly RebuildResult[]; readonly interrupted: boolean }>;
}

/**
 * Each rebuild thread's PostgreSQL pools, unless CRM_POSTGRES_POOL_SIZE says otherwise: a scan reads one page at a
 * time and the builds write one batch at a time, so a few connections serve; ten per pool and thread made two
 * `crm-cli rebuild all` beside an API pass PostgreSQL's default of 100 connections ("too many clients").
 */
export const REBUILD_THREAD_POOL_SIZE = 3;

/** The environment a rebuild thread opens its stores with. */
export function workerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, CRM_POSTGRES_POOL_SIZE: env['CRM_POSTGRES_POOL_SIZE'] || String(REBUILD_THREAD_POOL_SIZE) };
}

/** A worker thread rebuilding `names` (see rebuild-worker.ts). */
export function startRebuildWorker(
  names: readonly string[],
  env: NodeJS.ProcessEnv,
  heapMb: number,
  onProgress: (progress: GroupProgress) => void,
): RebuildWorker {
  // Compiled, the worker is a .js file beside this one; from sources (tests), SWC compiles it on the fly.
  const compiled = __filename.endsWith('.js');
  const input: WorkerInput = { names, env: workerEnv(env) };
  const worker = new Worker(join(__dirname, `rebuild-worker.${compiled ? 'js' : 'ts'}`), {
    workerData: input,
    execArgv: compiled ? [] : ['-r', '@swc-node/register'],
    env: compiled ? { ...env } : { ...env, SWC_NODE_PROJECT: env['SWC_NODE_PROJECT'] ?? join(__dirname, '../../../tsconfig.json') },
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    stdout: false,
    stderr: false,
  });
  const done = new Promise<{ readonly results: readonly RebuildResult[]; readonly interrupted: boolean }>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') onProgress(message);
      else if (message.kind === 'done') {
        settled = true;
        resolve({ results: message.results, interrupted: message.interrupted });
      } else {
        settled = true;
        reject(new Error(message.message));
      }
    });
    worker.on('error', (error: Error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the rebuild worker of ${names.join(', ')} exited with code ${code}`));
    });
  });
  return { stop: () => worker.postMessage('stop'), done };
}
