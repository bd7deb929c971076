import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { ServingMirror, type BatchReport, type ProjectionStatus } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import type { AppConfig } from '@crm/platform';
import type { FromReadSide, ReadSideWorkerData, ToReadSide } from './read-side.protocol';

export interface ReadSideHostOptions {
  readonly config: AppConfig;
  /** The API's own event store: positions are compared here, and its appends wake the worker. */
  readonly eventStore: EventStore;
  readonly onBatch?: (report: BatchReport) => void;
  readonly log?: (level: 'log' | 'warn' | 'error', message: string) => void;
  /** How long stop() waits for the worker to finish its batches before ending it; default 10 s. */
  readonly stopTimeoutMs?: number;
}

const STATUS_TIMEOUT_MS = 5000;

/** The worker's entry: compiled JavaScript in dist/, TypeScript through SWC when run from source (tests). */
function startWorker(data: ReadSideWorkerData): Worker {
  const entry = join(__dirname, `read-side.worker${__filename.endsWith('.ts') ? '.ts' : '.js'}`);
  if (entry.endsWith('.js')) return new Worker(entry, { workerData: data });
  // The workspace's tsconfig (its path aliases), whatever the working directory (Nx runs tests from the project's).
  const project = JSON.stringify(join(__dirname, '../../../../tsconfig.json'));
  const source = `process.env.SWC_NODE_PROJECT ??= ${project}; require('@swc-node/register'); require(${JSON.stringify(entry)});`;
  return new Worker(source, { eval: true, workerData: data });
}

/**
 * The API thread's side of the read-side worker (CRM_PROJECTIONS=run): the
 * projections run there, on their own connections; here, a mirror of their
 * collections and checkpoints answers queries and read-your-writes waits
 * without a store call, and status() asks the worker.
 */
export class ReadSideHost {
  private worker: Worker | undefined;
  private readonly mirror: ServingMirror;
  private readonly calls = new Map<number, { resolve: (s: readonly ProjectionStatus[]) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private unsubscribe: (() => void) | undefined;
  private wakePending = false;
  private stopped: Promise<void> | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: ReadSideHostOptions) {
    this.mirror = new ServingMirror((a, b) => options.eventStore.comparePositions(a, b));
  }

  async start(): Promise<void> {
    if (this.worker) return;
    const worker = startWorker({ config: this.options.config });
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the read-side worker exited (code ${code}) before it started`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.on('message', (message: FromReadSide) => {
        if (message.kind === 'started') {
          worker.off('error', reject);
          worker.off('exit', onExit);
          resolve();
        } else if (message.kind === 'failed') reject(new Error(`the read-side worker could not start: ${message.message}`));
        this.receive(message);
      });
    });
    worker.on('error', (error) => this.options.log?.('error', `read-side worker failed: ${error.message}`));
    worker.on('exit', (code) => {
      this.mirror.close();
      for (const call of this.calls.values()) call.reject(new Error('the read-side worker has stopped'));
      this.calls.clear();
      if (!this.stopped) this.options.log?.('error', `read-side worker exited (code ${code}): projections stopped`);
    });
    const appends = this.options.eventStore as { onAppended?: (listener: () => void) => () => void };
    this.unsubscribe = appends.onAppended?.(() => this.wake());
  }

  names(): string[] {
    return this.mirror.names();
  }

  collectionOf(name: string): string {
    return this.mirror.collectionOf(name);
  }

  waitFor(target: string, position: string, timeoutMs: number): Promise<void> {
    return this.mirror.waitFor(target, position, timeoutMs);
  }

  status(): Promise<readonly ProjectionStatus[]> {
    const worker = this.worker;
    if (!worker || this.stopped) return Promise.reject(new Error('the read-side worker is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new Error(`the read-side worker did not answer within ${STATUS_TIMEOUT_MS} ms`));
      }, STATUS_TIMEOUT_MS);
      const done =
        <T>(settle: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          this.calls.delete(id);
          settle(value);
        };
      this.calls.set(id, { resolve: done(resolve), reject: done(reject) });
      this.post({ kind: 'status', id });
    });
  }

  /** The worker finishes the batches in hand and saves checkpoints, then closes its stores. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.unsubscribe?.();
      const worker = this.worker;
      if (!worker) return;
      this.post({ kind: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.options.stopTimeoutMs ?? 10_000)));
      const timedOutFirst = await Promise.race([this.exited.then(() => false), timedOut]);
      clearTimeout(timer);
      if (timedOutFirst) await worker.terminate();
      this.mirror.close();
    })();
    return this.stopped;
  }

  private wake(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      this.post({ kind: 'wake' });
    });
  }

  private post(message: ToReadSide): void {
    try {
      this.worker?.postMessage(message);
    } catch {
      // the worker is gone; its exit handler says so
    }
  }

  private receive(message: FromReadSide): void {
    switch (message.kind) {
      case 'started':
      case 'snapshot':
        this.mirror.update(message.snapshot);
        return;
      case 'batches':
        for (const report of message.reports) this.options.onBatch?.(report);
        return;
      case 'status': {
        const call = this.calls.get(message.id);
        if (message.status) call?.resolve(message.status);
        else call?.reject(new Error(message.error ?? 'status unavailable'));
        return;
      }
      case 'log':
        this.options.log?.(message.level, message.message);
        return;
      case 'failed':
      case 'stopped':
        return;
    }
  }
}
