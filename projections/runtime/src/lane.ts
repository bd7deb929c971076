import type { EventStore, RecordedEvent, Subscription } from '@crm/shared/event-sourcing';
import { isTransientStoreError, type Clock } from '@crm/shared/kernel';
import { LeaseLostError, type AnyProjection, type ProjectionFailure, type ProjectionState, type ReadStore } from '@crm/shared/read-model';
import { applyBatch, type BatchResult } from './batch';
import { traceBatch, type BatchReport } from './batch-telemetry';
import { DocumentCache } from './document-cache';
import type { LoopBudget } from './loop-budget';
import { ProjectionFailedError } from './errors';
import { isPermanentWriteError } from './permanent-errors';
import { ProgressMeter, type ProgressPhase, type ProjectionProgress } from './progress';
import { eventSourceOf } from './event-sources';

export interface LaneContext {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly clock: Clock;
  readonly batchSize: number;
  /** Events per read and per transaction for a rebuild's bulk load; its commits need not wait for the disk either. */
  readonly rebuildBatchSize: number;
  /** How often a checkpoint that only skipped other projections' events is saved. */
  readonly idleCheckpointMs: number;
  readonly retryDelayMs: (attempt: number) => number;
  /** Documents each lane keeps in memory between batches; 0 turns the cache off. */
  readonly documentCacheSize: number;
  readonly onProgress?: (progress: ProjectionProgress) => void;
  /** Every batch applied, for metrics. */
  readonly onBatch?: (report: BatchReport) => void;
  /** Shared by the runner's lanes: each batch, before its fold, lets the event loop turn if they have held it too long. */
  readonly loopBudget?: LoopBudget;
  /** Any change of a lane's checkpoint, phase or collection (synchronous: keep it cheap). */
  readonly onChange?: () => void;
}

/** `standby`: another process holds the projection's lease; this one only follows its state. */
export type LanePhase = 'stopped' | 'running' | 'failed' | 'retrying' | 'standby';

export interface Retrying {
  readonly message: string;
  readonly at: string;
  readonly attempt: number;
}

/**
 * One projection fed into one physical collection by its own catch-up
 * subscription, with its own state record: the serving build or a rebuild.
 * A projection error stops only this lane, at the failing event.
 */
