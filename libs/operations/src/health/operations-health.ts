import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE, READ_STORE } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
import { OPERATIONS_OPTIONS, type OperationsOptions } from '../operations-options';
import { ShutdownState } from '../shutdown/shutdown-state';
import type { ProjectionView } from './projection-views';

// A store that does not answer in this time is as good as down for a readiness probe.
const STORE_TIMEOUT_MS = 2000;

export function withinTimeout<T>(work: Promise<T>, what: string, timeoutMs = STORE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The terminus indicators readiness and /health are made of. */
@Injectable()
export class OperationsHealth {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(OPERATIONS_OPTIONS) private readonly options: OperationsOptions,
  ) {}

  /** The head position, which counts every tenant's writes, only where asked (not on anonymous readiness). */
  async eventStoreReachable({ headPosition: withHead = true }: { readonly headPosition?: boolean } = {}) {
    const indicator = this.indicators.check('eventStore');
    const kind = this.options.config.eventStore;
    try {
      const headPosition = (await withinTimeout(this.eventStore.headPosition(), 'the event store')) ?? null;
      return indicator.up({ kind, ...(withHead ? { headPosition } : {}) });
    } catch (error) {
      return indicator.down({ kind, message: messageOf(error) });
    }
  }

  async readStoreReachable() {
    const indicator = this.indicators.check('readStore');
    const kind = this.options.config.readStore;
    try {
      // A point read of a state that is never written: a round trip, nothing more.
      await withinTimeout(this.readStore.loadState('~health'), 'the read store');
      return indicator.up({ kind });
    } catch (error) {
      return indicator.down({ kind, message: messageOf(error) });
    }
  }

  /**
   * Projections run here: their runner answers and has started them all (`starting`: what it is still doing, e.g.
   * taking their leases), none failed, none further behind than the configured lag.
   */
  projectionsServing(views: readonly ProjectionView[], unavailable?: string, starting?: string) {
    const indicator = this.indicators.check('projections');
    if (unavailable !== undefined) return indicator.down({ message: `the projections run here do not answer: ${unavailable}` });
    const maxLagSeconds = this.options.config.operations.readyMaxLagSeconds;
    const owned = views.filter((view) => view.owned);
    const failed = owned.filter((view) => view.error !== undefined).map((view) => view.name);
    const lagging = owned
      .filter((view) => view.error === undefined && (view.lagSeconds ?? 0) > maxLagSeconds)
      .map((view) => ({ name: view.name, lagSeconds: Math.round(view.lagSeconds ?? 0) }));
    const data = { owned: owned.length, failed, lagging, maxLagSeconds };
    // Still starting: not ready, whatever the projections opened so far say (they are shown as they are).
    if (starting !== undefined) return indicator.down({ message: starting, starting: true, ...data });
    return failed.length === 0 && lagging.length === 0 ? indicator.up(data) : indicator.down(data);
  }

  notShuttingDown() {
    const indicator = this.indicators.check('shutdown');
    return this.shutdown.draining ? indicator.down({ message: 'shutting down: finishing the requests in hand' }) : indicator.up();
  }
}
