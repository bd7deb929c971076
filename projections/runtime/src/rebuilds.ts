import { retryTransient } from '@crm/shared/kernel';
import { LeaseLostError, type AnyProjection, type ProjectionState, type ReadStore } from '@crm/shared/read-model';
import { ProjectionFailedError } from './errors';
import { Lane, type LaneContext } from './lane';
import { freeGeneration, physicalCollection, rebuildStateName, retiredStateName } from './naming';
import type { ProjectionProgress } from './progress';
import { eventSourceOf, scanReaderOf } from './event-sources';

export interface RebuildOptions {
  readonly onProgress?: (progress: ProjectionProgress) => void;
  /**
   * Build, mark the build ready and stop: another process owns the projection and makes the switch
   * (the CLI next to a serving process). Resolves once built; the runner then waits for the switch.
   */
  readonly handOver?: boolean;
}

export interface RebuildResult {
  readonly projection: string;
  /** The physical collection now serving. */
  readonly collection: string;
  readonly previousCollection: string | undefined;
  readonly checkpoint: string | undefined;
}

/** How often a rebuild's lane retries an error the store does not report as passing before the rebuild gives up. */
const REBUILD_ATTEMPTS = 3;

/**
 * This builder lost its rebuild's lease (paused past it: a long garbage collection, a stalled disk, a starved thread) and
 * another process took the build over: the projection's owner adopts it, another builder resumes it. Either goes on
 * with the same build (same collection, from what was committed here; the fence refused anything later), so the
 * runner waits for the switch to it instead of failing the rebuild. Or this builder owned the projection and lost
 * the projection's lease before its switch: it still holds the rebuild's lease, and gives it up for the projection's
 * new owner (another process, or this runner again at a new epoch) to adopt the build and switch to it.
 */
export class RebuildTakenOverError extends Error {
  constructor(readonly built: RebuildResult) {
    super(`the rebuild of ${built.projection} into ${built.collection} was taken over by another process`);
    this.name = 'RebuildTakenOverError';
  }
}

/**
 * The rebuild's lease went to another process before this builder had recorded its build (it lapsed while this runner
 * waited its turn on a starved thread): that process builds the projection, and the runner waits for its switch.
 */
export class RebuildNotStartedError extends Error {
  constructor(readonly projection: string) {
    super(`the rebuild of ${projection} was taken by another process before it began`);
    this.name = 'RebuildNotStartedError';
  }
}

/** `error` as a RebuildNotStartedError when it says that the rebuild's lease was lost while its build was set up. */
function notStarted(error: unknown, projection: AnyProjection): unknown {
  return error instanceof LeaseLostError && error.lease === rebuildStateName(projection.name)
    ? new RebuildNotStartedError(projection.name)
    : error;
}

/** What the build in `lane` is, as far as this builder took it. */
function builtSoFar(serving: Lane, lane: Lane): RebuildResult {
  return {
    projection: serving.projection.name,
    collection: lane.collection,
    previousCollection: serving.state.collection,
    checkpoint: lane.checkpoint,
  };
}

/**
 * `error` as a RebuildTakenOverError when it says that the rebuild's own lease went to another process, or the
 * projection's (only the switch writes under that one: the build's batches are fenced by the rebuild's lease).
 */
function takenOver(error: unknown, serving: Lane, lane: Lane): unknown {
  const lost = error instanceof LeaseLostError && (error.lease === lane.state.name || error.lease === serving.projection.name);
  return lost ? new RebuildTakenOverError(builtSoFar(serving, lane)) : error;
}

/** A projection serving another build than before (ProjectionRunnerOptions.onSwitch). */
export interface BuildSwitch {
  readonly name: string;
  readonly collection: string;
  /** The build served before, in this process. */
  readonly previous: string | undefined;
  readonly checkpoint: string | undefined;
}

/** The log line of a switch, the same in every process that runs projections. */
export function switchLine({ name, collection, previous, checkpoint }: BuildSwitch): string {
  return `${name} serves ${collection} now${previous ? ` (was ${previous})` : ''}, at ${checkpoint ?? 'the start'}`;
}

