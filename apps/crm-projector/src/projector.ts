import {
  describeStatus,
  type LaneStatus,
  ProjectionRunner,
  type ProjectionProgress,
  type ProjectionRunnerOptions,
  type ProjectionStatus,
  switchLine,
} from '@crm/projections/runtime';
import { watchErasures } from '@crm/privacy/application';
import type { EventStore } from '@crm/shared/event-sourcing';
import { personalDataLayer } from '@crm/shared/personal-data';
import type { AnyProjection, ReadStore } from '@crm/shared/read-model';

export interface ProjectorLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ProjectorOptions {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly projections: readonly AnyProjection[];
  readonly log: ProjectorLog;
  /** Every projection's status line this often; default 60 s (0: never). */
  readonly statusEveryMs?: number;
  /** How often state changes (errors, caught up, switch-overs) are looked for; default 1 s. */
  readonly watchEveryMs?: number;
  /** A catch-up or rebuild progress line per projection at most this often; default 5 s. */
  readonly progressEveryMs?: number;
  /** Every batch applied, for metrics. */
  readonly onBatch?: ProjectionRunnerOptions['onBatch'];
  /** Run each projection only while holding its lease (several projectors: one owner each, standbys take over). */
  readonly ownership?: ProjectionRunnerOptions['ownership'];
  readonly retireGraceMs?: number;
}

export interface Projector {
  readonly runner: ProjectionRunner;
  /** Every projection finishes its batch and saves its checkpoint (after the start in hand, if any, has finished). */
  stop(): Promise<void>;
}

/** A projector made but not yet (or not yet fully) started: what its health port can report meanwhile. */
export interface StartingProjector extends Projector {
  /** Takes the leases and starts the projections (once; later calls get the same promise). */
  start(): Promise<void>;
  /**
   * Until start() has asked for every lease and started what it took: what it is doing, e.g. "starting: taking the
   * leases of the projections (3 of 15 taken so far)"; then undefined. Readiness is 503 meanwhile.
   */
  starting(): string | undefined;
  /** The runner's status, for health and metrics (the projections opened so far, while starting). */
  status(): ReturnType<ProjectionRunner['status']>;
}

function progressLine(progress: ProjectionProgress): string {
  const percent = progress.fraction === undefined ? '' : ` ${Math.floor(progress.fraction * 100)}%`;
  const counts =
    progress.doneEstimate === undefined || progress.totalEstimate === undefined
      ? ''
      : ` (${progress.doneEstimate.toLocaleString('en-US')}/${progress.totalEstimate.toLocaleString('en-US')} events of the log)`;
  const rate = `${Math.round(progress.eventsPerSecond).toLocaleString('en-US')} events/s applied`;
  return `${progress.projection} ${progress.phase}${percent}${counts}, ${rate}, at ${progress.checkpoint ?? 'the start'} into ${progress.collection}`;
}

/** What is worth a log line when it changes: the phase, an error, a retry, a rebuild, a switch-over. */
function fingerprint(status: ProjectionStatus): string {
  const lane = (s: LaneStatus) => `${s.phase}|${s.error?.eventId ?? ''}|${s.retrying?.attempt ?? ''}`;
  return `${lane(status)}|${status.collection}|${status.rebuild ? lane(status.rebuild) : '-'}`;
}

/**
 * The production topology's worker (DESIGN.md "Layout"): runs the
 * projections against the stores until stopped, and says in its log what
 * each is doing: progress while catching up or rebuilding, a line when one
 * fails, retries, catches up or switches to a rebuilt version, and every
 * projection's status now and then.
 */
export async function startProjector(options: ProjectorOptions): Promise<Projector> {
  const projector = createProjector(options);
  await projector.start();
  return projector;
}

/**
 * The projector, not started: the caller serves its health port first (taking every lease and opening every
 * projection can take a while on a long log, and a liveness probe must be answered meanwhile), then calls start().
 */
