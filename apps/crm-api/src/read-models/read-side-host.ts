import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { defaultOwner, ServingMirror, type BatchReport, type ProjectionStatus } from '@crm/projections/runtime';
import { appendNotifications, type EventStore } from '@crm/shared/event-sourcing';
import type { AppConfig } from '@crm/platform';
import type { ErasureBarrier, PurgeRequest } from '@crm/privacy/application';
import type { FromReadSide, ReadSideWorkerData, ToReadSide } from './read-side.protocol';
import { WakeRelay } from './wake-relay';

export interface ReadSideHostOptions {
  readonly config: AppConfig;
  /** The API's own event store: positions are compared here, and its appends wake the worker. */
  readonly eventStore: EventStore;
  readonly onBatch?: (report: BatchReport) => void;
  readonly log?: (level: 'log' | 'warn' | 'error', message: string) => void;
  /** How long stop() waits for the worker to finish its batches before ending it; default 10 s. */
  readonly stopTimeoutMs?: number;
  /** Pause before restarting a worker that died, by restarts in a row; default 250 ms doubling up to 30 s. */
  readonly restartDelayMs?: (restarts: number) => number;
}

function restartDelayMs(restarts: number, custom?: (restarts: number) => number): number {
  return custom ? custom(restarts) : Math.min(30_000, 250 * 2 ** (restarts - 1));
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
export class ReadSideHost implements ErasureBarrier {
  private worker: Worker | undefined;
  /** True from the worker's `started` until it exits. */
  private up = false;
  private readonly mirror: ServingMirror;
  private readonly calls = new Map<number, { resolve: (s: readonly ProjectionStatus[]) => void; reject: (e: Error) => void }>();
  private readonly purges = new Map<
    number,
    { readonly request: PurgeRequest; resolve: (rewritten: number) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private unsubscribe: (() => void) | undefined;
  /** The API thread's commits, told to the worker as they come or batched while it applies (WakeRelay). */
  private readonly wakes = new WakeRelay(
    (appended) => this.post({ kind: 'wake', appended }),
    (position, timeoutMs) => this.mirror.waitFor('all', position, timeoutMs),
  );
  private stopped: Promise<void> | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Restarts in a row without a worker that started; the pause before the next grows with it. */
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private everStarted = false;
  /** One lease owner for every worker this host starts: a restarted worker renews the leases of the one that died at once. */
  private readonly owner = defaultOwner();

  constructor(private readonly options: ReadSideHostOptions) {
    this.mirror = new ServingMirror((a, b) => options.eventStore.comparePositions(a, b));
  }

  /** Starts the worker; rejects if it cannot start. A worker that dies later is restarted with growing pauses. */
  async start(): Promise<void> {
    if (this.worker || this.stopped) return;
    await this.spawn();
    this.unsubscribe = appendNotifications(this.options.eventStore)?.onAppended((appended) => this.wakes.told(appended));
  }

  /** Whether the worker runs now (false while it is restarted). */
  get running(): boolean {
    return this.up;
  }

  /** Ends the worker abruptly, as a crash would: for tests of the restart. */
  async crashWorkerForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  private spawn(): Promise<void> {
    const worker = startWorker({ config: this.options.config, owner: this.owner });
    this.worker = worker;
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    this.starting = new Promise<void>((resolve, reject) => {
      const onExit = (code: number) => reject(new Error(`the read-side worker exited (code ${code}) before it started`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.on('message', (message: FromReadSide) => {
        if (message.kind === 'started') {
          worker.off('error', reject);
          worker.off('exit', onExit);
          this.up = true;
          this.everStarted = true;
          this.restarts = 0;
          for (const [id, purge] of this.purges) this.post({ kind: 'purge', id, request: purge.request });
          resolve();
        } else if (message.kind === 'failed') reject(new Error(`the read-side worker could not start: ${message.message}`));
        this.receive(message);
      });
    }).finally(() => (this.starting = undefined));
    worker.on('error', (error) => this.options.log?.('error', `read-side worker failed: ${error.message}`));
    worker.on('exit', (code) => this.onExit(worker, code));
    return this.starting;
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.up = false;
    this.worker = undefined;
    for (const call of this.calls.values()) call.reject(new Error('the read-side worker has stopped'));
    this.calls.clear();
    if (this.stopped || !this.everStarted) {
      // Nothing runs the projections here any more: a purge waiting on them has nothing left to wait for.
      for (const purge of this.purges.values()) purge.resolve(0);
      this.purges.clear();
      this.mirror.close();
      return;
    }
    // A purge the dead worker did not finish is asked of the next one once it has started (see spawn).
    this.restarts += 1;
    const delay = restartDelayMs(this.restarts, this.options.restartDelayMs);
    this.options.log?.('error', `read-side worker exited (code ${code}): projections stopped; restarting it in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.spawn().then(
        () => this.options.log?.('log', 'read-side worker restarted'),
        (error: unknown) => {
          this.options.log?.('error', `read-side worker did not restart: ${error instanceof Error ? error.message : String(error)}`);
          // One that failed without exiting is ended: its exit schedules the next attempt, a longer pause away.
          if (!this.up) void this.worker?.terminate();
        },
      );
    }, delay);
    this.restartTimer.unref();
  }

  /**
   * The erasure barrier (see ErasureBarrier): the worker stops its lanes after the batches in hand,
   * forgets the keys, purges its collections and goes on; resolves with the documents rewritten.
   * While the worker is down (being restarted), or if it dies before it answers, the next worker does
   * the purge as soon as it has started: its lanes must not rewrite what the dead one left before
   * that is purged under their own barrier. The erasure waits for it.
   */
  async purge(request: PurgeRequest): Promise<number> {
    if (this.starting && !this.everStarted) await this.starting.catch(() => undefined);
    if (this.stopped || !this.everStarted) return 0;
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.purges.set(id, { request, resolve, reject });
      // Down (being restarted): the next worker is asked as soon as it has started.
      if (this.up) this.post({ kind: 'purge', id, request });
    });
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
    if (!worker || !this.up || this.stopped) return Promise.reject(new Error('the read-side worker is not running'));
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
      clearTimeout(this.restartTimer);
      if (this.starting) await this.starting.catch(() => undefined);
      const worker = this.worker;
      if (!worker) {
        for (const purge of this.purges.values()) purge.resolve(0);
        this.purges.clear();
        this.mirror.close();
        return;
      }
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
      case 'purged': {
        const call = this.purges.get(message.id);
        this.purges.delete(message.id);
        if (message.error === undefined) call?.resolve(message.rewritten ?? 0);
        else call?.reject(new Error(`the read-side worker could not purge: ${message.error}`));
        return;
      }
      case 'failed':
      case 'stopped':
        return;
    }
  }
}