export class Lane {
  phase: LanePhase = 'stopped';
  caughtUp = false;
  retrying: Retrying | undefined;
  /** Whether the error being retried is none the store reports as passing (a lost connection, a busy file). */
  private failingForGood = false;
  private subscription: Subscription | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private savedCheckpoint: string | undefined;
  private lastSavedAt = 0;
  /** A skipped-only checkpoint held back by idleCheckpointMs, saved when that has passed even if no event follows. */
  private idleTimer: NodeJS.Timeout | undefined;
  private idleSave: Promise<void> | undefined;
  private handling = false;
  private meter: ProgressMeter | undefined;
  private readonly cache: DocumentCache;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly context: LaneContext,
    readonly projection: AnyProjection,
    public state: ProjectionState,
    private readonly progressPhase: ProgressPhase,
    private readonly onProgress = context.onProgress,
  ) {
    this.savedCheckpoint = state.checkpoint;
    this.cache = new DocumentCache(context.documentCacheSize);
  }

  private get rebuilding(): boolean {
    return this.progressPhase === 'rebuild';
  }

  get checkpoint(): string | undefined {
    return this.state.checkpoint;
  }

  get collection(): string {
    return this.state.collection as string;
  }

  start(): void {
    if (this.closed || this.phase === 'running') return;
    const { eventStore } = this.context;
    this.phase = 'running';
    this.caughtUp = false;
    this.meter = undefined;
    // Whatever happened while this lane was not running, it reloads what it needs.
    this.cache.clear();
    const subscription = eventSourceOf(eventStore, this.projection).subscribeToAll(
      (events, checkpoint) => this.handle(events, checkpoint),
      {
        after: this.state.checkpoint,
        filter: { eventTypes: this.projection.eventTypes },
        batchSize: this.rebuilding ? this.context.rebuildBatchSize : this.context.batchSize,
      },
    );
    this.subscription = subscription;
    subscription.caughtUp.then(
      () =>
        this.subscription === subscription &&
        this.changed(() => {
          this.caughtUp = true;
          // Read to the head again after a failure: running, whether or not anything new came to apply.
          this.retrying = undefined;
        }),
      () => undefined,
    );
    subscription.done.then(
      () => undefined,
      (error: unknown) => this.subscription === subscription && this.failed(error),
    );
    this.changed();
  }

  /** Stops after the batch in hand; a checkpoint that only skipped foreign events is saved now. */
  async stop(): Promise<void> {
    clearTimeout(this.retryTimer);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    if (this.phase !== 'failed' && this.phase !== 'standby') this.phase = 'stopped';
    await subscription?.stop();
    await this.idleSave;
    await this.saveIdleCheckpoint(true).catch(() => undefined);
    this.changed();
  }

  /** Another process owns the projection now: stop without retrying, and say so. */
  async standBy(): Promise<void> {
    await this.stop();
    this.changed(() => (this.phase = 'standby'));
  }

  /** For good: waiters give up. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The runner opened another lane in this one's place (an ownership change): whoever waits on this one looks again. */
  replaced(): void {
    this.changed();
  }

  /** A standby lane takes on the owner's committed state, so queries read its collection and waits see its checkpoint. */
  follow(state: ProjectionState): void {
    if (this.phase !== 'standby') return;
    this.changed(() => this.replaceState(state));
  }

  /** Forgets the documents kept between batches: the next batch reads them from the store. */
  forgetDocuments(): void {
    this.cache.clear();
  }

  replaceState(state: ProjectionState): void {
    this.cache.clear();
    this.state = state;
    this.savedCheckpoint = state.checkpoint;
  }

  /** One batch through the projection; throws ProjectionFailedError (after recording it) when it fails. */
  async apply(events: readonly RecordedEvent[], checkpoint: string): Promise<void> {
    const started = process.hrtime.bigint();
    let result: BatchResult | undefined;
    try {
      result = await traceBatch(
        this.projection.name,
        this.progressPhase,
        events,
        () => this.applyOnce(events, checkpoint),
        (r) => r.failure?.message,
      );
    } catch (error) {
      if (!isPermanentWriteError(error) || events.length === 0) throw error;
      // The store will refuse this batch every time: stop here, as for a projection error, instead of retrying forever.
      throw new ProjectionFailedError(this.projection.name, await this.recordWriteFailure(events, error));
    } finally {
      this.reportBatch(events.length, result, started);
    }
    if (result.failure) {
      this.changed(() => (this.phase = 'failed'));
      throw new ProjectionFailedError(this.projection.name, result.failure);
    }
  }

  private async applyOnce(events: readonly RecordedEvent[], checkpoint: string): Promise<BatchResult> {
    const { eventStore, readStore, clock } = this.context;
    const meter = await this.progressMeter();
    const result = await applyBatch(
      {
        projection: this.projection,
        store: readStore,
        collection: this.collection,
        comparePositions: (a, b) => eventStore.comparePositions(a, b),
        state: this.state,
        now: () => clock.now().toISOString(),
        cache: this.cache,
        // A rebuild redoes from its checkpoint whatever a crash lost; the switch-over commits durably.
        durable: !this.rebuilding,
        pace: () => this.context.loopBudget?.pass(),
        // A heavy fold goes in parts with timers (lease renewals) let run in between; the batch still commits once.
        ...(this.projection.maxBatch === undefined ? {} : { partSize: this.projection.maxBatch }),
      },
      events,
      checkpoint,
    );
    this.changed(() => {
      this.state = result.state ?? this.state;
      this.savedCheckpoint = this.state.checkpoint;
      this.lastSavedAt = clock.now().getTime();
      this.retrying = undefined;
    });
    // Live, every append would report; progress is for catching up and rebuilding.
    if (!this.caughtUp) this.report(meter.record(result.applied, this.state.checkpoint));
    return result;
  }

  /** The batch's first event and the store's reason, kept in the state (where other processes' health reads it). */
  private async recordWriteFailure(events: readonly RecordedEvent[], error: unknown): Promise<ProjectionFailure> {
    const event = events[0] as RecordedEvent;
    const failure: ProjectionFailure = {
      eventId: event.metadata.eventId,
      position: event.position,
      type: event.type,
      streamId: event.streamId,
      message:
        `the read store refuses the batch for good: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(
          0,
          2000,
        ),
      at: this.context.clock.now().toISOString(),
    };
    const state: ProjectionState = { ...this.state, error: failure };
    await this.context.readStore.transaction((tx) => tx.saveState(state)).catch(() => undefined);
    this.changed(() => {
      this.state = state;
      this.phase = 'failed';
    });
    return failure;
  }

  /** Metrics are advisory too: a failing observer must not stop the projection. */
  private reportBatch(events: number, result: BatchResult | undefined, started: bigint): void {
    try {
      this.context.onBatch?.({
        projection: this.projection.name,
        phase: this.progressPhase,
        events,
        applied: result?.applied ?? 0,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        checkpoint: this.state.checkpoint,
        outcome: result === undefined ? 'error' : result.failure ? 'failed' : 'applied',
      });
    } catch {
      // ignored on purpose
    }
  }

  /**
   * What this lane has failed with `attempts` times over, when it is no error the store reports as passing (a data key
   * that does not open, a malformed row): a live lane goes on retrying it, but a rebuild waited on would wait for ever.
   */
  failingAfter(attempts: number): string | undefined {
    return this.phase === 'retrying' && this.failingForGood && this.retrying !== undefined && this.retrying.attempt >= attempts
      ? this.retrying.message
      : undefined;
  }

  /** Resolves once `check` says so, re-checked on every change; an Error from it rejects. */
  until(check: () => boolean | Error, timeoutMs?: number, onTimeout?: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const listener = () => {
        let outcome: boolean | Error;
        try {
          outcome = check();
        } catch (error) {
          outcome = error instanceof Error ? error : new Error(String(error));
        }
        if (outcome === false) return;
        this.listeners.delete(listener);
        clearTimeout(timer);
        if (outcome === true) resolve();
        else reject(outcome);
      };
      this.listeners.add(listener);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.listeners.delete(listener);
          reject(onTimeout ? onTimeout() : new Error(`timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      listener();
    });
  }

  private async handle(events: readonly RecordedEvent[], checkpoint: string): Promise<void> {
    // A held-back save in flight commits first, so no checkpoint it writes can land after a later one.
    await this.idleSave;
    this.handling = true;
    try {
      if (events.length > 0) return await this.apply(events, checkpoint);
      // Only other projections' events were scanned: nothing to write, so save the checkpoint only now and then.
      this.changed(() => (this.state = { ...this.state, checkpoint }));
      await this.saveIdleCheckpoint(false);
    } finally {
      this.handling = false;
    }
  }

  private async saveIdleCheckpoint(force: boolean): Promise<void> {
    const checkpoint = this.state.checkpoint;
    if (checkpoint === undefined || checkpoint === this.savedCheckpoint) return;
    const now = this.context.clock.now().getTime();
    const wait = this.context.idleCheckpointMs - (now - this.lastSavedAt);
    if (!force && wait > 0) {
      // Processes that read the stored checkpoint (minPosition waits with CRM_PROJECTIONS=off) must see it move
      // even when no event follows: saved once the interval has passed.
      this.saveLater(wait);
      return;
    }
    await this.context.readStore.transaction((tx) => tx.saveCheckpoint(this.state.name, checkpoint));
    this.savedCheckpoint = checkpoint;
    this.lastSavedAt = now;
  }

  private saveLater(delayMs: number): void {
    if (this.idleTimer !== undefined) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      // A batch in hand saves (or holds back again) when it ends; a lane no longer running saved on stop.
      if (this.handling || this.phase !== 'running') return;
      const save = this.saveIdleCheckpoint(true)
        .catch(() => undefined) // the next batch or the stop saves it again
        .finally(() => {
          if (this.idleSave === save) this.idleSave = undefined;
        });
      this.idleSave = save;
    }, delayMs);
    this.idleTimer.unref();
  }

  private failed(error: unknown): void {
    this.subscription = undefined;
    if (error instanceof ProjectionFailedError) {
      this.changed(() => (this.phase = 'failed'));
      return;
    }
    if (error instanceof LeaseLostError) {
      // Fenced off: another process took the projection over. The runner's lease loop decides what next.
      this.changed(() => (this.phase = 'standby'));
      return;
    }
    // The store, not the projection: worth retrying by itself, with growing pauses.
    const attempt = (this.retrying?.attempt ?? 0) + 1;
    const message = error instanceof Error ? error.message : String(error);
    this.failingForGood = !isTransientStoreError(error);
    this.changed(() => {
      this.phase = 'retrying';
      this.retrying = { message, at: this.context.clock.now().toISOString(), attempt };
    });
    this.retryTimer = setTimeout(() => {
      if (this.phase === 'retrying' && !this.closed) {
        this.phase = 'stopped';
        this.start();
      }
    }, this.context.retryDelayMs(attempt));
  }

  private async progressMeter(): Promise<ProgressMeter> {
    this.meter ??= new ProgressMeter(
      { projection: this.projection.name, phase: this.progressPhase, collection: this.collection },
      this.state.checkpoint,
      await this.context.eventStore.headPosition(),
      this.context.clock,
    );
    return this.meter;
  }

  /** A progress display that throws must not look like a store failure. */
  private report(progress: ProjectionProgress): void {
    try {
      this.onProgress?.(progress);
    } catch {
      // ignored on purpose: progress is advisory
    }
  }

  private changed(update?: () => void): void {
    update?.();
    for (const listener of [...this.listeners]) listener();
    try {
      this.context.onChange?.();
    } catch {
      // ignored on purpose: an observer must not stop the projection
    }
  }
}
