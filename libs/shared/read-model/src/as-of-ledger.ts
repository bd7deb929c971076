import { FIRST_YEAR } from '@crm/shared/kernel';
import type { ReadStore } from './read-store';
import { mergeSummaries, type SummaryCell, type SummaryDoc } from './projection';

/**
 * A dated ledger: what each event changed in some totals, kept by the business day the event was recorded on
 * (`metadata.occurredAt`), in three documents: its year's (`{prefix}:2026`), its month's (`{prefix}:2026-03`) and its
 * day's (`{prefix}:2026-03-20`). The totals as they stood at the end of business day D are the sum of every year
 * before D's, every month of D's year before D's month and every day of D's month up to D: at most
 * (D's year − FIRST_YEAR) + 11 + 31 documents, read in one call, whatever the size of the history (`ledgerIdsThrough`).
 * Changes add up in any order. The day a change is kept under is its projection's to choose: the event's recording
 * day, or later (pipeline-as-of.ts keeps a document's changes from going back in time).
 *
 * Years before FIRST_YEAR (1900) are not read: no event is recorded before it (`occurredAt` is the server's clock).
 */
export type LedgerLevel = 'year' | 'month' | 'day';

/** The levels of a ledger, each of which holds every change once (a check sums each apart: `atLedgerLevel`). */
export const LEDGER_LEVELS: readonly LedgerLevel[] = ['year', 'month', 'day'];

/**
 * A cell marked with the ledger and level it was read from or is due in, for a summary's `total`: every level of a
 * ledger sums to the documents' cells now, so the check compares each level apart.
 */
export const atLedgerLevel = (cell: SummaryCell, ledger: string): SummaryCell => ({
  dims: { ...cell.dims, ledger },
  values: cell.values,
});

/** The three documents an event recorded on business day `day` ('YYYY-MM-DD') changes, year first. */
export const ledgerIdsOfDay = (prefix: string, day: string): readonly [year: string, month: string, day: string] => [
  `${prefix}:${day.slice(0, 4)}`,
  `${prefix}:${day.slice(0, 7)}`,
  `${prefix}:${day}`,
];

/** The level of a ledger document, from the length of its date; undefined for an id that is not one of `prefix`'s. */
export function ledgerLevelOf(prefix: string, id: string): LedgerLevel | undefined {
  if (!id.startsWith(`${prefix}:`)) return undefined;
  const date = id.slice(prefix.length + 1);
  return /^\d{4}$/.test(date) ? 'year' : /^\d{4}-\d{2}$/.test(date) ? 'month' : /^\d{4}-\d{2}-\d{2}$/.test(date) ? 'day' : undefined;
}

const pad = (value: number): string => String(value).padStart(2, '0');

/** Every document whose changes were recorded by the end of business day `day` ('YYYY-MM-DD'), as described above. */
export function ledgerIdsThrough(prefix: string, day: string): string[] {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const date = Number(day.slice(8, 10));
  const ids: string[] = [];
  for (let y = FIRST_YEAR; y < year; y += 1) ids.push(`${prefix}:${y}`);
  for (let m = 1; m < month; m += 1) ids.push(`${prefix}:${day.slice(0, 4)}-${pad(m)}`);
  for (let d = 1; d <= date; d += 1) ids.push(`${prefix}:${day.slice(0, 7)}-${pad(d)}`);
  return ids;
}

/**
 * The ledger documents' level of any id: the level of an id `{prefix}:~asof:{date}` whatever its prefix (a tenant's),
 * undefined for an id of any other document.
 */
export function ledgerLevelOfId(id: string): LedgerLevel | undefined {
  const at = id.lastIndexOf(`${LEDGER_MARK}:`);
  return at < 0 ? undefined : ledgerLevelOf(id.slice(0, at + LEDGER_MARK.length), id);
}

/** What a ledger's prefix ends with: `{tenant}:~asof`. */
export const LEDGER_MARK = ':~asof';

/** A tenant's ledger in a projection's collection: `{tenant}:~asof`, its documents `{tenant}:~asof:{date}`. */
export const ledgerPrefix = (tenantId: string): string => `${tenantId}${LEDGER_MARK}`;

/**
 * For a summary's `total` (the check that summaries add up to the documents' cells): the ledger documents' cells as
 * read back (`unpack`), each marked with its level, and the other summary documents apart.
 */
export function ledgerContents(
  summaries: ReadonlyMap<string, SummaryDoc>,
  unpack: (doc: SummaryDoc) => readonly SummaryCell[],
): { readonly others: ReadonlyMap<string, SummaryDoc>; readonly cells: readonly SummaryCell[] } {
  const others = new Map<string, SummaryDoc>();
  const cells: SummaryCell[] = [];
  for (const [id, doc] of summaries) {
    const level = ledgerLevelOfId(id);
    if (level === undefined) others.set(id, doc);
    else for (const cell of unpack(doc)) cells.push(atLedgerLevel(cell, level));
  }
  return { others, cells };
}

/** What `ledgerContents` must find for some documents' cells (in the form read back): each cell once at every level. */
export const dueAtEveryLevel = (cells: readonly SummaryCell[]): SummaryCell[] =>
  cells.flatMap((cell) => LEDGER_LEVELS.map((level) => atLedgerLevel(cell, level)));

/**
 * The totals of each ledger (`prefixes`) at the end of business day `day`, as one summary document each (cells summed,
 * those that come to nothing left out): one read of every document they need (one statement on the SQL stores, so the
 * ledgers are of one commit of their projection).
 */
export async function loadLedgerTotals(
  store: Pick<ReadStore, 'getMany'>,
  collection: string,
  prefixes: readonly string[],
  day: string,
): Promise<SummaryDoc[]> {
  const idsOf = prefixes.map((prefix) => ledgerIdsThrough(prefix, day));
  const found = await store.getMany(collection, idsOf.flat());
  return idsOf.map((ids) => mergeSummaries(ids.map((id) => found.get(id)?.doc)) ?? { summary: true, cells: {} });
}
