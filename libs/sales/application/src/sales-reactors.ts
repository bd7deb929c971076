import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DomainError, type CheckpointStore, type EventStore, type Reactor } from '@crm/shared/event-sourcing';
import { EVENT_STORE, REACTOR_LEASES } from '@crm/shared/http';
import { LeasedReactor, STANDS_BY, type ReactorLeases } from '@crm/shared/read-model';
import { LeadQualificationProcess } from './lead/lead-qualification.process';
import { QuoteAcceptancePolicy } from './quote/quote-acceptance.policy';

/**
 * Where the sales reactors resume after a restart when they hold no lease. In
 * memory unless bound (a restart then replays every LeadQualified /
 * QuoteAccepted, harmless: reactions are idempotent). With REACTOR_LEASES
 * bound, checkpoints live in the lease store, each save fenced by the lease.
 */
export const SALES_CHECKPOINTS = Symbol('SalesReactorCheckpoints');

export interface SalesReactorOptions {
  /** First delay before restarting a reactor that failed; it doubles up to maxRestartDelayMs. */
  readonly restartDelayMs: number;
  readonly maxRestartDelayMs: number;
}

export const SALES_REACTOR_OPTIONS = Symbol('SalesReactorOptions');
const DEFAULT_OPTIONS: SalesReactorOptions = { restartDelayMs: 1000, maxRestartDelayMs: 30_000 };

/**
 * Runs the sales process managers from application start to shutdown. A
 * reaction refused by a business rule will be refused every time: it is
 * logged and skipped. Any other failure (store unreachable…) stops the
 * reactor before its checkpoint moves, and it restarts after a back-off.
 * With REACTOR_LEASES bound, each runs in one process at a time (its lease,
 * its checkpoint saves fenced); the others stand by and take over.
 */
@Injectable()
export class SalesReactors implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SalesReactors');
  private readonly running: readonly LeasedReactor[];

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SALES_CHECKPOINTS) checkpoints: CheckpointStore,
    qualification: LeadQualificationProcess,
    acceptance: QuoteAcceptancePolicy,
    @Optional() @Inject(SALES_REACTOR_OPTIONS) options?: Partial<SalesReactorOptions>,
    @Optional() @Inject(REACTOR_LEASES) leases?: ReactorLeases,
  ) {
    const { restartDelayMs, maxRestartDelayMs } = { ...DEFAULT_OPTIONS, ...options };
    this.running = [qualification, acceptance].map((reactor) => {
      const tolerant = this.tolerant(reactor);
      return new LeasedReactor(store, tolerant, {
        checkpoints,
        leases,
        restartDelayMs,
        maxRestartDelayMs,
        onFailure: (error, delay) => this.logger.error(`${reactor.name} stopped (${describe(error)}); restarting in ${delay} ms`),
        onOwnership: (held) => this.logger.log(`${reactor.name} ${held ? 'runs here (lease taken)' : STANDS_BY}`),
      });
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.running.map((running) => running.start()));
  }

  /** Resolves once every reactor running here has handled what the store held when it (last) started. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.running.map((running) => running.caughtUp()));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.running.map((running) => running.stop()));
  }

  private tolerant(reactor: Reactor): Reactor {
    return {
      name: reactor.name,
      filter: reactor.filter,
      react: async (event) => {
        try {
          await reactor.react(event);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          this.logger.warn(
            `${reactor.name} skipped ${event.type} ${event.metadata.eventId} of ${event.streamId}: ${error.code} ${error.message}`,
          );
        }
      },
    };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
