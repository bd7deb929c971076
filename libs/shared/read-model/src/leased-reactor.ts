import { startReactor, type CheckpointStore, type EventStore, type Reactor, type Subscription } from '@crm/shared/event-sourcing';
import { LeaseLostError } from './errors';
import { defaultOwner, expireLeasesOfGoneOwners } from './owner-liveness';
import type { Fence, ReadStore } from './read-store';

/** What holding a lease and fencing a checkpoint need of the read store. */
export type LeaseStore = Pick<ReadStore, 'acquireLease' | 'releaseLease' | 'listLeases' | 'transaction' | 'loadCheckpoint'>;

/** One owner across processes (see ReadStore.acquireLease). */
export interface LeaseOptions {
  /** This process's name in the lease table; default `defaultOwner()`. */
  readonly owner?: string;
  /** How long a lease lasts unless renewed: a standby takes over at most about this long after the owner dies. */
  readonly ttlMs: number;
  /** How often the lease is renewed or sought; default a third of the TTL. */
  readonly renewEveryMs?: number;
}

/**
 * Holds one lease while it can: renews it every third of the TTL, takes it when it is free or
 * lapsed. `held` is true only while the last renewal is younger than the TTL by this process's
 * own clock, counted from before the request was sent: a process paused past that stops acting
 * on its own, before it hears that another took over. Its commits are fenced anyway (`fence()`).
 */
export class LeaseKeeper {
  readonly owner: string;
  private epoch: number | undefined;
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private stopped = true;

  constructor(
    private readonly store: Pick<LeaseStore, 'acquireLease' | 'releaseLease' | 'listLeases'>,
    readonly name: string,
    private readonly options: LeaseOptions,
    /** Called after every renewal round with `held`, and with false on stop. */
    private readonly onRound: (held: boolean) => void = () => undefined,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.owner = options.owner ?? defaultOwner();
  }

  /** Seeks the lease once, then keeps renewing it in the background. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.renew();
    const every = this.options.renewEveryMs ?? Math.max(1, Math.floor(this.options.ttlMs / 3));
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
  }

  /** One renewal round (rounds never overlap). */
  renew(): Promise<void> {
    this.round = this.round.then(() => this.renewOnce());
    return this.round;
  }

  /** The lease is this process's now, by its own clock. */
  get held(): boolean {
    return this.epoch !== undefined && Date.now() < this.validUntil;
  }

  /** The fence a commit made as owner carries; LeaseLostError when the lease is not held. */
  fence(): Fence {
    if (!this.held || this.epoch === undefined) throw new LeaseLostError(this.name, this.epoch ?? 0);
    return { lease: this.name, epoch: this.epoch };
  }

  /** Stops renewing and gives the lease up at once, so a standby need not wait out the TTL. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    // Not waiting for a round in flight: a hung store must not hang the stop (that round gives back what it gets).
    const held = this.epoch !== undefined;
    this.epoch = undefined;
    this.validUntil = 0;
    this.onRound(false);
    if (held) await this.store.releaseLease(this.name, this.owner).catch(this.onError);
  }

  private async renewOnce(): Promise<void> {
    if (this.stopped) return;
    const askedAt = Date.now();
    try {
      let lease = await this.store.acquireLease(this.name, this.owner, this.options.ttlMs);
      // Held by a process of this machine that has died (a crash before this restart): taken now, not a TTL later.
      if (!lease && (await expireLeasesOfGoneOwners(this.store)).includes(this.name)) {
        lease = await this.store.acquireLease(this.name, this.owner, this.options.ttlMs);
      }
      if (this.stopped) {
        if (lease) await this.store.releaseLease(this.name, this.owner);
        return;
      }
      if (lease) {
        this.epoch = lease.epoch;
        this.validUntil = askedAt + this.options.ttlMs;
      } else {
        this.epoch = undefined;
        this.validUntil = 0;
      }
    } catch (error) {
      // Unreachable store: the lease lapses on its own once the TTL has passed.
      this.onError(error);
    }
    if (!this.stopped) this.onRound(this.held);
  }
}

/**
 * Checkpoints whose saves commit under a lease's fence, with whatever a reactor keeps beside its
 * checkpoint (the deadline watcher's documents): a former owner's save is refused whole.
 */
export interface FencedCheckpointStore {
  loadCheckpoint(name: string): Promise<string | undefined>;
  saveCheckpoint(name: string, checkpoint: string, fence: Fence): Promise<void>;
}

/** The reactor's checkpoints, each save fenced by the lease: a former owner's save is refused (LeaseLostError). */
/**
 * What a process that does not hold a reactor's lease says of it. `held` is false after any renewal round that did not
 * renew it: another process holds it, or the store refused the renewal (a locked file, a lost connection), or the
 * process is stopping. Before, the line said "lease held elsewhere" for all three (an outside probe saw it with no
 * other process running, during a lock).
 */
export const STANDS_BY =
  'stands by: its lease is not held here (another process holds it, the store refused the renewal, or this process is stopping)';

export function fencedCheckpoints(store: LeaseStore | FencedCheckpointStore, lease: LeaseKeeper): CheckpointStore {
  const fenced: FencedCheckpointStore =
    'transaction' in store
      ? {
          loadCheckpoint: (name) => store.loadCheckpoint(name),
          saveCheckpoint: (name, checkpoint, fence) => store.transaction((tx) => tx.saveCheckpoint(name, checkpoint), { fence }),
        }
      : store;
  return {
    loadCheckpoint: (name) => fenced.loadCheckpoint(name),
    saveCheckpoint: (name, checkpoint) => fenced.saveCheckpoint(name, checkpoint, lease.fence()),
  };
}

/** The leases reactors and watchers are owned by (bound to REACTOR_LEASES by a host that shares its stores). */
export type ReactorLeases = LeaseOptions & { readonly store: LeaseStore };

export interface LeasedReactorOptions {
  /** Where the checkpoint is kept without leases (with them, `fencedCheckpoints`, else the lease store, fenced). */
  readonly checkpoints?: CheckpointStore;
  /** With leases: where the checkpoint is kept, each save carrying the lease's fence (default the lease store). */
  readonly fencedCheckpoints?: FencedCheckpointStore;
  /** One owner across processes: the reactor runs only in the process holding the lease named after it. */
  readonly leases?: ReactorLeases;
  /** See ReactorOptions. */
  readonly checkpointEveryMs?: number;
  readonly batchSize?: number;
  /** First delay before restarting a reactor that failed; it doubles up to maxRestartDelayMs. */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
  readonly onFailure?: (error: unknown, restartInMs: number) => void;
  readonly onOwnership?: (held: boolean) => void;
  /** See ReactorOptions: the position the running subscription has reached, after every batch. */
  readonly onCheckpoint?: (checkpoint: string) => void;
  /** The running subscription has handled what the store held when it started (called again after each restart). */
  readonly onCaughtUp?: () => void;
}

/**
 * Runs a reactor from start to stop, restarting it after a failure (with a growing pause). With
 * `leases`, only in the process that holds its lease: the others stand by and take over when
 * the lease lapses, from the last checkpoint saved. A process that stops holding the lease
 * stops reacting before its next event (the lease is checked, by its own clock, before each),
 * and its checkpoint saves are fenced. Reactions must still be idempotent: events since the
 * last checkpoint are delivered again to the next owner, and a pause between the check and
 * the command it sends cannot be excluded; deterministic command ids make that a retry.
 */
export class LeasedReactor {
  readonly lease: LeaseKeeper | undefined;
  private subscription: Subscription | undefined;
  private starting: Promise<void> | undefined;
  private restart: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopping = false;
  private owned = false;

