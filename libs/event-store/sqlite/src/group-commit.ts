import type Database from 'better-sqlite3';
import { isSqliteBusy } from '@crm/shared/kernel';

interface Pending {
  /** performance.now() when submitted: how long it has waited for another process's write lock. */
  readonly since: number;
  readonly work: () => unknown;
  /** May commit without its own fsync: see `SubmitOptions.deferSync`. */
  readonly deferSync: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export interface LockWait {
  /** How long an operation waits for another connection's write lock before it fails with SQLITE_BUSY. */
  readonly busyWaitMs: number;
  /** The pause between attempts while the lock is held elsewhere (the connection's own busy timeout is shorter still). */
  readonly retryEveryMs: number;
}

export interface SubmitOptions {
  /**
   * The operation's rows need not be durable before something synced later refers to them (a data key:
   * nothing depends on it until events sealed with it commit). A group made only of such operations
   * commits at `synchronous = NORMAL`: written to the WAL, not synced. They become durable with the next
   * commit at FULL of any connection to the same file, which syncs the WAL up to its own frames, theirs
   * included (the WAL is written in order); a crash before that loses them and nothing that refers to them.
   */
  readonly deferSync?: boolean;
}

/** What a group's transaction does around its operations (the event store notes the log's head there). */
export interface GroupBracket {
  begin(): void;
  end(): void;
}

export interface GroupCommitStats {
  /** Write transactions committed: with FULL sync, one fsync each. */
  readonly transactions: number;
  /** Operations those transactions carried, refused ones included. */
  readonly operations: number;
  /** Of those transactions, the ones that committed without a sync of their own (deferred-sync groups). */
  readonly deferredSyncs: number;
}

/**
 * Group commit: synchronous write operations submitted in the same tick run in
 * ONE `BEGIN IMMEDIATE` transaction, so many concurrent commands share one
 * fsync. When the group holds several, each runs in its own savepoint: a
 * refused operation rolls back alone and rejects only its own promise. A
 * group of one needs no savepoint: its failure rolls back the transaction.
 *
 * While another connection (another process) holds the file's write lock, the
 * group waits for it on a timer, not in SQLite's busy handler: better-sqlite3
 * is synchronous, and a busy handler would hold the event loop (every request,
 * health included) for as long as the other writer does. The connection's own
 * busy timeout is kept short; `BEGIN IMMEDIATE` refused, nothing has run, and
 * the group goes again after `retryEveryMs`, joined by what was submitted
 * meanwhile, until an operation has waited `busyWaitMs`: that one fails with
 * SQLITE_BUSY (the HTTP layer answers 503 STORE.UNAVAILABLE).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private waiting: NodeJS.Timeout | undefined;
  private transactions = 0;
  private operations = 0;
  private deferredSyncs = 0;
  /** Set as the group's transaction body starts: an error before it is the BEGIN's, with nothing run. */
  private began = false;
  /** The connection's `PRAGMA synchronous` level, set before this is made (configureConnection) and restored after a relaxed commit. */
  private readonly syncLevel: number;
  private readonly runGroup: Database.Transaction<(group: readonly Pending[]) => Outcome[]>;
  private readonly inSavepoint: Database.Transaction<(work: () => unknown) => unknown>;

  constructor(
    private readonly db: Database.Database,
    /** Called after a commit that made at least one operation durable. */
    private readonly onCommitted: () => void,
    private readonly lockWait: LockWait = { busyWaitMs: 5000, retryEveryMs: 10 },
    /** Called inside each group's transaction, with the write lock held: before its first operation and after its last. */
    private readonly bracket?: GroupBracket,
  ) {
    this.syncLevel = db.pragma('synchronous', { simple: true }) as number;
    // Nested better-sqlite3 transactions become SAVEPOINT / RELEASE / ROLLBACK TO.
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    this.runGroup = db.transaction((group: readonly Pending[]) => {
      this.began = true;
      this.bracket?.begin();
      const outcomes: Outcome[] =
        group.length === 1
          ? [{ ok: true, value: (group[0] as Pending).work() }]
          : group.map((pending): Outcome => {
              try {
                return { ok: true, value: this.inSavepoint(pending.work) };
              } catch (error) {
                // Some errors (I/O, disk full) make SQLite roll back the whole transaction: give up on the group.
                if (!this.db.inTransaction) throw error;
                return { ok: false, error };
              }
            });
      this.bracket?.end();
      return outcomes;
    });
  }

  submit<T>(work: () => T, options: SubmitOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deferSync = options.deferSync === true;
      this.queue.push({ since: performance.now(), work, deferSync, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // A microtask, not a timer: a lone append pays no extra event-loop turn,
        // yet everything submitted by code running in this tick joins the group.
        queueMicrotask(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (unless a wait for the lock is under way: its timer flushes). */
  flush(): void {
    this.scheduled = false;
    if (this.waiting === undefined) this.commitQueued(true);
  }

  /** close(): what is queued commits now, or fails, waiting for the lock in SQLite's busy handler at most `busyWaitMs`. */
  flushNow(): void {
    this.scheduled = false;
    clearTimeout(this.waiting);
    this.waiting = undefined;
    const busyTimeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${Math.ceil(this.lockWait.busyWaitMs)}`);
    try {
      this.commitQueued(false);
    } finally {
      this.db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  private commitQueued(mayWait: boolean): void {
    const group = this.queue;
    if (group.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    this.began = false;
    const relaxed = this.relaxesSync(group);
    if (relaxed) this.db.pragma('synchronous = NORMAL');
    try {
      outcomes = this.runGroup.immediate(group);
    } catch (error) {
      if (mayWait && !this.began && isSqliteBusy(error)) {
        this.waitForLock(group, error);
        return;
      }
      for (const pending of group) pending.reject(error);
      return;
    } finally {
      if (relaxed) this.db.pragma(`synchronous = ${this.syncLevel}`);
    }
    this.transactions += 1;
    if (relaxed) this.deferredSyncs += 1;
    this.operations += group.length;
    let committed = false;
    group.forEach((pending, index) => {
      const outcome = outcomes[index] as Outcome;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
      committed ||= outcome.ok;
    });
    if (committed) this.onCommitted();
  }

  /** The lock is held elsewhere: those that have waited long enough fail, the rest go again after a pause (first in line). */
  private waitForLock(group: readonly Pending[], error: unknown): void {
    const now = performance.now();
    const waited = (pending: Pending) => now - pending.since >= this.lockWait.busyWaitMs;
    for (const pending of group) if (waited(pending)) pending.reject(error);
    this.queue = [...group.filter((pending) => !waited(pending)), ...this.queue];
    if (this.queue.length === 0) return;
    this.waiting = setTimeout(() => {
      this.waiting = undefined;
      this.commitQueued(true);
    }, this.lockWait.retryEveryMs);
  }

  /** A group of deferred-sync operations only, on a connection that syncs each commit (FULL or EXTRA): it commits at NORMAL. */
  private relaxesSync(group: readonly Pending[]): boolean {
    return this.syncLevel >= SYNCHRONOUS_FULL && group.every((pending) => pending.deferSync);
  }

  stats(): GroupCommitStats {
    return { transactions: this.transactions, operations: this.operations, deferredSyncs: this.deferredSyncs };
  }
}

/** `PRAGMA synchronous` levels: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
const SYNCHRONOUS_FULL = 2;
