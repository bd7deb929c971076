import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  startReactor,
  type CheckpointStore,
  type CommandResult,
  type Reactor,
  type RecordedEvent,
  type Subscription,
} from '@crm/shared/event-sourcing';
import { CommandExecutor, REACTOR_LEASES, type CommandContext } from '@crm/shared/http';
import { derivedId } from '@crm/shared/kernel';
import { LeaseKeeper, type ReactorLeases } from '@crm/shared/read-model';
import {
  dueBreaches,
  instantOf,
  type ComplaintDecider,
  type ComplaintEvent,
  type ComplaintState,
  type MilestoneDeadline,
  type RecordSlaBreach,
} from '@crm/service/domain';
import { COMPLAINT_DECIDER, OPEN_DEADLINES } from '../../service.tokens';
import { evolveOpenDeadlines, milestonesOfDocument, type OpenDeadlines } from './open-deadlines.projection';
import type { OpenDeadlinesReadModel } from './open-deadlines.read-model';

export interface SlaTickReport {
  readonly at: string;
  /** Breaches the read model showed as due. */
  readonly due: number;
  /**
   * Breach commands that left a ComplaintSlaBreached on the stream. Another process
   * racing to the same breach may count it too: the store absorbs the second append
   * as a retry of the first, so the stream still holds one.
   */
  readonly recorded: number;
  readonly failed: number;
  /** Another process holds the watcher's lease: nothing was checked here. */
  readonly standby?: boolean;
}

const SUBSCRIBER = 'complaint-open-deadlines';
/** The lease that makes one process, of all that run the watcher, the one that records breaches. */
export const DEADLINE_WATCHER_LEASE = 'service.complaint-deadline-watcher';
const SLA_WATCHER = { id: 'system:sla-watcher', roles: ['system'] } as const;
const MAX_PER_TICK = 500;

/**
 * One id per (complaint, milestone, deadline): however many ticks, processes or restarts
 * ask, the event store's idempotency lets only the first append. The instant, not its
 * spelling, goes into the id, so `…T07:30:00Z` and `…T07:30:00.000Z` are one deadline.
 */
export function breachCommandId(complaintId: string, milestone: MilestoneDeadline): string {
  return derivedId(complaintId, `sla-breach/${milestone.milestone}/${instantOf(milestone.deadline, 'deadline')}`);
}

/**
 * Records ComplaintSlaBreached for complaints nobody touches past a deadline. Its view
 * is a read model of open deadlines fed by a catch-up subscription; the view may lag,
 * and the decider re-checks every request against the stream, so a stale view costs a
 * no-op command at worst, never a wrong or duplicate event.
 *
 * With REACTOR_LEASES bound, every process keeps its own view, but only the one holding
 * the watcher's lease records breaches (checked again before each command, by its own
 * clock, so a process paused past its lease stops before it sends another).
 */
@Injectable()
export class ComplaintDeadlineWatcher {
  private readonly logger = new Logger(ComplaintDeadlineWatcher.name);
  private subscription?: Subscription;
  private checkpoint?: string;
  private isCaughtUp = false;
  private failure?: unknown;
  private previousTick: Promise<unknown> = Promise.resolve();
  private readonly lease: LeaseKeeper | undefined;
  private owned = false;

  constructor(
    private readonly executor: CommandExecutor,
    @Inject(COMPLAINT_DECIDER) private readonly decider: ComplaintDecider,
    @Inject(OPEN_DEADLINES) private readonly model: OpenDeadlinesReadModel,
    @Optional() @Inject(REACTOR_LEASES) leases?: ReactorLeases,
  ) {
    this.lease = leases
      ? new LeaseKeeper(
          leases.store,
          DEADLINE_WATCHER_LEASE,
          leases,
          (held) => {
            if (held !== this.owned) this.logger.log(held ? 'records SLA breaches here (lease taken)' : 'stands by (lease held elsewhere)');
            this.owned = held;
          },
          (error) => this.logger.warn(`deadline watcher lease: ${String(error)}`),
        )
      : undefined;
  }

  /** This process records breaches (always, without leases). */
  get owns(): boolean {
    return this.lease ? this.lease.held : true;
  }

