import { describeStatus, estimateLag, type LanePhase, type ProjectionStatus } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import type { ProjectionFailure, ProjectionState, ReadStore } from '@crm/shared/read-model';

/** What readiness, /health and /metrics need of the projections a process runs: the runner's status(). */
export interface ProjectionStatusSource {
  status(): Promise<readonly ProjectionStatus[]>;
  /**
   * While the process is still starting its projections (crm-projector taking their leases, which can take a while on
   * a long log): what it is doing; undefined once started. Readiness is 503 meanwhile, liveness is not concerned.
   */
  starting?(): string | undefined;
}

/** One projection as operators see it, whether this process runs it (`owned`) or only reads what another wrote. */
export interface ProjectionView {
  readonly name: string;
  readonly owned: boolean;
  /** Known only where the projection runs. */
  readonly phase?: LanePhase;
  readonly version?: number;
  readonly collection?: string;
  readonly checkpoint?: string;
  readonly caughtUp: boolean;
  /** Events behind the head (estimated from positions). */
  readonly lag?: number;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  readonly lagSeconds?: number;
  readonly error?: ProjectionFailure;
  readonly rebuilding?: boolean;
  /** Run elsewhere, and no process holds its lease now: nothing applies new events to it (crm-projector down?). */
  readonly unowned?: true;
  readonly summary: string;
}

export interface ProjectionViewsOptions {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  /** The projections run in this process; absent where another process runs them (the API with CRM_PROJECTIONS=off). */
  readonly owned?: ProjectionStatusSource;
  readonly now?: () => number;
}

/**
 * The projections' state for health and metrics. Where this process runs
 * them, from the runner; elsewhere, from the states the runner commits to
 * the read store, so the API in the production topology still shows what the
 * projector is doing.
 */
export class ProjectionViews {
  private readonly now: () => number;

  constructor(private readonly options: ProjectionViewsOptions) {
    this.now = options.now ?? Date.now;
  }

  get ownsProjections(): boolean {
    return this.options.owned !== undefined;
  }

  /** Why the projections run here are not all started yet (see ProjectionStatusSource.starting); undefined once they are. */
  get starting(): string | undefined {
    return this.options.owned?.starting?.();
  }

  async list(): Promise<ProjectionView[]> {
    const views = this.options.owned ? (await this.options.owned.status()).map(fromStatus) : await this.fromStates();
    return Promise.all(views.map(async (view) => ({ ...view, lagSeconds: await this.lagSeconds(view) })));
  }

  private async fromStates(): Promise<Omit<ProjectionView, 'lagSeconds'>[]> {
    const { eventStore, readStore } = this.options;
    const head = await eventStore.headPosition();
    // Serving builds only: a rebuild's state is named `<projection>~rebuild`, a process manager's checkpoint has no collection.
    const serving = (await readStore.listStates()).filter((state) => state.collection !== undefined && !state.name.includes('~'));
    const now = new Date(this.now()).toISOString();
    const held = new Set((await readStore.listLeases()).filter((lease) => lease.expiresAt > now).map((lease) => lease.name));
    return serving.map((state) => fromState(state, head, (a, b) => eventStore.comparePositions(a, b), held.has(state.name)));
  }

  /**
   * What an operator must not miss about projections run elsewhere: none built at all, some that no process runs
   * now (no live lease), or some that failed in the process that runs them. Readiness does not judge them (this
   * process does not run them); these warnings say it, and `/health` says "degraded" with any of them.
   */
  async warnings(views: readonly ProjectionView[]): Promise<string[]> {
    const elsewhere = views.filter((view) => !view.owned);
    const failed = elsewhere.filter((view) => view.error !== undefined).map((view) => view.name);
    const failures =
      failed.length === 0
        ? []
        : [
            `Failed where they run: ${failed.join(', ')} (stopped by an error in the process that runs them, see each one's ` +
              'error): their views no longer advance until it is fixed; crm-cli status tells more',
          ];
    if (this.ownsProjections) return failures;
    if (views.length === 0)
      return ['No projection has been built: the views answer 503 until crm-projector (or an API running them) starts'];
    const idle = elsewhere.filter((view) => view.unowned).map((view) => view.name);
    return [
      ...failures,
      ...(idle.length === 0
        ? []
        : [`No process runs ${idle.join(', ')} (no live lease): their views fall behind; is crm-projector running?`]),
    ];
  }

  /** How old the first event after the checkpoint is: what "behind" means to someone reading the view. */
  private async lagSeconds(view: Omit<ProjectionView, 'lagSeconds'>): Promise<number | undefined> {
    if (view.caughtUp) return 0;
    try {
      const { events } = await this.options.eventStore.readAll({ after: view.checkpoint, maxCount: 1 });
      const occurredAt = events[0] ? Date.parse(events[0].metadata.occurredAt) : Number.NaN;
      return Number.isNaN(occurredAt) ? 0 : Math.max(0, (this.now() - occurredAt) / 1000);
    } catch {
      return undefined;
    }
  }
}

function fromStatus(status: ProjectionStatus): Omit<ProjectionView, 'lagSeconds'> {
  return {
    name: status.name,
    // A lane standing by waits for another process's lease: that process runs the projection, not this one.
    owned: status.phase !== 'standby',
    phase: status.phase,
    version: status.version,
    collection: status.collection,
    checkpoint: status.checkpoint,
    caughtUp: status.caughtUp,
    lag: status.lag,
    ...(status.error ? { error: status.error } : {}),
    ...(status.rebuild ? { rebuilding: true } : {}),
    summary: describeStatus(status),
  };
}

function fromState(
  state: ProjectionState,
  head: string | undefined,
  compare: (a: string, b: string) => number,
  leased: boolean,
): Omit<ProjectionView, 'lagSeconds'> {
  const caughtUp = head === undefined || (state.checkpoint !== undefined && compare(state.checkpoint, head) >= 0);
  const where = `${state.collection ?? '?'} at ${state.checkpoint ?? 'the start'}`;
  const summary = state.error
    ? `${state.name} v${state.version ?? '?'}: FAILED on ${state.error.type} (event ${state.error.eventId} of ${state.error.streamId}, position ${state.error.position}): ${state.error.message}; ${where}`
    : `${state.name} v${state.version ?? '?'}: ${caughtUp ? 'caught up' : 'behind'} (run elsewhere${leased ? '' : ', by no process now'}); ${where}`;
  return {
    name: state.name,
    owned: false,
    version: state.version,
    collection: state.collection,
    checkpoint: state.checkpoint,
    caughtUp,
    lag: caughtUp ? 0 : estimateLag(state.checkpoint, head),
    ...(state.error ? { error: state.error } : {}),
    ...(leased ? {} : { unowned: true as const }),
    summary,
  };
}
