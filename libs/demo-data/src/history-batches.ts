import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { demoHistory, type DemoAppend, type DemoHistoryOptions } from './demo-history';

export interface HistoryBatchOptions {
  /** About this many events a batch (whole commands: a batch may hold a few more); default 4000. */
  readonly batchEvents?: number;
  /**
   * Decide the history on a worker thread, so deciding the next batch overlaps writing this one (the
   * same history either way: the generator is pure). Batches the worker may run ahead by: `ahead`.
   */
  readonly inWorker?: boolean;
  /** Batches a worker decides ahead of the writer; default 4. */
  readonly ahead?: number;
}

/** `demoHistory(options)` cut into batches of whole commands, in order. */
export function* historyBatches(options: DemoHistoryOptions, batchEvents = 4000): Generator<DemoAppend[], void, undefined> {
  const size = Math.max(1, batchEvents);
  let batch: DemoAppend[] = [];
  let events = 0;
  for (const append of demoHistory(options)) {
    batch.push(append);
    events += append.events.length;
    if (events >= size) {
      yield batch;
      batch = [];
      events = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/** What the worker posts: a batch, the end, or why it stopped. */
export type WorkerMessage = { readonly batch: DemoAppend[] } | { readonly done: true } | { readonly error: string };

export interface WorkerInput {
  readonly options: DemoHistoryOptions;
  readonly batchEvents: number;
  readonly ahead: number;
  /** One Int32: batches posted and not yet taken by the writer. */
  readonly outstanding: SharedArrayBuffer;
}

/**
 * The batches of `historyBatches`, decided on the calling thread or on a worker. Stopping early (a
 * `return` from the loop, a write that throws) ends the worker.
 */
export async function* demoHistoryBatches(
  options: DemoHistoryOptions,
  batchOptions: HistoryBatchOptions = {},
): AsyncGenerator<DemoAppend[], void, undefined> {
  const batchEvents = Math.max(1, batchOptions.batchEvents ?? 4000);
  if (!batchOptions.inWorker) {
    yield* historyBatches(options, batchEvents);
    return;
  }
  const outstanding = new SharedArrayBuffer(4);
  const counter = new Int32Array(outstanding);
  const input: WorkerInput = { options, batchEvents, ahead: Math.max(1, batchOptions.ahead ?? 4), outstanding };
  // Compiled, the worker is a .js file beside this one; from sources (tests), SWC compiles it on the fly.
  const compiled = __filename.endsWith('.js');
  const worker = new Worker(`${__dirname}/history-worker.${compiled ? 'js' : 'ts'}`, {
    workerData: input,
    execArgv: compiled ? [] : ['-r', '@swc-node/register'],
    // From sources, the workspace's tsconfig (its path aliases), whatever the working directory (Nx runs tests from the project's).
    ...(compiled ? {} : { env: { ...process.env, SWC_NODE_PROJECT: process.env['SWC_NODE_PROJECT'] ?? join(__dirname, '../../../tsconfig.json') } }),
  });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const push = (message: WorkerMessage) => {
    queue.push(message);
    wake?.();
  };
  worker.on('message', push);
  worker.on('error', (error: Error) => {
    failure ??= error;
    wake?.();
  });
  worker.on('exit', (code) => {
    if (code !== 0) failure ??= new Error(`the demo history worker exited with code ${code}`);
    wake?.();
  });
  try {
    for (;;) {
      if (queue.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const message = queue.shift();
      if (!message) {
        if (failure) throw failure;
        continue;
      }
      if ('error' in message) throw new Error(`demo history worker: ${message.error}`);
      if ('done' in message) return;
      Atomics.sub(counter, 0, 1);
      Atomics.notify(counter, 0);
      yield message.batch;
    }
  } finally {
    await worker.terminate();
  }
}
