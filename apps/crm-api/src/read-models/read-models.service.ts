import { Inject, Injectable, Optional } from '@nestjs/common';
import { NotCaughtUpError as ProjectionNotCaughtUp, activeCollection, generationOf, type ProjectionStatus } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE, NotCaughtUpError, READ_STORE, RequestValidationError } from '@crm/shared/http';
import type { AnyProjection, ReadStore } from '@crm/shared/read-model';
import { ALL_PROJECTIONS, type AppConfig } from '@crm/platform';
import { APP_CONFIG } from '../storage/storage.module';

export const PROJECTION_RUNNER = Symbol('ProjectionRunner');

/** The projections whose queries read only their own version's builds (`readsOwnBuildsOnly`), by name. */
const OWN_BUILDS_ONLY: ReadonlyMap<string, AnyProjection> = new Map(
  ALL_PROJECTIONS.filter((projection) => projection.readsOwnBuildsOnly).map((projection) => [projection.name, projection]),
);

/** Seconds a client waits before asking again while a projection is rebuilt for this version. */
const REBUILDING_RETRY_SECONDS = 5;

/**
 * The serving collection, unless the projection reads its own builds only and this one is another version's
 * (rebuilt for this code on start, or by `crm-cli rebuild`): then a 503 that says so.
 */
export function servedBy(projection: string, collection: string, minPosition?: string): string {
  const definition = OWN_BUILDS_ONLY.get(projection);
  if (definition === undefined || generationOf(definition, collection) !== undefined) return collection;
  throw new NotCaughtUpError(
    projection,
    minPosition ?? 'start',
    REBUILDING_RETRY_SECONDS,
    `${projection} is being rebuilt for this version: the build serving now (${collection}) was made by another version of ` +
      'the code or in another business time zone, and its days are not this version’s',
  );
}

/**
 * The projections this process owns, as queries and health see them: the ProjectionRunner itself
 * (CRM_PROJECTIONS=inline) or the read-side worker's mirror (ReadSideHost, CRM_PROJECTIONS=run).
 */
export interface ServingProjections {
  start(): Promise<void>;
  stop(): Promise<void>;
  names(): string[];
  collectionOf(name: string): string;
  waitFor(target: string, position: string, timeoutMs: number): Promise<void>;
  status(): Promise<readonly ProjectionStatus[]>;
}

/**
 * What query controllers use: the read store and a projection's serving
 * collection, after waiting (bounded) for `minPosition` — read-your-writes.
 */
@Injectable()
export class ReadModels {
  constructor(
    @Inject(READ_STORE) readonly store: ReadStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(PROJECTION_RUNNER) private readonly runner?: ServingProjections,
  ) {}

  async collection(projection: string, minPosition?: string): Promise<string> {
    if (minPosition !== undefined) await this.waitFor(projection, minPosition);
    if (this.runner) return servedBy(projection, this.runner.collectionOf(projection), minPosition);
    const collection = await activeCollection(this.store, projection);
    // The projector has not created it yet: as good as not caught up.
    if (collection === undefined) throw new NotCaughtUpError(projection, minPosition ?? 'start', 1);
    return servedBy(projection, collection, minPosition);
  }

  /**
   * Whether `projection` has applied at least what `reference` has: a read
   * model kept from another (day sums from answers) is only used once it has
   * caught up with it, e.g. not while it is first built after an upgrade.
   */
  async caughtUpWith(projection: string, reference: string): Promise<boolean> {
    const [checkpoint, other] = await Promise.all([this.store.loadCheckpoint(projection), this.store.loadCheckpoint(reference)]);
    if (other === undefined) return true;
    return checkpoint !== undefined && this.events.comparePositions(checkpoint, other) >= 0;
  }

  private async waitFor(projection: string, minPosition: string): Promise<void> {
    try {
      this.events.comparePositions(minPosition, minPosition);
    } catch {
      throw new RequestValidationError([
        { field: 'minPosition', messages: ['minPosition must be a position returned by a command reply'] },
      ]);
    }
    const timeout = this.config.readWaitMs;
    if (this.runner) {
      await this.runner.waitFor(projection, minPosition, timeout).catch((error: unknown) => {
        if (error instanceof ProjectionNotCaughtUp) throw new NotCaughtUpError(projection, minPosition, 1);
        throw error;
      });
      return;
    }
    // Projections run in another process (crm-projector): watch the checkpoint it commits.
    const deadline = Date.now() + timeout;
    for (;;) {
      const checkpoint = await this.store.loadCheckpoint(projection);
      if (checkpoint !== undefined && this.events.comparePositions(checkpoint, minPosition) >= 0) return;
      if (Date.now() >= deadline) throw new NotCaughtUpError(projection, minPosition, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
