import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CLOCK } from '@crm/shared/http';
import type { Clock } from '@crm/shared/kernel';
import type { ServiceConfig } from '../../service-config';
import { SERVICE_CONFIG } from '../../service.tokens';
import { ComplaintDeadlineWatcher } from './complaint-deadline-watcher';

/**
 * Runs the deadline watcher every `slaCheckIntervalMs` on the process clock. Started on
 * bootstrap, stopped before the event store closes (module destroy precedes shutdown).
 * With an interval of 0 the watcher is not started at all: no lease taken, no model fed.
 */
@Injectable()
export class SlaScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SlaScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly watcher: ComplaintDeadlineWatcher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const every = this.config.slaCheckIntervalMs;
    // Off (0): this process neither checks nor takes the watcher's lease, which would keep a process that checks from
    // recording any breach for as long as this one lives (an outside probe saw breaches held back until it stopped).
    if (every <= 0) return;
    await this.watcher.start();
    this.timer = setInterval(() => this.runTick(), every);
    // The HTTP server keeps the process alive; the scheduler must not hold it up on exit.
    this.timer.unref();
  }

  private runTick(): void {
    // A tick slower than the interval is not overlapped, and one over a half-built view
    // would only send no-op commands for complaints whose later events it has not seen.
    if (this.running !== undefined || !this.watcher.caughtUp) return;
    this.running = this.watcher
      .tick(this.clock.now())
      .then(
        (report) => {
          if (report.recorded > 0 || report.failed > 0) this.logger.log(`SLA check at ${report.at}: ${JSON.stringify(report)}`);
        },
        (error: unknown) => this.logger.error(`SLA check failed: ${String(error)}`),
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.watcher.stop();
  }
}
