import type { Event } from '@crm/shared/event-sourcing';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import {
  ledgerIdsOfDay,
  loadLedgerTotals,
  type ProjectionSummary,
  type ReadStore,
  summaryCellKey,
  type SummaryCell,
  type SummaryDoc,
} from '@crm/shared/read-model';
import { kindForm, type MonthFollow, unpackedCells } from './month-summaries';

/**
 * The pipeline's and the funnel's all-time figures as they stood at the end of a past business day (`asOf`, API.md:
 * exact to the day), from dated ledgers (libs/shared/read-model/src/as-of-ledger.ts) the deals' projection keeps
 * beside its summaries: every change an event makes to the all-time cells, by the business day it was recorded on.
 *
 * - `{tenant}:~asof:all:{date}`: the cells of the `pipeline`, `funnelSource` and `funnelCampaign` kinds in the form
 *   their all-time documents hold them (`kindForm`: no month; a campaign's cells packed into one): what the pipeline
 *   and the funnel read without a period.
 * - `{tenant}:~asof:owner:{ownerId}:{date}`: one owner's `owner` cells, so one owner's pipeline as of a day reads
 *   that owner's few cells, not every owner's.
 */
const MARK = ':~asof:';
const ALL = 'all';
const OWNER = 'owner:';

export const pipelineLedgerPrefix = (tenantId: string): string => `${tenantId}${MARK}${ALL}`;
export const ownerLedgerPrefix = (tenantId: string, ownerId: string): string => `${tenantId}${MARK}${OWNER}${ownerId}`;

/** The kinds the tenant's ledger keeps: what the pipeline and the funnel read without a period (not `direct`: every deal less the lead-sourced ones). */
const LEDGER_KINDS: ReadonlySet<string> = new Set(['pipeline', 'funnelSource', 'funnelCampaign']);

/** Where a ledger document's id says it belongs: the tenant's ledger or one owner's; undefined for any other id. */
function ledgerOf(id: string): { readonly owner: string | undefined; readonly level: string } | undefined {
  const at = id.indexOf(MARK);
  if (at < 0) return undefined;
  const rest = id.slice(at + MARK.length);
  const cut = rest.lastIndexOf(':');
  const date = rest.slice(cut + 1);
  const level = date.length === 4 ? 'year' : date.length === 7 ? 'month' : 'day';
  return { owner: rest.startsWith(OWNER) ? rest.slice(OWNER.length, cut) : undefined, level };
}

const ownersIn = (cells: readonly SummaryCell[], into: Set<string>): void => {
  for (const cell of cells) if (cell.dims['kind'] === 'owner' && typeof cell.dims['ownerId'] === 'string') into.add(cell.dims['ownerId']);
};

const idList = (ids: string | readonly string[] | undefined): readonly string[] =>
  ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids;

const LEVELS = ['year', 'month', 'day'] as const;

/** A cell marked with the ledger and level it was read from or is due in, so the check (`total`) sums each level apart. */
const tagged = (cell: SummaryCell, ledger: string, level: string): SummaryCell => ({
  dims: { ...cell.dims, ledger: `${ledger}|${level}` },
  values: cell.values,
});

/**
 * The summary members of `base` (monthSplitSummary's) with the ledgers added: the tenant's ledger documents of the
 * event's recording day are named from the event, an owner's from the deal's owner before and after it (`follow`);
 * `place` sends each ledger the cells it keeps, in that form; `total` checks that each level of each ledger (years,
 * months, days) sums to the cells of the documents as they stand now.
 */
