import type { EventStore } from '@crm/shared/event-sourcing';
import { retryTransient, systemClock, type Clock } from '@crm/shared/kernel';
import {
  expireLeasesOfGoneOwners,
  type AnyProjection,
  type Lease,
  type ProjectionFailure,
  type ProjectionState,
  type ReadStore,
} from '@crm/shared/read-model';
import type { BatchReport } from './batch-telemetry';
import { NotCaughtUpError, TimeTravelTargetError, UnknownProjectionError } from './errors';
import { builtFromAnotherLog } from './log-identity';
import { LoopBudget } from './loop-budget';
import { Lane, type LaneContext, type LanePhase, type Retrying } from './lane';
import {
  asOfStateName,
  freeGeneration,
  generationOf,
  hasBuildForm,
  isAsOfState,
  physicalCollection,
  projectionOfState,
  rebuildStateName,
  recordedCollections,
  retiredStateName,
} from './naming';
import { estimateLag, type ProjectionProgress } from './progress';
import {
  RebuildNotStartedError,
  Rebuilds,
  RebuildTakenOverError,
  type BuildSwitch,
  type RebuildOptions,
  type RebuildResult,
} from './rebuilds';
import { defaultOwner, fencedReadStore, type OwnershipOptions } from './ownership';
import { timeTravel, type TimeTravelRequest, type TimeTravelResult } from './time-travel';

export interface ProjectionRunnerOptions {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly projections: readonly AnyProjection[];
  /** Events per read and per read-store transaction; default 500. */
  readonly batchSize?: number;
  /**
   * The same for a rebuild's bulk load, whose batches also commit without waiting for the disk (the
   * switch-over commits durably); default batchSize when that is given, else 5000.
   */
  readonly rebuildBatchSize?: number;
  readonly clock?: Clock;
  /** A checkpoint that only skipped other projections' events is saved at most this often; default 1000 ms. */
  readonly idleCheckpointMs?: number;
  /** Pause before restarting a projection after a store (not projection) error; default 250 ms doubling to 30 s. */
  readonly retryDelayMs?: (attempt: number) => number;
  /**
   * How long a rebuild waits out a store's passing refusals (SQLite "database is locked" while another writer holds
   * the file, a dropped connection) with those pauses before it fails; default 10 minutes.
   */
  readonly transientRetryMs?: number;
  /** Progress while catching up and rebuilding (not for every live event). */
  readonly onProgress?: (progress: ProjectionProgress) => void;
  /** Every batch applied (duration, events, outcome), for metrics. */
  readonly onBatch?: (report: BatchReport) => void;
  /** Any change of a lane's checkpoint, phase or collection, e.g. to tell readers on another thread; keep it cheap. */
  readonly onChange?: () => void;
  /** Documents each projection keeps in memory between batches (it is their only writer); default 10 000, 0 for none. */
  readonly documentCacheSize?: number;
  /** Drop a build's collection once a rebuild has replaced it; default true. */
  readonly dropReplacedCollections?: boolean;
  /**
   * Run each projection only while holding its lease in the read store, with every commit fenced by
   * the lease's epoch; without it, the runner assumes it is the only one (tests, tools).
   */
  readonly ownership?: OwnershipOptions;
  /**
   * How long a collection replaced by a rebuild is kept for readers that looked the old one up just
   * before the switch (CRM_REBUILD_GRACE_MS); default 0 without leases (dropped at once), 30 s with.
   */
  readonly retireGraceMs?: number;
  /**
   * How long the lanes may hold the event loop before a batch waits for one turn of it (timers, messages:
   * a read-side worker answers `status` during a rebuild); default 50 ms. 0: a turn before every batch.
   * With leases it is held to a sixth of the TTL whatever is asked (`loopBudgetWithin`).
   */
  readonly loopBudgetMs?: number;
  /** Told when this runner takes a projection over or stands down (another process owns it). */
  readonly onOwnership?: (name: string, owned: boolean, epoch: number | undefined) => void;
  /**
   * Told when the build a projection serves here changes: a rebuild this runner switched to, or a switch another
   * process made that this runner now follows (`previous`: the build served here before).
   */
  readonly onSwitch?: (switched: BuildSwitch) => void;
  /**
   * Start the serving lane of each projection this runner owns (opens); default true. False for a
   * runner that only rebuilds its projections (`crm-cli rebuild`): nobody reads its serving lanes, and
   * on a never-built store each would build generation 1 from the start beside the rebuild's own build.
   * A lane then starts only when its rebuild switches to the new build.
   */
  readonly serve?: boolean;
}

export interface LaneStatus {
  readonly collection: string;
  readonly version: number | undefined;
  readonly phase: LanePhase;
  readonly checkpoint: string | undefined;
  readonly caughtUp: boolean;
  /** Events behind the head, estimated from positions. */
  readonly lag: number | undefined;
  readonly error?: ProjectionFailure;
  readonly retrying?: Retrying;
}

/**
 * The lease renewals are timers: while the lanes hold the event loop, none runs. A renewal is then late by up to
 * the hold, so the hold stays within a sixth of the TTL: a lease renewed every third of it is renewed within half
 * of it, even when a hold and a fold part run twice as long as planned on a loaded machine. Otherwise a builder
 * busy folding (crm-cli rebuild holds the loop up to a second) would let its rebuild lease lapse under a short
 * TTL, and the projection's owner would take the build over as a dead builder's and fence the builder's commits.
 */
function loopBudgetWithin(budgetMs: number, ownership: OwnershipOptions | undefined): number {
  return ownership ? Math.min(budgetMs, Math.floor(ownership.ttlMs / 6)) : budgetMs;
}

