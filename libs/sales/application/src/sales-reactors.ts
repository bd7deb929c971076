import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  DomainError,
  startReactor,
  type CheckpointStore,
  type EventStore,
  type Reactor,
  type Subscription,
} from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import { LeadQualificationProcess } from './lead/lead-qualification.process';
import { QuoteAcceptancePolicy } from './quote/quote-acceptance.policy';

/**
 * Where the sales reactors resume after a restart. In memory for now, so a
 * restart replays every LeadQualified / QuoteAccepted (harmless: reactions
 * are idempotent); the projections runtime's durable store will be bound here.
 */
export const SALES_CHECKPOINTS = Symbol('SalesReactorCheckpoints');

export interface SalesReactorOptions {
  /** First delay before restarting a reactor that failed; it doubles up to maxRestartDelayMs. */
  readonly restartDelayMs: number;
  readonly maxRestartDelayMs: number;
}

export const SALES_REACTOR_OPTIONS = Symbol('SalesReactorOptions');
const DEFAULT_OPTIONS: SalesReactorOptions = { restartDelayMs: 1000, maxRestartDelayMs: 30_000 };

interface Running {
  readonly reactor: Reactor;
  subscription?: Subscription;
  restart?: NodeJS.Timeout;
  failures: number;
}

/**
 * Runs the sales process managers from application start to shutdown. A
 * reaction refused by a business rule will be refused every time: it is
 * logged and skipped. Any other failure (store unreachable…) stops the
 * reactor before its checkpoint moves, and it restarts after a back-off.
 */
@Injectable()
export class SalesReactors implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SalesReactors');
  private readonly options: SalesReactorOptions;
  private readonly running: Running[];
  private stopping = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SALES_CHECKPOINTS) private readonly checkpoints: CheckpointStore,
    qualification: LeadQualificationProcess,
    acceptance: QuoteAcceptancePolicy,
    @Optional() @Inject(SALES_REACTOR_OPTIONS) options?: Partial<SalesReactorOptions>,
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.running = [qualification, acceptance].map((reactor) => ({ reactor: this.tolerant(reactor), failures: 0 }));
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.running.map((running) => this.start(running)));
  }

  /** Resolves once every reactor has handled what the store held when it (last) started. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.running.map((running) => running.subscription?.caughtUp));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    for (const running of this.running) clearTimeout(running.restart);
    await Promise.all(this.running.map((running) => running.subscription?.stop()));
  }

  private async start(running: Running): Promise<void> {
    if (this.stopping) return;
    try {
      const subscription = await startReactor(this.store, running.reactor, { checkpoints: this.checkpoints });
      running.subscription = subscription;
      void subscription.caughtUp.then(
        () => (running.failures = 0),
        () => undefined,
      );
      subscription.done.catch((error: unknown) => this.restartLater(running, error));
    } catch (error) {
      this.restartLater(running, error);
    }
  }

  private restartLater(running: Running, error: unknown): void {
    if (this.stopping) return;
    running.failures += 1;
    const delay = Math.min(this.options.maxRestartDelayMs, this.options.restartDelayMs * 2 ** (running.failures - 1));
    this.logger.error(`${running.reactor.name} stopped (${describe(error)}); restarting in ${delay} ms`);
    running.restart = setTimeout(() => void this.start(running), delay);
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