  /** Starts feeding the read model from where its checkpoint says (the beginning, for a fresh in-memory one). */
  async start(): Promise<void> {
    if (this.subscription) return;
    await this.lease?.start();
    this.checkpoint = await this.model.loadCheckpoint(SUBSCRIBER);
    const reactor: Reactor = {
      name: SUBSCRIBER,
      filter: { categories: ['complaint'] },
      react: async (event: RecordedEvent) => {
        const before = await this.model.get(event.metadata.tenantId, event.streamId);
        const after = evolveOpenDeadlines(before, event);
        if (after !== undefined && after !== before) await this.model.put(after);
      },
    };
    const checkpoints: CheckpointStore = {
      loadCheckpoint: (name: string) => this.model.loadCheckpoint(name),
      saveCheckpoint: (name: string, checkpoint: string) => this.model.saveCheckpoint(name, checkpoint),
    };
    const subscription = await startReactor(this.executor.store, reactor, {
      checkpoints,
      onCheckpoint: (checkpoint) => (this.checkpoint = checkpoint),
    });
    this.subscription = subscription;
    subscription.caughtUp.then(
      () => {
        // A subscription stopped and replaced meanwhile no longer speaks for the model.
        if (this.subscription === subscription) this.isCaughtUp = true;
      },
      () => undefined,
    );
    subscription.done.catch((error: unknown) => {
      this.failure = error;
      this.logger.error(`open-deadlines feed stopped: ${String(error)}`);
    });
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.isCaughtUp = false;
    await subscription?.stop();
    await this.lease?.stop();
  }

  /** True once the read model has seen every event that existed when the watcher started. */
  get caughtUp(): boolean {
    return this.isCaughtUp;
  }

  /** Waits until the read model has applied the event at `position` (read-your-writes for tests and operators). */
  async caughtUpTo(position: string, timeoutMs = 5_000): Promise<void> {
    const store = this.executor.store;
    const giveUpAt = Date.now() + timeoutMs;
    while (this.checkpoint === undefined || store.comparePositions(this.checkpoint, position) < 0) {
      if (this.failure !== undefined) throw this.failure;
      if (this.subscription === undefined) throw new Error('the deadline watcher is not running');
      if (Date.now() > giveUpAt) throw new Error(`the open-deadlines read model has not reached position ${position}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Records every breach due at `now`; one complaint's failure does not hold up the others.
   * Ticks of one watcher run one after another: overlapping ones would only race to the same commands.
   */
  tick(now: Date): Promise<SlaTickReport> {
    const run = this.previousTick.then(() => this.check(now));
    this.previousTick = run.catch(() => undefined);
    return run;
  }

  private async check(now: Date): Promise<SlaTickReport> {
    const at = now.toISOString();
    let due = 0;
    let recorded = 0;
    let failed = 0;
    if (!this.owns) return { at, due, recorded, failed, standby: true };
    for (const doc of await this.model.pastDue(at, MAX_PER_TICK)) {
      for (const milestone of dueBreaches(milestonesOfDocument(doc), at)) {
        // Lost the lease mid-tick (paused past it): the new owner records the rest.
        if (!this.owns) return { at, due, recorded, failed, standby: true };
        due += 1;
        try {
          const result = await this.recordBreach(doc, milestone, now);
          if (!result.duplicate && result.events.length > 0) recorded += 1;
        } catch (error) {
          failed += 1;
          this.logger.error(`could not record the ${milestone.milestone} breach of ${doc.streamId}: ${String(error)}`);
        }
      }
    }
    return { at, due, recorded, failed };
  }

  private recordBreach(
    doc: OpenDeadlines,
    milestone: MilestoneDeadline,
    now: Date,
  ): Promise<CommandResult<ComplaintState, ComplaintEvent>> {
    const command: RecordSlaBreach = {
      type: 'RecordSlaBreach',
      data: { milestone: milestone.milestone, deadline: milestone.deadline, detectedAt: now.toISOString() },
    };
    const context: CommandContext = {
      commandId: breachCommandId(doc.complaintId, milestone),
      actor: SLA_WATCHER,
      tenantId: doc.tenantId,
    };
    return this.executor.execute(this.decider, doc.streamId, command, context, now);
  }
}
