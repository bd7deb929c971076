import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { CommandResult, Reactor, RecordedEvent } from '@crm/shared/event-sourcing';
import { CommandExecutor, REACTOR_LEASES, type CommandContext } from '@crm/shared/http';
import { derivedId, InvalidValueError } from '@crm/shared/kernel';
import { LeasedReactor, LeaseKeeper, STANDS_BY, type ReactorLeases } from '@crm/shared/read-model';
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

/** The lease that makes one process, of all that run the watcher, the one that records breaches. */
export const DEADLINE_WATCHER_LEASE = 'service.complaint-deadline-watcher';
/** The feed of the watcher's read model; its checkpoint is saved under this name too. */
const FEED = DEADLINE_WATCHER_LEASE;
const SLA_WATCHER = { id: 'system:sla-watcher', roles: ['system'] } as const;
const MAX_PER_TICK = 500;
/** How long the feed folds before the event loop gets a turn (a catch-up reads and folds in microtasks only). */
const LOOP_BUDGET_MS = 50;

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
 * is a read model of open deadlines fed by a catch-up subscription from the model's
 * checkpoint; the view may lag, and the decider re-checks every request against the
 * stream, so a stale view costs a no-op command at worst, never a wrong or duplicate event.
 *
 * With REACTOR_LEASES bound, only the process holding the watcher's lease records breaches
 * (checked again before each command, by its own clock, so a process paused past its lease
 * stops before it sends another). A shared model (documents and checkpoint in the read
 * store) is fed by that process alone, its commits fenced by the lease, and a new owner
 * resumes from the last checkpoint committed; a model of the process's own (in memory) is
 * fed in every process, from the start of the log.
 */
@Injectable()
export class ComplaintDeadlineWatcher {
  private readonly logger = new Logger(ComplaintDeadlineWatcher.name);
  private readonly feed: LeasedReactor;
  /** The lease that decides who records: the feed's when the model is shared, else one of its own. */
  private readonly lease: LeaseKeeper | undefined;
  private readonly ownLease: LeaseKeeper | undefined;
  private started = false;
  private checkpoint?: string;
  private isCaughtUp = false;
  private failure?: unknown;
  private folded = 0;
  private heldSince = 0;
  /** How long the feed folds before the event loop gets a turn; a test sets 0 (a turn before every event) to be independent of the machine's speed. */
  loopBudgetMs = LOOP_BUDGET_MS;
  private previousTick: Promise<unknown> = Promise.resolve();
  private owned = false;

  constructor(
    private readonly executor: CommandExecutor,
    @Inject(COMPLAINT_DECIDER) private readonly decider: ComplaintDecider,
    @Inject(OPEN_DEADLINES) private readonly model: OpenDeadlinesReadModel,
    @Optional() @Inject(REACTOR_LEASES) leases?: ReactorLeases,
  ) {
    const ownership = (held: boolean) => {
      if (held !== this.owned) this.logger.log(held ? 'records SLA breaches here (lease taken)' : STANDS_BY);
      this.owned = held;
    };
    const feedsUnderLease = leases !== undefined && model.shared === true;
    const reactor: Reactor = {
      name: FEED,
      filter: { categories: ['complaint'] },
      react: async (event: RecordedEvent) => {
        // A first start on a long log folds it all on the API thread: requests get a turn every 50 ms of it.
        if (performance.now() - this.heldSince >= this.loopBudgetMs) {
          await new Promise((resolve) => setImmediate(resolve));
          this.heldSince = performance.now();
        }
        this.folded += 1;
        const before = await this.model.get(event.metadata.tenantId, event.streamId);
        let after: ReturnType<typeof evolveOpenDeadlines>;
        try {
          after = evolveOpenDeadlines(before, event);
        } catch (error) {
          // A deadline no instant can hold (a policy of 10^11 minutes, taken before the policy was bounded): this
          // complaint is left out of breach checks (nothing due) until an event with deadlines that read comes, said
          // in the log, instead of the feed stopping for every complaint. Its earlier deadlines are no longer in force.
          if (!(error instanceof InvalidValueError)) throw error;
          this.logger.error(
            `complaint ${event.streamId} (tenant ${event.metadata.tenantId}) is left out of SLA breach checks from position ` +
              `${event.position}: ${error.message}`,
          );
          if (before !== undefined) {
            const { nextDueAt: _due, ...rest } = before;
            await this.model.put({ ...rest, revision: event.revision });
          }
          return;
        }
        if (after !== undefined && after !== before) await this.model.put(after);
      },
    };
    // Where a feed resumes is as far as the model has seen, before its first batch.
    const resume = async (name: string) => (this.checkpoint = await model.loadCheckpoint(name));
    this.feed = new LeasedReactor(executor.store, reactor, {
      ...(feedsUnderLease
        ? {
            leases,
            fencedCheckpoints: { loadCheckpoint: resume, saveCheckpoint: (name, at, fence) => model.saveCheckpoint(name, at, fence) },
          }
        : { checkpoints: { loadCheckpoint: resume, saveCheckpoint: (name, at) => model.saveCheckpoint(name, at) } }),
      onCheckpoint: (checkpoint) => {
        this.checkpoint = checkpoint;
        this.failure = undefined;
      },
      onCaughtUp: () => (this.isCaughtUp = true),
      onOwnership: (held) => {
        // A standby's view is the owner's: it is caught up again only once it feeds the model itself.
        if (!held) this.isCaughtUp = false;
        ownership(held);
      },
      onFailure: (error, restartInMs) => {
        this.failure = error;
        this.logger.error(`open-deadlines feed stopped: ${String(error)}; restarting in ${restartInMs} ms`);
      },
    });
    this.ownLease =
      leases && !feedsUnderLease
        ? new LeaseKeeper(leases.store, DEADLINE_WATCHER_LEASE, leases, ownership, (error) =>
            this.logger.warn(`deadline watcher lease: ${String(error)}`),
          )
        : undefined;
    this.lease = this.feed.lease ?? this.ownLease;
  }

  /** This process records breaches (always, without leases). */
  get owns(): boolean {
    return this.lease ? this.lease.held : true;
  }

  /** Events the feed has folded into the read model since this watcher was made (what a start costs). */
  get eventsFolded(): number {
    return this.folded;
  }

  /** Starts feeding the read model from where its checkpoint says (the beginning, for a fresh in-memory one). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.ownLease?.start();
    await this.feed.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.isCaughtUp = false;
    await this.feed.stop();
    await this.ownLease?.stop();
  }

  /** True once the read model fed here has seen every event that existed when its feed (last) started. */
  get caughtUp(): boolean {
    return this.isCaughtUp;
  }

  /** Waits until the read model fed here has applied the event at `position` (read-your-writes for tests and operators). */
  async caughtUpTo(position: string, timeoutMs = 5_000): Promise<void> {
    const store = this.executor.store;
    const giveUpAt = Date.now() + timeoutMs;
    while (this.checkpoint === undefined || store.comparePositions(this.checkpoint, position) < 0) {
      if (this.failure !== undefined) throw this.failure;
      if (!this.started) throw new Error('the deadline watcher is not running');
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