export function withAsOfLedgers<Doc extends object, E extends Event>(
  base: Pick<ProjectionSummary<Doc, E>, 'documentId' | 'documentIdOf' | 'place' | 'total'>,
  packed: Readonly<Record<string, readonly string[]>>,
  follow: MonthFollow<Doc, E>,
): Pick<ProjectionSummary<Doc, E>, 'documentId' | 'documentIdOf' | 'place' | 'total'> {
  const dayOf = (event: { readonly metadata: { readonly occurredAt: string } }) => BUSINESS_CALENDAR.day(event.metadata.occurredAt);
  const moved = movedOf(packed);
  const ledgerCells = (doc: SummaryDoc): SummaryCell[] => unpackedCells(doc, moved);
  const ledgerForm = (cell: SummaryCell, owner: string | undefined): SummaryCell | undefined => {
    const kind = String(cell.dims['kind']);
    if (owner === undefined) return LEDGER_KINDS.has(kind) ? kindForm(cell, packed) : undefined;
    return kind === 'owner' && cell.dims['ownerId'] === owner ? cell : undefined;
  };
  return {
    documentId: (event) => [
      ...idList(base.documentId(event)),
      ...ledgerIdsOfDay(pipelineLedgerPrefix(event.metadata.tenantId), dayOf(event)),
    ],
    documentIdOf: (event, doc, id, peer) => {
      const ids = [...idList(base.documentIdOf?.(event, doc, id, peer))];
      const next = follow.evolve(doc, event, id, peer);
      if (next === doc) return ids;
      const owners = new Set<string>();
      if (doc !== null) ownersIn(follow.cells(doc), owners);
      if (next !== null) ownersIn(follow.cells(next), owners);
      const day = dayOf(event);
      for (const owner of owners) ids.push(...ledgerIdsOfDay(ownerLedgerPrefix(event.metadata.tenantId, owner), day));
      return ids;
    },
    place: (cell, id) => {
      const ledger = ledgerOf(id);
      if (ledger === undefined) return base.place === undefined ? cell : base.place(cell, id);
      return ledgerForm(cell, ledger.owner);
    },
    total: {
      of: (summaries) => {
        const others = new Map<string, SummaryDoc>();
        const kept: SummaryCell[] = [];
        for (const [id, doc] of summaries) {
          const ledger = ledgerOf(id);
          if (ledger === undefined) others.set(id, doc);
          else for (const cell of ledgerCells(doc)) kept.push(tagged(cell, ledger.owner ?? ALL, ledger.level));
        }
        return [
          ...(base.total === undefined ? [...others.values()].flatMap((doc) => Object.values(doc.cells)) : base.total.of(others)),
          ...kept,
        ];
      },
      ofCells: (cells) => {
        const due: SummaryCell[] = [];
        for (const cell of cells) {
          const owner = cell.dims['kind'] === 'owner' && typeof cell.dims['ownerId'] === 'string' ? cell.dims['ownerId'] : undefined;
          const form = ledgerForm(cell, owner);
          if (form === undefined) continue;
          // The ledgers' cells read back unpacked: the cell without its month.
          for (const level of LEVELS) due.push(tagged(kindForm(cell, {}), owner ?? ALL, level));
        }
        return [...(base.total === undefined ? cells : base.total.ofCells(cells)), ...due];
      },
    },
  };
}

/** Cells as a summary document holds them (one per dimensions, summed). */
const docOf = (cells: readonly SummaryCell[]): SummaryDoc => {
  const byKey: Record<string, SummaryCell> = {};
  for (const cell of cells) {
    const key = summaryCellKey(cell.dims);
    const held = byKey[key];
    if (held === undefined) byKey[key] = cell;
    else {
      const values: Record<string, number> = { ...held.values };
      for (const name in cell.values) values[name] = (values[name] ?? 0) + (cell.values[name] as number);
      byKey[key] = { dims: held.dims, values };
    }
  }
  return { summary: true, cells: byKey };
};

/** What a ledger's packed cells moved into their value names: one kind packed at most, as the ledger holds several kinds. */
function movedOf(packed: Readonly<Record<string, readonly string[]>>): readonly string[] {
  const lists = Object.values(packed);
  if (lists.length > 1) throw new Error('an as-of ledger holds at most one packed kind');
  return lists[0] ?? [];
}

/**
 * The all-time cells as they stood at the end of business day `day` ('YYYY-MM-DD'): the tenant's (kinds `pipeline`,
 * `funnelSource`, `funnelCampaign`, unpacked as `packed` packed them), or with `ownerId` that owner's `owner` cells. One read, of at most
 * (day's year − 1900) + 11 + 31 documents of each ledger.
 */
export async function loadCellsAsOf(
  store: Pick<ReadStore, 'getMany'>,
  collection: string,
  tenantId: string,
  packed: Readonly<Record<string, readonly string[]>>,
  day: string,
  ownerId?: string,
): Promise<SummaryCell[]> {
  const prefix = ownerId === undefined ? pipelineLedgerPrefix(tenantId) : ownerLedgerPrefix(tenantId, ownerId);
  const [cells] = await loadLedgerTotals(store, collection, [prefix], day);
  return unpackedCells(docOf(cells ?? []), movedOf(packed));
}