export interface RebuildContext extends LaneContext {
  readonly dropReplacedCollections: boolean;
  /** How long a replaced collection stays for readers that looked up the old one; 0 drops it at once. */
  readonly retireGraceMs: number;
  /**
   * How long a rebuild's writes (batches, indexes, the switch) wait out a store's passing refusals (see
   * isTransientStoreError: SQLite's "database is locked" while another writer holds the file) before it fails.
   */
  readonly transientRetryMs: number;
  ensureIndexes(projection: AnyProjection, collection: string): Promise<void>;
  /** The context a rebuild lane writes with (fenced by the rebuild's own lease); default the serving lane's. */
  rebuildContextOf?(name: string): LaneContext;
  /** Told once a switch has committed: the projection serves `collection` now instead of `previous`. */
  onSwitch?(switched: BuildSwitch): void;
}

/**
 * Blue/green rebuilds: a second lane builds the projection from the start
 * into a fresh physical collection while the serving lane keeps answering
 * from the old one. When the new build has caught up, both stop, the new one
 * is brought exactly level with (or past) the old one, and a single
 * read-store transaction makes it the serving build.
 */
export class Rebuilds {
  private readonly lanes = new Map<string, Lane>();
  private readonly running = new Map<string, Promise<RebuildResult>>();
  /** The builds of one-scan rebuilds (`runMany`) while they scan: fed page by page, never started as lanes. */
  private readonly scanning = new Set<Lane>();
  /** Each scan's page in hand, from its read to its commits. */
  private readonly pages = new Set<Promise<void>>();
  /** Set while `pauseScans` runs: no scan reads another page until it resolves. */
  private paused: Promise<void> | undefined;

  constructor(private readonly context: RebuildContext) {}

  /**
   * Runs `work` between two pages of every one-scan rebuild: the page in hand (read, opened and folded) commits
   * first, no other is read until `work` is done, and the builds' document caches are emptied before the scans go
   * on, so nothing read before `work` is written after it (what `ProjectionRunner.quiesce`, which calls this one at
   * a time, does for started lanes). `work` gets the builds being scanned.
   */
  async pauseScans<T>(work: (builds: readonly Lane[]) => Promise<T>): Promise<T> {
    let resume = (): void => undefined;
    this.paused = new Promise<void>((resolve) => (resume = resolve));
    try {
      await Promise.all([...this.pages]);
      const builds = [...this.scanning];
      try {
        return await work(builds);
      } finally {
        for (const build of builds) build.forgetDocuments();
      }
    } finally {
      this.paused = undefined;
      resume();
    }
  }

  lane(name: string): Lane | undefined {
    return this.lanes.get(name);
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  all(): Lane[] {
    return [...this.lanes.values()];
  }

  /** Starts (or joins) the rebuild of a serving lane; `resumeFrom` continues one a crash interrupted. */
  run(serving: Lane, options: RebuildOptions = {}, resumeFrom?: ProjectionState): Promise<RebuildResult> {
    const name = serving.projection.name;
    let running = this.running.get(name);
    if (!running) {
      running = this.build(serving, options, resumeFrom).finally(() => this.running.delete(name));
      this.running.set(name, running);
    }
    return running;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((lane) => lane.close()));
    await Promise.allSettled([...this.running.values()]);
  }

  private async build(serving: Lane, options: RebuildOptions, resumeFrom: ProjectionState | undefined): Promise<RebuildResult> {
    const { projection } = serving;
    const context = this.context.rebuildContextOf?.(projection.name) ?? serving.context;
    const { ready: _ready, ...resumed } = resumeFrom ?? {};
    const state = resumeFrom
      ? (resumed as ProjectionState)
      : await this.freshState(projection, serving.state, context.readStore).catch((error: unknown) => {
          throw notStarted(error, projection);
        });
    const lane = new Lane(context, projection, state, 'rebuild', options.onProgress ?? this.context.onProgress);
    this.lanes.set(projection.name, lane);
    lane.start();
    try {
      await lane.until(() => {
        if (lane.caughtUp) return true;
        if (lane.phase === 'failed' && lane.state.error) return new ProjectionFailedError(projection.name, lane.state.error);
        // A rebuild that keeps failing the same way gives up and says why (before, a resumed one waited for ever).
        const failing = lane.failingAfter(REBUILD_ATTEMPTS);
        if (failing !== undefined) return new Error(`rebuild of ${projection.name} failed ${REBUILD_ATTEMPTS} times: ${failing}`);
        // Fenced off (a commit refused) or told so by the runner's lease round (a renewal refused).
        if (lane.phase === 'standby') return new RebuildTakenOverError(builtSoFar(serving, lane));
        return lane.isClosed || serving.isClosed ? new Error(`rebuild of ${projection.name} stopped`) : false;
      });
      return await this.finish(serving, lane, context, options);
    } catch (error) {
      const reason = takenOver(error, serving, lane);
      const taken = reason instanceof RebuildTakenOverError;
      // The runner may have stopped while this lane was being set up: it must not outlive it. Nor one taken over.
      if (serving.isClosed || taken) await lane.close();
      if (taken) this.lanes.delete(projection.name);
      throw reason;
    }
  }

