import type { ReadAllOptions, ReadAllSlice } from '@crm/shared/event-sourcing';
import type { Pool } from 'pg';
import { compareDecimal, comparePositions, formatPosition, ORIGIN, parsePosition } from './positions';
import { toRecordedEvent, type EventRow } from './rows';
import type { Statements } from './sql/statements';

interface Horizon {
  readonly held: boolean;
  readonly head_xid: string | null;
  readonly head_position: string | null;
}

type ReadAllRow = Horizon & { [K in keyof EventRow]: EventRow[K] | null };

export interface SettleOptions {
  /** How long to keep re-reading while committed events wait behind an older in-flight transaction. */
  readonly maxWaitMs: number;
  readonly aborted?: () => boolean;
}

/** Back-off between re-reads: in-flight appends usually commit within milliseconds. */
const BACKOFF_MS = [1, 2, 5, 10, 20, 50];

/**
 * Runs a read until no committed event is held back by an older in-flight
 * transaction, or the wait runs out. Without this, a writer could append,
 * commit and still not read its own event because someone else's
 * transaction (anywhere on the server) started earlier and is still open.
 */
async function settle<T extends { readonly held: boolean }>(
  read: () => Promise<T>,
  options: SettleOptions,
  full: (result: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + options.maxWaitMs;
  for (let attempt = 0; ; attempt += 1) {
    const result = await read();
    if (!result.held || full(result) || options.aborted?.()) return result;
    const pause = Math.min(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] as number, deadline - Date.now());
    if (pause <= 0) return result;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

export async function readVisible(pool: Pool, sql: Statements, options: ReadAllOptions, wait: SettleOptions): Promise<ReadAllSlice> {
  const after = options.after === undefined ? ORIGIN : parsePosition(options.after);
  const maxCount = options.maxCount ?? null;
  if (maxCount !== null && (!Number.isSafeInteger(maxCount) || maxCount < 0)) {
    throw new RangeError(`maxCount must be a non-negative integer, got ${maxCount}`);
  }
  const filter = options.filter;
  const values = [
    after.transactionId,
    after.position,
    filter?.eventTypes ?? null,
    filter?.categories ?? null,
    filter?.tenantId ?? null,
    maxCount,
  ];
  const filtered = filter?.eventTypes !== undefined || filter?.categories !== undefined;
  const run = async () => {
    const { rows } = await pool.query<ReadAllRow>({ ...(filtered ? sql.readAllFiltered : sql.readAll), values });
    const first = rows[0] as ReadAllRow;
    const page = rows.filter((row): row is ReadAllRow & EventRow => row.position !== null);
    if (!inOrder(page)) page.sort(byPosition); // never seen; cheap insurance against a different plan
    const events = page.map(toRecordedEvent);
    return { held: first.held, head: headOf(first), events };
  };
  const result = await settle(run, wait, (r) => maxCount !== null && r.events.length >= maxCount);
  const last = result.events[result.events.length - 1];
  const full = maxCount !== null && result.events.length >= maxCount;
  // A full page resumes after its last event; otherwise everything visible was scanned, filtered or not.
  let checkpoint = full ? (last?.position ?? options.after) : (result.head ?? options.after);
  if (checkpoint !== undefined && options.after !== undefined && comparePositions(checkpoint, options.after) < 0)
    checkpoint = options.after;
  const scannedToHead =
    checkpoint !== undefined && result.head !== undefined ? comparePositions(checkpoint, result.head) >= 0 : result.head === undefined;
  return { events: result.events, checkpoint, isEnd: scannedToHead && !result.held };
}

export async function visibleHead(pool: Pool, sql: Statements, wait: SettleOptions): Promise<string | undefined> {
  const run = async () => {
    const { rows } = await pool.query<Horizon>({ ...sql.head, values: [ORIGIN.transactionId, ORIGIN.position] });
    const row = rows[0] as Horizon;
    return { held: row.held, head: headOf(row) };
  };
  return (await settle(run, wait, () => false)).head;
}

function headOf(row: Horizon): string | undefined {
  return row.head_xid === null || row.head_position === null ? undefined : formatPosition(row.head_xid, row.head_position);
}

function byPosition(a: EventRow, b: EventRow): number {
  return compareDecimal(a.transaction_id, b.transaction_id) || compareDecimal(a.position, b.position);
}

function inOrder(rows: readonly EventRow[]): boolean {
  for (let i = 1; i < rows.length; i += 1) if (byPosition(rows[i - 1] as EventRow, rows[i] as EventRow) >= 0) return false;
  return true;
}
