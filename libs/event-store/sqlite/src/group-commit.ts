import type Database from 'better-sqlite3';

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export interface GroupCommitStats {
  /** Write transactions committed: with FULL sync, one fsync each. */
  readonly transactions: number;
  /** Operations those transactions carried, refused ones included. */
  readonly operations: number;
}

/**
 * Group commit: synchronous write operations submitted in the same tick run in
 * ONE `BEGIN IMMEDIATE` transaction, so many concurrent commands share one
 * fsync. When the group holds several, each runs in its own savepoint: a
 * refused operation rolls back alone and rejects only its own promise. A
 * group of one needs no savepoint: its failure rolls back the transaction.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private transactions = 0;
  private operations = 0;
  private readonly runGroup: Database.Transaction<(group: readonly Pending[]) => Outcome[]>;
  private readonly inSavepoint: Database.Transaction<(work: () => unknown) => unknown>;

  constructor(
    private readonly db: Database.Database,
    /** Called after a commit that made at least one operation durable. */
    private readonly onCommitted: () => void,
  ) {
    // Nested better-sqlite3 transactions become SAVEPOINT / RELEASE / ROLLBACK TO.
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    this.runGroup = db.transaction((group: readonly Pending[]) => {
      if (group.length === 1) return [{ ok: true, value: (group[0] as Pending).work() }];
      return group.map((pending): Outcome => {
        try {
          return { ok: true, value: this.inSavepoint(pending.work) };
        } catch (error) {
          // Some errors (I/O, disk full) make SQLite roll back the whole transaction: give up on the group.
          if (!this.db.inTransaction) throw error;
          return { ok: false, error };
        }
      });
    });
  }

  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // A microtask, not a timer: a lone append pays no extra event-loop turn,
        // yet everything submitted by code running in this tick joins the group.
        queueMicrotask(() => this.flush());
      }
    });
  }

  /** Commits what is queued now; close() calls it so nothing queued is lost. */
  flush(): void {
    this.scheduled = false;
    const group = this.queue;
    if (group.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.runGroup.immediate(group);
    } catch (error) {
      for (const pending of group) pending.reject(error);
      return;
    }
    this.transactions += 1;
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

  stats(): GroupCommitStats {
    return { transactions: this.transactions, operations: this.operations };
  }
}