  constructor(
    private readonly events: EventStore,
    private readonly reactor: Reactor,
    private readonly options: LeasedReactorOptions = {},
  ) {
    const leases = options.leases;
    this.lease = leases
      ? new LeaseKeeper(
          leases.store,
          reactor.name,
          leases,
          (held) => this.ownershipChanged(held),
          (error) => this.fail(error),
        )
      : undefined;
  }

  get name(): string {
    return this.reactor.name;
  }

  /** This process runs the reactor (always, without leases). */
  get owns(): boolean {
    return this.lease ? this.lease.held : !this.stopping;
  }

  async start(): Promise<void> {
    this.stopping = false;
    if (this.lease) await this.lease.start();
    else await this.run();
    await this.starting;
  }

  /** Resolves once the running subscription (if any here) has handled what the store held when it started. */
  async caughtUp(): Promise<void> {
    await this.starting;
    await this.subscription?.caughtUp;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restart);
    await this.starting;
    await this.halt();
    await this.lease?.stop();
  }

  /** Level-triggered: after every renewal round, run while held, stand by while not. */
  private ownershipChanged(held: boolean): void {
    if (held !== this.owned) {
      this.owned = held;
      this.options.onOwnership?.(held);
    }
    if (held) void this.run();
    else void this.halt();
  }

  private run(): Promise<void> {
    if (this.stopping || this.subscription || this.starting || (this.lease && !this.lease.held)) return this.starting ?? Promise.resolve();
    clearTimeout(this.restart);
    this.starting = this.subscribe().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async subscribe(): Promise<void> {
    const lease = this.lease;
    const leases = this.options.leases;
    const checkpoints =
      lease && leases ? fencedCheckpoints(this.options.fencedCheckpoints ?? leases.store, lease) : this.options.checkpoints;
    const reactor: Reactor = lease
      ? {
          name: this.reactor.name,
          filter: this.reactor.filter,
          react: (event) => {
            // No command from a process that may no longer own the reactor.
            lease.fence();
            return this.reactor.react(event);
          },
        }
      : this.reactor;
    try {
      const subscription = await startReactor(this.events, reactor, {
        checkpoints,
        checkpointEveryMs: this.options.checkpointEveryMs,
        batchSize: this.options.batchSize,
        onCheckpoint: this.options.onCheckpoint,
      });
      this.subscription = subscription;
      void subscription.caughtUp.then(
        () => {
          this.failures = 0;
          // A subscription halted meanwhile no longer speaks for what this process has handled.
          if (this.subscription === subscription) this.options.onCaughtUp?.();
        },
        () => undefined,
      );
      subscription.done.then(
        () => undefined,
        (error: unknown) => {
          if (this.subscription === subscription) this.subscription = undefined;
          this.failed(error);
        },
      );
      // Lost while it started: stand by at once rather than at its first event.
      if (lease && !lease.held) await this.halt();
    } catch (error) {
      this.failed(error);
    }
  }

  private async halt(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    // A save refused because the lease moved on is what fencing is for: the next owner resumes from the last one.
    await subscription?.stop().catch((error: unknown) => {
      if (!(error instanceof LeaseLostError)) this.fail(error);
    });
  }

  private failed(error: unknown): void {
    if (this.stopping) return;
    if (error instanceof LeaseLostError && !this.owns) return; // standing by: the lease keeper restarts it when regained
    this.failures += 1;
    const delay = Math.min(this.options.maxRestartDelayMs ?? 30_000, (this.options.restartDelayMs ?? 1000) * 2 ** (this.failures - 1));
    this.options.onFailure?.(error, delay);
    clearTimeout(this.restart);
    this.restart = setTimeout(() => void this.run(), delay);
  }

  private fail(error: unknown): void {
    this.options.onFailure?.(error, 0);
  }
}