export function createProjector(options: ProjectorOptions): StartingProjector {
  const { log } = options;
  const lastProgress = new Map<string, number>();
  const progressEvery = options.progressEveryMs ?? 5000;
  const names = options.projections.map((p) => p.name);
  const taken = new Set<string>();
  let started = false;
  const runner = new ProjectionRunner({
    eventStore: options.eventStore,
    readStore: options.readStore,
    projections: options.projections,
    onBatch: options.onBatch,
    ...(options.ownership ? { ownership: options.ownership } : {}),
    ...(options.retireGraceMs === undefined ? {} : { retireGraceMs: options.retireGraceMs }),
    onOwnership: (name, owned, epoch) => {
      if (owned) taken.add(name);
      log.info(owned ? `took over ${name} (lease epoch ${epoch})` : `${name} is run by another process now: standing by`);
    },
    onSwitch: (switched) => log.info(switchLine(switched)),
    onProgress: (progress) => {
      const key = `${progress.projection}/${progress.phase}`;
      const now = Date.now();
      if (!progress.done && now - (lastProgress.get(key) ?? 0) < progressEvery) return;
      lastProgress.set(key, now);
      log.info(progressLine(progress));
    },
  });
  const seen = new Map<string, string>();
  // Caught up once per build: live, a projection is behind for a moment after every append.
  const caughtUp = new Set<string>();
  const watch = async (all: boolean) => {
    for (const status of await runner.status()) {
      if (status.caughtUp && !caughtUp.has(status.collection)) {
        caughtUp.add(status.collection);
        log.info(`${status.name} caught up at ${status.checkpoint ?? 'the start'} in ${status.collection}`);
      }
      const print = fingerprint(status);
      const before = seen.get(status.name);
      seen.set(status.name, print);
      const notable = status.error || status.retrying || status.rebuild;
      // The first look only reports what is notable; the caught-up line above says the rest.
      if (!all && (before === print || (before === undefined && !notable))) continue;
      const line = describeStatus(status);
      if (status.error || status.rebuild?.error) log.error(line);
      else if (status.retrying || status.rebuild?.retrying) log.warn(line);
      else log.info(line);
    }
  };
  let erasures: Awaited<ReturnType<typeof watchErasures>> | undefined;
  let watcher: NodeJS.Timeout | undefined;
  let reporter: NodeJS.Timeout | undefined;
  let watching: Promise<void> | undefined;
  const tick = (all: boolean) => {
    // One look at a time: while a slow store answers, later ticks are skipped rather than queued.
    if (watching) return;
    watching = watch(all)
      .catch((error: unknown) => log.warn(`status unavailable: ${String(error)}`))
      .finally(() => (watching = undefined));
  };
  const begin = async () => {
    log.info(`running ${names.length} projections: ${names.join(', ') || '(none registered)'}`);
    // An erasure made by an API process: the lanes stop, forget the keys and purge what they wrote meanwhile.
    erasures = await watchErasures({
      eventStore: options.eventStore,
      readStore: options.readStore,
      keys: personalDataLayer(options.eventStore)?.keys,
      runner,
      log: (message) => log.info(message),
    });
    await runner.start();
    started = true;
    const here = options.ownership ? taken.size : names.length;
    log.info(`started: ${here} of ${names.length} projections run here${here < names.length ? ', the others by another process' : ''}`);
    watcher = setInterval(() => tick(false), options.watchEveryMs ?? 1000);
    const statusEvery = options.statusEveryMs ?? 60_000;
    reporter = statusEvery > 0 ? setInterval(() => tick(true), statusEvery) : undefined;
  };
  let starting: Promise<void> | undefined;
  return {
    runner,
    start: () => (starting ??= begin()),
    starting: () => {
      if (started) return undefined;
      return options.ownership
        ? `starting: taking the leases of the projections (${taken.size} of ${names.length} taken so far)`
        : 'starting: opening the projections';
    },
    status: () => runner.status(),
    async stop() {
      await starting?.catch(() => undefined);
      clearInterval(watcher);
      clearInterval(reporter);
      await watching;
      await erasures?.stop();
      await runner.stop();
      for (const status of await runner.status()) log.info(`stopped: ${describeStatus(status)}`);
    },
  };
}