  /** A build at the head: indexed, then handed over (marked ready) or switched to. */
  private async finish(serving: Lane, lane: Lane, context: LaneContext, options: RebuildOptions): Promise<RebuildResult> {
    const { projection } = serving;
    // Nothing queries the new build before the switch, so it loads without indexes and gets them once, now
    // (while it tails live): cheaper than keeping them up to date through every write of the bulk load.
    try {
      await this.persist(
        () => this.context.ensureIndexes(projection, lane.collection),
        () => lane.isClosed || serving.isClosed,
      );
    } catch (error) {
      await lane.stop();
      throw error;
    }
    if (options.handOver) {
      await lane.stop();
      const ready: ProjectionState = { ...lane.state, ready: true, updatedAt: this.context.clock.now().toISOString() };
      await this.persist(() => context.readStore.transaction((tx) => tx.saveState(ready)));
      this.lanes.delete(projection.name);
      return builtSoFar(serving, lane);
    }
    return this.switchOver(serving, lane, options);
  }

  /**
   * Rebuild many projections from ONE scan of `$all`: each gets a fresh build (or resumes one) that is
   * fed its own events from the shared pages, one read-store transaction per projection per page, without
   * waiting for the disk; at the head, each finishes as `run` does (tail, indexes, switch or hand-over).
   */
  async runMany(servingLanes: readonly Lane[], options: RebuildOptions, resumable: (name: string) => Promise<ProjectionState | undefined>) {
    const { eventStore, rebuildBatchSize } = this.context;
    const compare = (a: string, b: string) => eventStore.comparePositions(a, b);
    const building: { serving: Lane; lane: Lane }[] = [];
    const outcomes = new Map<string, RebuildResult | RebuildTakenOverError | RebuildNotStartedError>();
    for (const serving of servingLanes) {
      const { projection } = serving;
      const context = this.context.rebuildContextOf?.(projection.name) ?? serving.context;
      const pending = await resumable(projection.name);
      const { ready: _ready, ...resumed } = pending ?? {};
      let state: ProjectionState;
      try {
        state = pending ? (resumed as ProjectionState) : await this.freshState(projection, serving.state, context.readStore);
      } catch (error) {
        const reason = notStarted(error, projection);
        if (!(reason instanceof RebuildNotStartedError)) throw reason;
        outcomes.set(projection.name, reason);
        continue;
      }
      building.push({ serving, lane: new Lane(context, projection, state, 'rebuild', options.onProgress ?? this.context.onProgress) });
    }
    const types = new Set(building.flatMap(({ lane }) => lane.projection.eventTypes ?? []));
    const wantedTypes = new Map(
      building.map(({ lane }) => [
        lane.projection.name,
        lane.projection.eventTypes ? new Set<string>(lane.projection.eventTypes) : undefined,
      ]),
    );
    const everyType = building.some(({ lane }) => !lane.projection.eventTypes);
    const readPage = scanReaderOf(
      eventStore,
      building.map(({ lane }) => lane.projection),
    );
    const failed = new Map<string, unknown>();
    let after = building.reduce<string | undefined>((low, { lane }) => {
      const at = lane.checkpoint;
      if (at === undefined || low === undefined) return undefined;
      return compare(at, low) < 0 ? at : low;
    }, building[0]?.lane.checkpoint);
    const start = building.length > 0 && building.every(({ lane }) => lane.checkpoint !== undefined) ? after : undefined;
    after = start;
    for (const { lane } of building) this.scanning.add(lane);
    try {
      for (;;) {
        while (this.paused) await this.paused;
        const live = building.filter(({ lane }) => !failed.has(lane.projection.name));
        if (live.length === 0) break;
        let pageDone = (): void => undefined;
        const page = new Promise<void>((resolve) => (pageDone = resolve));
        this.pages.add(page);
        try {
          const slice = await readPage({
            after,
            maxCount: rebuildBatchSize,
            ...(everyType ? {} : { filter: { eventTypes: [...types] } }),
          });
          if (slice.checkpoint === undefined || slice.checkpoint === after) break;
          const through = slice.checkpoint;
          await Promise.all(
            live.map(async ({ serving, lane }) => {
              const from = lane.checkpoint;
              if (from !== undefined && compare(from, through) >= 0) return;
              const wanted = wantedTypes.get(lane.projection.name);
              // A lane at the page's start (the usual case) takes every event of its types without comparing positions.
              const behind = from === undefined || (after !== undefined && compare(from, after) <= 0);
              const events = slice.events.filter(
                (event) => (!wanted || wanted.has(event.type)) && (behind || compare(event.position, from as string) > 0),
              );
              try {
                // The batch is in hand and a failed commit leaves the lane as it was: the same batch again.
                await this.persist(
                  () => lane.apply(events, through),
                  () => serving.isClosed,
                );
              } catch (error) {
                failed.set(lane.projection.name, error);
              }
            }),
          );
          after = through;
          if (slice.isEnd) break;
        } finally {
          this.pages.delete(page);
          pageDone();
        }
      }
    } finally {
      for (const { lane } of building) this.scanning.delete(lane);
    }
    // The tail since the scan, the indexes and the switch (or the hand-over): as a single rebuild resumes.
    for (const { serving, lane } of building) {
      const name = lane.projection.name;
      if (failed.has(name)) {
        const reason = takenOver(failed.get(name), serving, lane);
        if (!(reason instanceof RebuildTakenOverError)) throw reason;
        outcomes.set(name, reason);
        continue;
      }
      let running = this.running.get(name);
      if (!running) {
        running = this.build(serving, options, lane.state).finally(() => this.running.delete(name));
        this.running.set(name, running);
      }
      outcomes.set(
        name,
        await running.catch((error: unknown) => {
          // A build another caller here began (and lost before it began, or later): as a build of this scan would end.
          if (error instanceof RebuildTakenOverError || error instanceof RebuildNotStartedError) return error;
          throw error;
        }),
      );
    }
    // In the order asked: each a build (switched, or handed over), or a build another process took over or began.
    return servingLanes.map(
      ({ projection }) => outcomes.get(projection.name) as RebuildResult | RebuildTakenOverError | RebuildNotStartedError,
    );
  }

