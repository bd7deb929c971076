import type { Pool } from 'pg';
import {
  appendQuery,
  batchElement,
  EXPECTATION_NOT_MET,
  type AppendFailure,
  type AppendOutcome,
  type AppendRequest,
} from './append-request';
import type { Statements } from './sql/statements';

export interface GroupCommitOptions {
  /** Most appends sent in one statement (default 50, at most 64). */
  readonly maxBatch?: number;
  /** Statements in flight at once (default: the pool size); appends arriving beyond this wait and go together in the next batch. */
  readonly maxInFlight?: number;
}

/**
 * Each append of a batch is a subtransaction; past 64 in one transaction,
 * PostgreSQL's per-backend subtransaction cache overflows and every snapshot
 * on the server gets slower while the batch runs.
 */
const MAX_SUBTRANSACTIONS = 64;

export function groupCommitSettings(
  option: boolean | GroupCommitOptions | undefined,
  poolSize: number,
): Required<GroupCommitOptions> | undefined {
  if (option === false) return undefined;
  const given = typeof option === 'object' ? option : {};
  return {
    maxBatch: Math.max(1, Math.min(given.maxBatch ?? 50, MAX_SUBTRANSACTIONS)),
    maxInFlight: Math.max(1, given.maxInFlight ?? poolSize),
  };
}

interface Pending {
  readonly request: AppendRequest;
  readonly settle: (outcome: AppendOutcome) => void;
  readonly fail: (error: unknown) => void;
}

interface BatchRow {
  readonly ord: number;
  readonly next_revision: string | null;
  readonly last_position: string | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly error_detail: string | null;
  readonly error_constraint: string | null;
}

interface DriverError {
  readonly code?: string;
  readonly message: string;
  readonly detail?: string;
  readonly constraint?: string;
}

/**
 * Sends appends to the database. Alone, an append is one statement: a plain
 * INSERT for a single event, a call of the append function otherwise.
 * Appends issued together (the same tick), or while every slot is busy,
 * travel as one append_batch statement: one transaction, one commit flush
 * for all of them.
 */
export class AppendWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly pool: Pool,
    private readonly sql: Statements,
    private readonly grouping: Required<GroupCommitOptions> | undefined,
  ) {}

  submit(request: AppendRequest): Promise<AppendOutcome> {
    if (!this.grouping) return this.track(this.single(request));
    return new Promise<AppendOutcome>((settle, fail) => {
      this.queue.push({ request, settle, fail });
      if (!this.scheduled) {
        this.scheduled = true;
        // A microtask, not a timer: a lone append pays nothing, a burst of appends from one tick is caught whole.
        queueMicrotask(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Resolves once nothing is queued or in flight. */
  drained(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    const grouping = this.grouping;
    if (!grouping) return;
    while (this.queue.length > 0 && this.inFlight < grouping.maxInFlight) {
      const batch = this.queue.splice(0, grouping.maxBatch);
      const only = batch.length === 1 ? batch[0] : undefined;
      const sent = only ? this.single(only.request).then(only.settle, only.fail) : this.batch(batch);
      void this.track(sent).finally(() => this.flush());
    }
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await work;
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0 && this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async single(request: AppendRequest): Promise<AppendOutcome> {
    try {
      const { rows } = await this.pool.query<{ next_revision: string; last_position: string }>(appendQuery(this.sql, request));
      const row = rows[0];
      // Only a single-event statement returns no row: its expectation did not hold (the function raises instead).
      if (!row) return { ok: false, failure: EXPECTATION_NOT_MET };
      return { ok: true, nextExpectedRevision: Number(row.next_revision), position: row.last_position };
    } catch (error) {
      if (!isDriverError(error)) throw error;
      return {
        ok: false,
        failure: { code: error.code, message: error.message, detail: error.detail, constraint: error.constraint, cause: error },
      };
    }
  }

  private async batch(batch: readonly Pending[]): Promise<void> {
    // Every batch writes its streams in one global order, so two batches can never deadlock each other
    // (an append waits only for a transaction that took the same stream's next revision first).
    // The sort is stable: appends to one stream keep the order they were issued in.
    const ordered = [...batch].sort((a, b) => compareKeys(a.request, b.request));
    try {
      const { rows } = await this.pool.query<BatchRow>({
        ...this.sql.appendBatch,
        values: [`[${ordered.map((pending) => batchElement(pending.request)).join(',')}]`],
      });
      ordered.forEach((pending, index) => {
        const row = rows[index];
        if (!row) pending.fail(new Error('append_batch returned too few rows'));
        else pending.settle(outcomeOf(row));
      });
    } catch (error) {
      if (!isDriverError(error)) {
        for (const pending of ordered) pending.fail(error);
        return;
      }
      // The statement failed before any sub-block could isolate it (e.g. one payload that is not
      // valid jsonb). Nothing was written: send each append alone so only the culprit fails.
      await Promise.all(ordered.map((pending) => this.single(pending.request).then(pending.settle, pending.fail)));
    }
  }
}

function outcomeOf(row: BatchRow): AppendOutcome {
  if (row.error_code === null) {
    return { ok: true, nextExpectedRevision: Number(row.next_revision), position: row.last_position ?? '' };
  }
  const failure: AppendFailure = {
    code: row.error_code,
    message: row.error_message ?? `append failed with SQLSTATE ${row.error_code}`,
    detail: row.error_detail || undefined,
    constraint: row.error_constraint || undefined,
  };
  return { ok: false, failure };
}

function compareKeys(a: AppendRequest, b: AppendRequest): number {
  const left = `${a.tenantId}\u0000${a.streamId}`;
  const right = `${b.tenantId}\u0000${b.streamId}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Errors the server sent (they carry a SQLSTATE), as opposed to connection failures. */
function isDriverError(error: unknown): error is Error & DriverError {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}