/** What a reader elsewhere (the API's thread, beside a read-side worker) needs to serve a projection: synchronous, no store call. */
export interface ServingSnapshot {
  readonly name: string;
  readonly collection: string;
  readonly checkpoint: string | undefined;
  readonly phase: LanePhase;
}

export interface ProjectionStatus extends LaneStatus {
  readonly name: string;
  /** Version of the running code; `version` is the one that built the serving collection. */
  readonly codeVersion: number;
  readonly head: string | undefined;
  readonly rebuild?: LaneStatus;
}

/**
 * Runs many projections on one event store (DESIGN.md "Projections"): each
 * has its own catch-up subscription from its own checkpoint, applies each
 * batch in one read-store transaction, and stops alone at an event it cannot
 * apply, with the error recorded, until resumed.
 */
export class ProjectionRunner {
  private readonly projections = new Map<string, AnyProjection>();
  private readonly serving = new Map<string, Lane>();
  private readonly rebuilds: Rebuilds;
  private readonly context: LaneContext & { readonly dropReplacedCollections: boolean; readonly transientRetryMs: number };
  private readonly contexts = new Map<string, LaneContext>();
  private readonly epochs = new Map<string, number>();
  /** Rebuild leases a caller in this runner is asking the store for now (see takeRebuildLease). */
  private readonly taking = new Set<string>();
  /** Rebuilds started by start() (a version bump, an interrupted rebuild): rebuildMany joins them. */
  private readonly startupRebuilds = new Map<string, Promise<RebuildResult | undefined>>();
  private readonly startupResults = new Map<string, RebuildResult>();
  /** Rebuilds of projections owned here that another process is building (crm-cli), as last seen in the store. */
  private readonly buildingElsewhere = new Map<string, ProjectionState>();
  private readonly owner: string | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private started = false;
  private quiescing: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ProjectionRunnerOptions) {
    for (const projection of options.projections) {
      if (this.projections.has(projection.name)) throw new Error(`two projections are named ${projection.name}`);
      if (projection.name.includes('~')) throw new Error(`projection name ${projection.name} must not contain "~"`);
      this.projections.set(projection.name, projection);
    }
    this.context = {
      eventStore: options.eventStore,
      readStore: options.readStore,
      clock: options.clock ?? systemClock,
      batchSize: options.batchSize ?? 500,
      rebuildBatchSize: options.rebuildBatchSize ?? options.batchSize ?? 5000,
      idleCheckpointMs: options.idleCheckpointMs ?? 1000,
      retryDelayMs: options.retryDelayMs ?? ((attempt) => Math.min(30_000, 250 * 2 ** (attempt - 1))),
      documentCacheSize: options.documentCacheSize ?? 10_000,
      onProgress: options.onProgress,
      onBatch: options.onBatch,
      onChange: options.onChange,
      dropReplacedCollections: options.dropReplacedCollections ?? true,
      transientRetryMs: options.transientRetryMs ?? 600_000,
      loopBudget: new LoopBudget(loopBudgetWithin(options.loopBudgetMs ?? 50, options.ownership)),
    };
    this.owner = options.ownership ? (options.ownership.owner ?? defaultOwner()) : undefined;
    this.rebuilds = new Rebuilds({
      ...this.context,
      retireGraceMs: options.retireGraceMs ?? (options.ownership ? 30_000 : 0),
      ensureIndexes: (projection, collection) => this.ensureIndexes(projection, collection),
      ...(options.onSwitch ? { onSwitch: options.onSwitch } : {}),
      // A rebuild's lane writes only under the rebuild's own lease: one builder, whichever process it is in.
      ...(options.ownership ? { rebuildContextOf: (name: string) => this.contextFor(rebuildStateName(name)) } : {}),
    });
  }

  /** Loads every projection's state and starts it; a projection whose version changed starts rebuilding. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const ownership = this.options.ownership;
    if (!ownership) {
      for (const projection of this.projections.values()) await this.open(projection);
      return;
    }
    await this.tickLeases();
    const every = ownership.renewEveryMs ?? Math.max(50, Math.floor(ownership.ttlMs / 3));
    this.leaseTimer = setInterval(() => void this.tickLeases(), every);
    this.leaseTimer.unref();
  }

  /** Every projection finishes the batch in hand and saves its checkpoint; waiters get NotCaughtUpError. Leases are given up. */
  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.leaseTimer);
    await this.ticking;
    await Promise.all([...this.serving.values()].map((lane) => lane.close()));
    await this.rebuilds.closeAll();
    if (this.owner !== undefined) {
      const owner = this.owner;
      // A standby need not wait out the TTL.
      await Promise.all([...this.epochs.keys()].map((name) => this.options.readStore.releaseLease(name, owner).catch(() => undefined)));
      this.epochs.clear();
    }
  }

  /**
   * Runs `work` while no lane of this runner that reads personal data writes: every such running lane
   * (serving builds and rebuilds in progress) finishes the batch in hand, commits and stops, and every
   * one-scan rebuild (`rebuildMany`) commits its page in hand and waits before the next; `work`
   * gets their projections and collections (`otherBuild` for a build of another version); then they
   * start again from their checkpoints with empty document caches, so nothing read or folded before
   * `work` is written after it. An erasure purges this way: no batch
   * that opened events with a key before the purge can commit after it. A projection that reads no
   * personal data (`readsPersonalData: false`) is handed events as stored, never opened: its lanes go
   * on, and its collections are not `work`'s. One at a time.
   */
  quiesce<T>(
    work: (
      lanes: readonly { readonly projection: AnyProjection; readonly collection: string; readonly otherBuild?: boolean }[],
    ) => Promise<T>,
  ): Promise<T> {
    const run = async (): Promise<T> => {
      const active = (lane: Lane) => (lane.phase === 'running' || lane.phase === 'retrying') && lane.projection.readsPersonalData !== false;
      // A rebuild that has caught up is switching over: its own code stops it, so it is left alone.
      const rebuilding = this.rebuilds.all().filter((lane) => active(lane) && !lane.caughtUp);
      const lanes = [...[...this.serving.values()].filter(active), ...rebuilding];
      await Promise.all(lanes.map((lane) => lane.stop()));
      try {
        // One-scan rebuilds (`rebuildMany`) are fed page by page, not started: they pause between two pages.
        return await this.rebuilds.pauseScans((scanned) =>
          work(
            [...lanes, ...scanned.filter((build) => build.projection.readsPersonalData !== false)].map(({ projection, collection }) => ({
              projection,
              collection,
              // A build of another version of the projection than this code's: not folded by this code's evolve.
              ...(generationOf(projection, collection) === undefined ? { otherBuild: true } : {}),
            })),
          ),
        );
      } finally {
        for (const lane of lanes) {
          const current = rebuilding.includes(lane) ? this.rebuilds.lane(lane.projection.name) : this.serving.get(lane.projection.name);
          if (current === lane && !lane.isClosed && lane.phase === 'stopped' && this.started) lane.start();
        }
      }
    };
    const next = this.quiescing.then(run, run);
    this.quiescing = next.catch(() => undefined);
    return next;
  }

  /** This runner's name in the lease table, when it runs with leases. */
  get ownerId(): string | undefined {
    return this.owner;
  }

  /** The projections whose lease this runner holds now (every one without leases). */
  owned(): string[] {
    return this.owner === undefined ? this.names() : [...this.epochs.keys()];
  }

  /** One round at a time: renew what is held, take what is free or expired, stand down from what was lost. */
  private tickLeases(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        // Leases a crashed process of this machine held (the run before a restart, a killed crm-cli) are taken now, not a TTL later.
        await expireLeasesOfGoneOwners(this.options.readStore).catch(() => undefined);
        for (const projection of this.projections.values()) {
          if (!this.started) return;
          await this.tickLease(projection).catch(() => undefined);
        }
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  private async tickLease(projection: AnyProjection): Promise<void> {
    const { readStore } = this.options;
    const ownership = this.options.ownership as OwnershipOptions;
    const name = projection.name;
    // A rebuild built here, for a projection owned here or elsewhere, keeps its own lease alive.
    await this.keepRebuildLease(projection);
    const held = this.epochs.get(name);
    const lease = await readStore.acquireLease(name, this.owner as string, ownership.ttlMs);
    const lane = this.serving.get(name);
    if (lease) {
      this.epochs.set(name, lease.epoch);
      // Newly ours, or fenced off meanwhile and ours again: start from what the store holds now.
      if (held !== lease.epoch || !lane || lane.phase === 'standby') {
        try {
          if (lane) await this.standDown(lane);
          if (!this.started) return;
          await this.open(projection);
        } catch (error) {
          // Taken over halfway (the store failed between the lease and the lane's start, its new lane made but not
          // started): the next round takes it over again from the start, rather than renewing a lease for a lane that
          // never runs (an outside probe saw one projection so, stopped for good while every other was taken over).
          this.epochs.delete(name);
          // Given back, so that a runner that stops before the next round does not leave it to lapse a TTL later.
          await readStore.releaseLease(name, this.owner as string).catch(() => undefined);
          throw error;
        }
        this.options.onOwnership?.(name, true, lease.epoch);
      }
      await this.adoptRebuild(projection);
      await this.dropRetired(projection);
      return;
    }
    this.epochs.delete(name);
    if (held !== undefined && lane) {
      await this.standDown(lane);
      this.options.onOwnership?.(name, false, undefined);
    }
    await this.follow(projection);
  }

  /** A rebuild this runner builds keeps its own lease; lost (paused too long), its lane stands by. */
  private async keepRebuildLease(projection: AnyProjection): Promise<void> {
    const name = rebuildStateName(projection.name);
    if (!this.epochs.has(name)) return;
    const lease = await this.options.readStore.acquireLease(name, this.owner as string, (this.options.ownership as OwnershipOptions).ttlMs);
    if (!this.epochs.has(name)) {
      // Given up while this renewal was on its way (the build was handed over or switched): a renewal that landed
      // after the release took the lease back, and kept, it would stop the owner from ever adopting the build.
      if (lease) await this.options.readStore.releaseLease(name, this.owner as string).catch(() => undefined);
      return;
    }
    if (lease) this.epochs.set(name, lease.epoch);
    else {
      // Another process took it over and goes on with the build: this lane stands by, its rebuild waits for the switch.
      this.epochs.delete(name);
      await this.rebuilds.lane(projection.name)?.standBy();
    }
  }

  /**
   * The owner finishes a rebuild another process built (marked ready) or left behind (its builder
   * died: the rebuild lease lapsed): it catches the new build up and switches to it.
   */
  private async adoptRebuild(projection: AnyProjection): Promise<void> {
    const name = projection.name;
    const lane = this.serving.get(name);
    if (!lane || lane.phase === 'standby' || this.rebuilds.isRunning(name)) return;
    const pending = await this.options.readStore.loadState(rebuildStateName(name));
    this.buildingElsewhere.delete(name);
    if (!pending?.collection || pending.version !== projection.version) return;
    if (!(await this.takeRebuildLease(name))) {
      // Health shows it: the serving build is being replaced by a build made elsewhere.
      this.buildingElsewhere.set(name, pending);
      return;
    }
    void this.rebuilds
      .run(lane, {}, pending)
      .catch(() => undefined)
      .finally(() => void this.releaseRebuildLease(name));
  }

  /**
   * Drops every collection a switch replaced whose grace period is over, as a serving owner does on its lease rounds:
   * for a process that serves nothing (crm-cli replay and rebuild), so a store no server opens does not keep every
   * replaced build for ever. The grace is what keeps a reader in another process safe, whoever drops.
   */
  async dropRetiredCollections(): Promise<void> {
    for (const projection of this.options.projections) {
      // With leases, the owner drops them (on its lease rounds): one run by another process is its to drop.
      if (this.options.ownership && !this.epochs.has(projection.name)) continue;
      await this.dropRetired(projection);
    }
  }

  /** Drops the collections a switch replaced once their grace period is over. */
  private async dropRetired(projection: AnyProjection): Promise<void> {
    const name = retiredStateName(projection.name);
    const store = this.contextFor(projection.name).readStore;
    const state = await store.loadState(name);
    if (!state?.retired?.length) return;
    const now = this.context.clock.now().toISOString();
    const due = state.retired.filter((entry) => entry.dropAfter <= now);
    if (due.length === 0) return;
    for (const entry of due) await store.dropCollection(entry.collection);
    const left = state.retired.filter((entry) => entry.dropAfter > now);
    await store.transaction((tx) => (left.length > 0 ? tx.saveState({ name, retired: left }) : tx.deleteState(name)));
  }

  /**
   * False when held elsewhere (after waiting up to `waitMs` for a dead holder's lease to lapse), already by this runner,
   * or being taken by another caller in this runner: one caller takes it, and that one gives it back.
   */
  private async takeRebuildLease(name: string, waitMs = 0): Promise<boolean> {
    const ownership = this.options.ownership;
    if (!ownership) return true;
    const key = rebuildStateName(name);
    const giveUpAt = Date.now() + waitMs;
    for (;;) {
      // The store renews a lease for its owner: two callers here asking at once would both get it, both build and both
      // release it, the second release taking it from a third caller that took it in between.
      if (this.epochs.has(key) || this.taking.has(key)) return false;
      this.taking.add(key);
      let lease: Lease | undefined;
      try {
        lease = await retryTransient(() => this.options.readStore.acquireLease(key, this.owner as string, ownership.ttlMs), {
          retryDelayMs: this.context.retryDelayMs,
          windowMs: this.context.transientRetryMs,
        });
      } finally {
        this.taking.delete(key);
      }
      if (lease) {
        this.epochs.set(key, lease.epoch);
        return true;
      }
      if (Date.now() >= giveUpAt) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, Math.floor(ownership.ttlMs / 4))));
    }
  }

  /** Gives the rebuild's lease back if this runner holds it (one lost to another process is theirs, whatever the owner id). */
  private async releaseRebuildLease(name: string): Promise<void> {
    if (!this.options.ownership || !this.epochs.delete(rebuildStateName(name))) return;
    await this.options.readStore.releaseLease(rebuildStateName(name), this.owner as string).catch(() => undefined);
  }

  /**
   * The projection's lease is lost (or re-taken at a new epoch): its serving lane stands by, and so does a rebuild
   * running here, which then gives its build up to the projection's owner to adopt (RebuildTakenOverError).
   */
  private async standDown(lane: Lane): Promise<void> {
    await this.rebuilds.lane(lane.projection.name)?.standBy();
    await lane.standBy();
  }

  /** Another process owns the projection: keep its state (collection, checkpoint) current here for queries and waits. */
  private async follow(projection: AnyProjection): Promise<void> {
    const stored = await this.options.readStore.loadState(projection.name);
    const lane = this.serving.get(projection.name);
    if (!stored?.collection) {
      // Never built, its owner building the first build (a `crm-cli rebuild` records nothing before its switch): queries
      // here read an unrecorded placeholder, empty, as they read the owner's empty first build before.
      if (!lane)
        await this.standByOn(projection, {
          name: projection.name,
          version: projection.version,
          generation: 1,
          collection: physicalCollection(projection, 1),
        });
      return;
    }
    const state = stored;
    if (lane) {
      if (lane.phase !== 'standby') await lane.standBy();
      const before = lane.collection;
      lane.follow(state);
      if (lane.collection !== before) this.switched(lane, before);
      return;
    }
    await this.standByOn(projection, state);
  }

  private async standByOn(projection: AnyProjection, state: ProjectionState): Promise<void> {
    const standby = new Lane(this.contextFor(projection.name), projection, state, 'catch-up');
    this.serving.set(projection.name, standby);
    await standby.standBy();
  }

  private switched(lane: Lane, previous: string | undefined): void {
    this.options.onSwitch?.({ name: lane.projection.name, collection: lane.collection, previous, checkpoint: lane.checkpoint });
  }

  private contextFor(name: string): LaneContext {
    if (!this.options.ownership) return this.context;
    let context = this.contexts.get(name);
    if (!context) {
      context = { ...this.context, readStore: fencedReadStore(this.options.readStore, name, () => this.epochs.get(name)) };
      this.contexts.set(name, context);
    }
    return context;
  }

  /**
   * The context of a serving lane opened now, its writes fenced by the epoch held now: once the lease is lost and
   * taken again (a new epoch, a new lane), nothing can commit through the old lane, whose state is no longer the
   * projection's. A switch made through it would move the pointer while the new lane serves on from the old build,
   * and its next commit would move the pointer back.
   */
  private laneContext(name: string): LaneContext {
    if (!this.options.ownership) return this.context;
    const opened = this.epochs.get(name);
    const readStore = fencedReadStore(this.options.readStore, name, () => {
      const held = this.epochs.get(name);
      return held === opened ? held : undefined;
    });
    return { ...this.context, readStore };
  }

  names(): string[] {
    return [...this.projections.keys()];
  }

  /** The physical collection a query should read for this projection now. */
  collectionOf(name: string): string {
    return this.lane(name).collection;
  }

  /** Every serving build's collection, checkpoint and phase as of now. */
  snapshot(): ServingSnapshot[] {
    return [...this.serving.values()].map((lane) => ({
      name: lane.projection.name,
      collection: lane.collection,
      checkpoint: lane.checkpoint,
      phase: lane.phase,
    }));
  }

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.options.eventStore.headPosition();
    // A build made elsewhere, as its builder has committed it by now: the lease rounds (every third of the TTL) only find
    // it, and between two of them its position stood still (an outside probe read "at the start" for a whole 5 s rebuild).
    const building = new Map<string, ProjectionState>();
    await Promise.all(
      [...this.buildingElsewhere].map(async ([name, found]) => {
        const now = await this.options.readStore.loadState(rebuildStateName(name)).catch(() => undefined);
        building.set(name, now !== undefined && now.collection === found.collection ? now : found);
      }),
    );
    return [...this.serving.values()].map((lane) => {
      const rebuild = this.rebuilds.lane(lane.projection.name);
      const elsewhere = building.get(lane.projection.name);
      return {
        name: lane.projection.name,
        codeVersion: lane.projection.version,
        head,
        ...this.laneStatus(lane, head),
        ...(rebuild ? { rebuild: this.laneStatus(rebuild, head) } : elsewhere ? { rebuild: this.elsewhereStatus(elsewhere, head) } : {}),
      };
    });
  }

  /**
   * Read-your-writes: resolves once the projection (or every one, for 'all')
   * has applied everything up to `position`; NotCaughtUpError after timeoutMs,
   * or at once when the projection is stopped by an error.
   */
  async waitFor(target: string, position: string, timeoutMs: number): Promise<void> {
    const compare = (a: string, b: string) => this.options.eventStore.comparePositions(a, b);
    compare(position, position); // a malformed position is the caller's error, not a wait
    const names = target === 'all' ? this.names() : [this.lane(target).projection.name];
    const giveUpAt = performance.now() + timeoutMs;
    // On the lane serving now: an ownership change opens another lane in its place, and the wait goes on there.
    const waitOn = async (name: string): Promise<void> => {
      for (let replaced = true; replaced;) {
        const lane = this.lane(name);
        const notYet = (reason: 'timeout' | 'failed' | 'stopped') =>
          new NotCaughtUpError(name, position, lane.checkpoint, reason, timeoutMs);
        replaced = false;
        await lane.until(
          () => {
            if (lane.checkpoint !== undefined && compare(lane.checkpoint, position) >= 0) return true;
            if (this.serving.get(name) !== lane) return (replaced = true);
            if (lane.phase === 'failed') return notYet('failed');
            return lane.isClosed ? notYet('stopped') : false;
          },
          Math.max(0, giveUpAt - performance.now()),
          () => notYet('timeout'),
        );
      }
    };
    await Promise.all(names.map(waitOn));
  }

  /** Retries a projection (and its rebuild) stopped by an error, from the failing event; after a fix, it goes on. */
  async resume(name: string): Promise<void> {
    const lane = this.lane(name);
    if (lane.phase !== 'running' && lane.state.version === lane.projection.version) lane.start();
    const rebuild = this.rebuilds.lane(name);
    if (rebuild && rebuild.phase !== 'running') void this.rebuilds.run(lane, {}, rebuild.state).catch(() => undefined);
  }

  /** Rebuilds into a new physical collection while the current one serves, then switches; resolves after the switch. */
  async rebuild(name: string, options: RebuildOptions = {}): Promise<RebuildResult> {
    const lane = this.lane(name);
    const asked = await this.options.readStore.loadState(name);
    // Already running here, or being built by someone else: that build is joined and its switch waited for.
    if (this.rebuilds.isRunning(name) || !(await this.takeRebuildLease(name, 2 * (this.options.ownership?.ttlMs ?? 0))))
      return this.builtElsewhereOrHere(name, options, asked);
    try {
      // The lease came free because another builder's build served meanwhile: that is the build asked for.
      const since = await this.servedSince(name, asked);
      if (since) return since;
      // The owner switches itself; anyone else builds, hands over, and waits for the owner to switch.
      if (!this.options.ownership || this.epochs.has(name)) return await this.rebuilds.run(lane, options);
      const built = await this.rebuilds.run(lane, { ...options, handOver: true });
      await this.releaseRebuildLease(name);
      return await this.switchedTo(name, built);
    } catch (error) {
      if (error instanceof RebuildNotStartedError) return await this.builtElsewhereOrHere(name, options);
      if (!(error instanceof RebuildTakenOverError)) throw error;
      return await this.takenOverBuild(error);
    } finally {
      await this.releaseRebuildLease(name);
    }
  }

  /**
   * Rebuilds these projections (all by default) from one scan of the log, then switches each (or hands
   * each over to its owner) as `rebuild` does. Resolves with one result per projection, in order.
   */
  async rebuildMany(names: readonly string[] = this.names(), options: RebuildOptions = {}): Promise<RebuildResult[]> {
    for (const name of names) this.lane(name); // unknown names fail before anything starts
    // Rebuilds start() began (an interrupted one resuming, maybe once a dead builder's leases lapsed) finish and count as done.
    const joined = new Map<string, RebuildResult>();
    const join = async (name: string) => {
      const started =
        this.startupRebuilds.get(name) ?? (this.startupResults.has(name) ? Promise.resolve(this.startupResults.get(name)) : undefined);
      const result = started ? await started : this.rebuilds.isRunning(name) ? await this.otherBuild(name, options) : undefined;
      if (result) joined.set(name, result);
      return result !== undefined;
    };
    const taken: string[] = [];
    const others: Promise<unknown>[] = [];
    try {
      // A builder that died (Ctrl-C, a crash) leaves its lease to lapse: wait that long before saying someone else builds.
      const lapse = 2 * (this.options.ownership?.ttlMs ?? 0);
      // What served when the rebuild was asked for, read before any wait for a lease below.
      const askedStates = new Map<string, ProjectionState | undefined>();
      for (const name of names) askedStates.set(name, await this.options.readStore.loadState(name));
      for (const name of names) {
        if (await join(name)) continue;
        const asked = askedStates.get(name);
        if (await this.takeRebuildLease(name, lapse)) {
          // The lease came free because another builder's build served meanwhile: that is the build asked for.
          const since = await this.servedSince(name, asked);
          if (since) {
            joined.set(name, since);
            await this.releaseRebuildLease(name);
          } else taken.push(name);
        } else if (!(await join(name))) {
          // Builds made by another caller or process switch while this runner scans for its own.
          const other = this.builtElsewhereOrHere(name, options, asked).then((result) => void joined.set(name, result));
          other.catch(() => undefined); // awaited after the scan: not an unhandled rejection meanwhile
          others.push(other);
        }
      }
      const scanned = await this.rebuildInOneScan(taken, options);
      await Promise.all(others);
      return names.map((name) => joined.get(name) ?? (scanned.get(name) as RebuildResult));
    } finally {
      for (const name of taken) await this.releaseRebuildLease(name);
    }
  }

  /** The rebuild leases of `names` are held. */
  private async rebuildInOneScan(names: readonly string[], options: RebuildOptions): Promise<Map<string, RebuildResult>> {
    const lanes = names.map((name) => this.lane(name));
    const owns = (name: string) => !this.options.ownership || this.epochs.has(name);
    const handOver = names.some((name) => !owns(name));
    const results = await this.rebuilds.runMany(lanes, { ...options, handOver }, async (name) => {
      const pending = await this.options.readStore.loadState(rebuildStateName(name));
      return pending?.version === this.lane(name).projection.version && pending.collection ? pending : undefined;
    });
    if (handOver) for (const name of names) await this.releaseRebuildLease(name);
    const settled = await Promise.all(
      results.map((result) =>
        result instanceof RebuildNotStartedError
          ? this.builtElsewhereOrHere(result.projection, options)
          : result instanceof RebuildTakenOverError
            ? this.takenOverBuild(result)
            : handOver
              ? this.switchedTo(result.projection, result)
              : result,
      ),
    );
    return new Map(settled.map((result) => [result.projection, result]));
  }

  /**
   * Another process took this runner's rebuild over (its lease lapsed while this one was paused) and goes on with
   * the same build: wait for the switch to it, as after a hand-over. The lease is no longer this runner's to renew.
   */
  private async takenOverBuild(taken: RebuildTakenOverError): Promise<RebuildResult> {
    // Still held when it was the projection's lease that was lost: given up now, for the projection's owner to adopt the build.
    await this.releaseRebuildLease(taken.built.projection);
    // The process that took it over may have started the build afresh (a `rebuild` that found the lease lapsed): that one is waited for.
    return this.switchedTo(taken.built.projection, taken.built);
  }

  /**
   * The build someone else is making while it holds the rebuild's lease: another caller in this runner (joined), a
   * `crm-cli rebuild` beside this one, or the owner finishing a build whose builder died. A rebuild asked for meanwhile
   * waits for that build's switch instead of failing: it is a build of the same code from the start of the log, and
   * serves only once caught up. A build made elsewhere is recorded a moment after its lease is taken: looked for for
   * twice the TTL, and on while that lease is live; undefined when none is made after all (nobody holds the lease).
   */
  private async otherBuild(name: string, options: RebuildOptions, askedState?: ProjectionState): Promise<RebuildResult | undefined> {
    const lane = this.lane(name);
    const asked = askedState?.collection ?? lane.state.collection;
    const lookFor = 2 * (this.options.ownership?.ttlMs ?? 0);
    let giveUpAt = Date.now() + lookFor;
    for (;;) {
      // Built here, it may be a hand-over (resolved once built, switched by the owner after) or be taken over meanwhile.
      if (this.rebuilds.isRunning(name)) {
        const built = await this.rebuilds.run(lane, options).catch((error: unknown) => {
          if (error instanceof RebuildTakenOverError) return error.built;
          // Taken by another process before it began: that one records its build, looked for below.
          if (error instanceof RebuildNotStartedError) return undefined;
          throw error;
        });
        if (built) return this.switchedTo(name, built);
        continue;
      }
      const pending = await this.options.readStore.loadState(rebuildStateName(name));
      if (pending?.collection && pending.version === lane.projection.version) {
        const built = { projection: name, collection: pending.collection, previousCollection: asked, checkpoint: pending.checkpoint };
        return this.switchedTo(name, built);
      }
      // Or it was made and switched to since this rebuild was asked for (the builder was quick).
      const serving = await this.options.readStore.loadState(name);
      if (serving?.collection && serving.collection !== asked && serving.version === lane.projection.version) {
        return { projection: name, collection: serving.collection, previousCollection: asked, checkpoint: serving.checkpoint };
      }
      if (Date.now() >= giveUpAt) {
        // Its builder may be slow to record its build (a starved machine): looked for as long as its lease is live.
        if (!(await this.rebuildLeaseHeldElsewhere(name))) return undefined;
        giveUpAt = Date.now() + lookFor;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * The build another caller or process makes, or, should none be made after all (its builder lost the lease before
   * it recorded one, and nobody holds it now), a rebuild here.
   */
  private async builtElsewhereOrHere(name: string, options: RebuildOptions, asked?: ProjectionState): Promise<RebuildResult> {
    return (await this.otherBuild(name, options, asked)) ?? this.rebuild(name, options);
  }

  /**
   * A newer build of this code that serves now than the one that served when the rebuild was asked for (`asked`, as
   * the store had it): made by another builder while this one waited for the rebuild's lease. Undefined otherwise.
   */
  private async servedSince(name: string, asked: ProjectionState | undefined): Promise<RebuildResult | undefined> {
    const { version } = this.lane(name).projection;
    const now = await this.options.readStore.loadState(name);
    if (!now?.collection || now.collection === asked?.collection || now.version !== version) return undefined;
    // Nothing recorded when asked (never built, the builder a runner that serves nothing): any build serving now is newer.
    if (asked?.collection && asked.version === version && (now.generation ?? 0) <= (asked.generation ?? 0)) return undefined;
    return { projection: name, collection: now.collection, previousCollection: asked?.collection, checkpoint: now.checkpoint };
  }

  private async rebuildLeaseHeldElsewhere(name: string): Promise<boolean> {
    const key = rebuildStateName(name);
    const leases = await this.options.readStore.listLeases();
    return leases.some((lease) => lease.name === key && lease.owner !== this.owner && Date.parse(lease.expiresAt) > Date.now());
  }

  /**
   * Waits until the projection's owner (this runner, should the owner die meanwhile) serves the build, or a newer build
   * of the same code: one that replaced it before or after it served (another `crm-cli rebuild` quicker than this look).
   */
  private async switchedTo(name: string, built: RebuildResult): Promise<RebuildResult> {
    const { projection } = this.lane(name);
    const version = projection.version;
    const served = (state: ProjectionState | undefined): RebuildResult | undefined => {
      if (!state?.collection) return undefined;
      if (state.collection === built.collection) return { ...built, checkpoint: state.checkpoint };
      const generation = generationOf(projection, built.collection);
      const newer = state.version === version && generation !== undefined && (state.generation ?? 0) > generation;
      return newer ? { ...built, collection: state.collection, checkpoint: state.checkpoint } : undefined;
    };
    for (;;) {
      const switched = served(await this.options.readStore.loadState(name));
      if (switched) return switched;
      const pending = await this.options.readStore.loadState(rebuildStateName(name));
      if (pending?.collection !== built.collection) {
        // Switched between the two reads, or discarded.
        const now = served(await this.options.readStore.loadState(name));
        if (now) return now;
        if (pending?.collection && pending.version === version) {
          built = { ...built, collection: pending.collection };
          continue;
        }
        throw new Error(`the build ${built.collection} of ${name} was discarded before the switch`);
      }
      if (!this.started) throw new Error(`stopped before the owner of ${name} switched to ${built.collection}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Builds the projection as of a position or date into `target`, leaving the serving build alone. */
  async rebuildAsOf(request: TimeTravelRequest): Promise<TimeTravelResult> {
    const projection = this.projections.get(request.name);
    if (!projection) throw new UnknownProjectionError(request.name);
    await this.checkTimeTravelTarget(projection, request.target);
    return timeTravel(this.context, projection, request);
  }

  /**
   * A time-travel build is emptied first and recorded as this projection's: its target must be a name no rebuild may
   * take (not of the form `<collection>_v<version>_<generation>`, whatever the projection: the next live rebuild would
   * take and overwrite it) and hold nothing else: no serving build, build in progress or retired build awaiting its drop
   * (dropped later, as-of build with it), no other projection's as-of build, no collection with documents that is
   * not this projection's as-of build (which may be built again). TimeTravelTargetError otherwise.
   */
  private async checkTimeTravelTarget(projection: AnyProjection, target: string): Promise<void> {
    const own = asOfStateName(projection.name, target);
    const holder = (await recordedCollections(this.options.readStore)).get(target);
    if (holder && holder.state !== own) {
      const of = projectionOfState(holder.state);
      throw new TimeTravelTargetError(
        target,
        holder.retired
          ? `is a build of ${of} a rebuild replaced, awaiting its drop`
          : isAsOfState(holder.state)
            ? `is the as-of build of ${of}`
            : holder.state === of
              ? `is the serving build of ${of}`
              : `is the build of ${of} in progress`,
      );
    }
    if (hasBuildForm(target))
      throw new TimeTravelTargetError(
        target,
        "has the form of a projection's own build (<collection>_v<version>_<generation>), which a rebuild may take",
      );
    if (!holder && (await this.options.readStore.count(target)) > 0)
      throw new TimeTravelTargetError(target, `already exists and is not an as-of build of ${projection.name}`);
  }

  private lane(name: string): Lane {
    const lane = this.serving.get(name);
    if (!lane) throw new UnknownProjectionError(name);
    return lane;
  }

  private async open(projection: AnyProjection): Promise<void> {
    const context = this.laneContext(projection.name);
    const { readStore, clock } = context;
    const stored = await readStore.loadState(projection.name);
    let state: ProjectionState;
    // Never built, and nothing to serve from here (a runner that only rebuilds): the first build is the rebuild's own,
    // and nothing is recorded or made for the serving lane (before, an empty first generation that its switch then
    // "replaced" and retired). The lane stands on an unrecorded placeholder, read as empty, until the switch.
    const placeholder = !stored?.collection && this.options.serve === false;
    if (stored?.collection) state = stored;
    else if (placeholder) {
      state = { name: projection.name, version: projection.version, generation: 1, collection: physicalCollection(projection, 1) };
    } else {
      // The first free name: not one an interrupted rebuild, a time-travel build or a retired build holds.
      const generation = await freeGeneration(readStore, projection, 1);
      const collection = physicalCollection(projection, generation);
      // Never built: whatever a lost earlier attempt left there is not to be trusted.
      await readStore.dropCollection(collection);
      state = { name: projection.name, version: projection.version, generation, collection, updatedAt: clock.now().toISOString() };
      const initial = state;
      await readStore.transaction((tx) => tx.saveState(initial));
    }
    if (!placeholder) await this.ensureIndexes(projection, state.collection as string);
    const lane = new Lane(context, projection, state, 'catch-up');
    const previous = this.serving.get(projection.name);
    this.serving.set(projection.name, lane);
    previous?.replaced();
    // Taken over after another process switched (or started over): the build served here changes with it.
    if (previous && previous.collection !== lane.collection) this.switched(lane, previous.collection);
    const pending = await readStore.loadState(rebuildStateName(projection.name));
    // Read after the states: whatever a build committed was in the log before, so only a log that lost events (restored
    // from an older backup, or another store configured) is behind a checkpoint.
    const states = await readStore.listStates();
    const head = await this.options.eventStore.headPosition();
    const fromAnotherLog = await builtFromAnotherLog(this.options.eventStore, states, head);
    const ahead = fromAnotherLog(state);
    const resumable = pending?.version === projection.version && !fromAnotherLog(pending) ? pending : undefined;
    if (pending && !resumable) await this.discard(pending, readStore);
    // Built by other code, the serving collection keeps serving as it is until the new version takes over. A build
    // ahead of the log holds what the log does not, and would pass over every event appended at a position it takes
    // for done: it is built again from the log, as for a new version.
    if (state.version === projection.version && !ahead && this.options.serve !== false) lane.start();
    if (state.version !== projection.version || ahead || resumable) {
      const started = this.startRebuild(lane, resumable);
      this.startupRebuilds.set(projection.name, started);
      void started.then((result) => {
        this.startupRebuilds.delete(projection.name);
        if (result) this.startupResults.set(projection.name, result);
      });
    }
  }

  /** A version bump or an interrupted rebuild: under the rebuild's lease, unless another process is building it. */
  private async startRebuild(lane: Lane, resumeFrom: ProjectionState | undefined): Promise<RebuildResult | undefined> {
    const name = lane.projection.name;
    if (this.rebuilds.isRunning(name) || !(await this.takeRebuildLease(name).catch(() => false))) return undefined;
    // Settled only once the lease is given back: a rebuildMany() joining this build finds it failed and the lease free,
    // and builds it itself (and reports why it fails), instead of waiting for a builder that has given up.
    return this.rebuilds
      .run(lane, {}, resumeFrom)
      .catch(() => undefined)
      .finally(() => this.releaseRebuildLease(name));
  }

  /** A rebuild for code that is no longer running: nobody will finish it. */
  private async discard(rebuild: ProjectionState, readStore: ReadStore): Promise<void> {
    if (rebuild.collection) await readStore.dropCollection(rebuild.collection);
    await readStore.transaction((tx) => tx.deleteState(rebuild.name));
  }

  private async ensureIndexes(projection: AnyProjection, collection: string): Promise<void> {
    for (const fields of projection.indexes ?? []) await this.options.readStore.ensureIndex(collection, fields);
  }

  /** A build another process makes, from the state it commits: running as far as this process can tell. */
  private elsewhereStatus(state: ProjectionState, head: string | undefined): LaneStatus {
    const checkpoint = state.checkpoint;
    const caughtUp = head === undefined || (checkpoint !== undefined && this.options.eventStore.comparePositions(checkpoint, head) >= 0);
    return {
      collection: state.collection as string,
      version: state.version,
      phase: 'running',
      checkpoint,
      caughtUp,
      lag: caughtUp ? 0 : estimateLag(checkpoint, head),
      ...(state.error ? { error: state.error } : {}),
    };
  }

  private laneStatus(lane: Lane, head: string | undefined): LaneStatus {
    const checkpoint = lane.checkpoint;
    const caughtUp = head === undefined || (checkpoint !== undefined && this.options.eventStore.comparePositions(checkpoint, head) >= 0);
    return {
      collection: lane.collection,
      version: lane.state.version,
      phase: lane.phase,
      checkpoint,
      caughtUp,
      lag: caughtUp ? 0 : estimateLag(checkpoint, head),
      ...(lane.state.error ? { error: lane.state.error } : {}),
      ...(lane.retrying ? { retrying: lane.retrying } : {}),
    };
  }
}