  private async freshState(projection: AnyProjection, serving: ProjectionState, readStore: ReadStore): Promise<ProjectionState> {
    const { clock } = this.context;
    const previous = await readStore.loadState(rebuildStateName(projection.name));
    // What serves now, as the store has it: another builder may have switched since this process read its state (two
    // `crm-cli rebuild` beside each other), and its build must be neither this one's number nor dropped as a leftover.
    const stored = await readStore.loadState(projection.name);
    // A leftover of an abandoned attempt must not leak into this build.
    if (previous?.collection && previous.collection !== serving.collection && previous.collection !== stored?.collection) {
      const leftover = previous.collection;
      await this.persist(() => readStore.dropCollection(leftover));
    }
    // The next free version name: never one in use (a time-travel build, a retired build awaiting its drop, another
    // projection's build, a collection holding documents), which this build would empty and overwrite, and whose
    // record would then point at it (or whose drop would drop it).
    const after = Math.max(serving.generation ?? 0, stored?.generation ?? 0, previous?.generation ?? 0) + 1;
    const own = rebuildStateName(projection.name);
    const generation = await this.persist(() =>
      freeGeneration(readStore, projection, after, { except: (state) => state === own, skipExisting: true }),
    );
    const collection = physicalCollection(projection, generation);
    await this.persist(() => readStore.dropCollection(collection));
    const state: ProjectionState = {
      name: rebuildStateName(projection.name),
      version: projection.version,
      generation,
      collection,
      updatedAt: clock.now().toISOString(),
    };
    await this.persist(() => readStore.transaction((tx) => tx.saveState(state)));
    return state;
  }

  private async switchOver(serving: Lane, lane: Lane, options: RebuildOptions): Promise<RebuildResult> {
    const { clock } = this.context;
    const readStore = serving.context.readStore;
    const name = serving.projection.name;
    await lane.stop();
    await serving.stop();
    let switched = false;
    try {
      await this.catchUp(lane, serving.checkpoint, () => serving.isClosed);
      // The build this one replaces is the one the store serves (this runner's may be older: it serves nothing). None
      // when the store records none: a never-built projection whose runner serves nothing stands on a placeholder.
      const served = await readStore.loadState(name);
      const previousCollection = served ? (served.collection ?? serving.state.collection) : undefined;
      const collection = lane.collection;
      const next: ProjectionState = {
        name,
        version: lane.state.version,
        generation: lane.state.generation,
        collection,
        ...(lane.checkpoint === undefined ? {} : { checkpoint: lane.checkpoint }),
        ...(lane.state.seen ? { seen: lane.state.seen } : {}),
        updatedAt: clock.now().toISOString(),
      };
      const replaced = this.context.dropReplacedCollections && previousCollection && previousCollection !== collection;
      const grace = this.context.retireGraceMs;
      const retired = replaced && grace > 0 ? await readStore.loadState(retiredStateName(name)) : undefined;
      // One transaction: the version pointer moves, the rebuild's record goes, the old build is put aside for the grace period.
      await this.persist(() =>
        readStore.transaction((tx) => {
          tx.saveState(next);
          tx.deleteState(lane.state.name);
          if (replaced && grace > 0) {
            const dropAfter = new Date(clock.now().getTime() + grace).toISOString();
            tx.saveState({
              name: retiredStateName(name),
              retired: [...(retired?.retired ?? []), { collection: previousCollection, dropAfter }],
            });
          }
        }),
      );
      switched = true;
      serving.replaceState(next);
      this.lanes.delete(name);
      this.context.onSwitch?.({ name, collection, previous: previousCollection, checkpoint: next.checkpoint });
      if (replaced && grace <= 0) await this.persist(() => readStore.dropCollection(previousCollection));
      options.onProgress?.({
        projection: name,
        phase: 'rebuild',
        collection,
        eventsApplied: 0,
        checkpoint: next.checkpoint,
        head: next.checkpoint,
        doneEstimate: undefined,
        totalEstimate: undefined,
        fraction: 1,
        eventsPerSecond: 0,
        done: true,
      });
      return { projection: name, collection, previousCollection, checkpoint: next.checkpoint };
    } finally {
      // Whatever happened, the serving lane serves on: the new build if it switched, the old one if not; unless the
      // projection's lease went elsewhere meanwhile (the lane stood by to follow its new owner).
      if (!serving.isClosed && serving.phase !== 'standby' && (switched || serving.state.version === serving.projection.version))
        serving.start();
    }
  }

  /** Reads on from the rebuild's checkpoint until it is at least where the serving build stopped. */
  private async catchUp(lane: Lane, target: string | undefined, stopped: () => boolean): Promise<void> {
    const { eventStore, rebuildBatchSize } = this.context;
    while (target !== undefined && (lane.checkpoint === undefined || eventStore.comparePositions(lane.checkpoint, target) < 0)) {
      const slice = await eventSourceOf(eventStore, lane.projection).readAll({
        after: lane.checkpoint,
        maxCount: rebuildBatchSize,
        filter: { eventTypes: lane.projection.eventTypes },
      });
      if (slice.checkpoint === undefined || slice.checkpoint === lane.checkpoint) return;
      const through = slice.checkpoint;
      await this.persist(() => lane.apply(slice.events, through), stopped);
    }
  }

  /** A rebuild's write, again after a store's passing refusal (retryTransient), until `stopped` or the window ends. */
  private persist<T>(work: () => Promise<T>, stopped?: () => boolean): Promise<T> {
    const { retryDelayMs, transientRetryMs } = this.context;
    return retryTransient(work, { retryDelayMs, windowMs: transientRetryMs, ...(stopped ? { stopped } : {}) });
  }
}
