import type { Event } from '@crm/shared/event-sourcing';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import {
  dueAtEveryLevel,
  idList,
  ledgerContents,
  ledgerIdsOfDay,
  ledgerPrefix,
  ledgerLevelOfId,
  loadLedgerTotals,
  type ProjectionSummary,
  type ReadStore,
  type RecordedOf,
  type SummaryCell,
  type SummaryDoc,
} from '@crm/shared/read-model';
import { kindForm, unpackedCells } from './month-summaries';

/**
 * The pipeline's and the funnel's all-time figures as they stood at the end of a past business day (`asOf`, API.md:
 * exact to the day), from a dated ledger (libs/shared/read-model/src/as-of-ledger.ts) the deals' projection keeps
 * beside its summaries, `{tenant}:~asof:{2026 | 2026-03 | 2026-03-20}`: every change an event makes to a document's
 * all-time cells, on the business day it counts from. It holds the cells of the `pipeline`, `funnelSource`,
 * `funnelCampaign` and `owner` kinds in the form their all-time documents hold them (`kindForm`: no month; a
 * campaign's cells packed into one): what the pipeline (the tenant's or one owner's) and the funnel read without a
 * period.
 *
 * The day a change counts from is the day its event was recorded on (`occurredAt`), or the document's own `ledgerDay`
 * when that is later: a command is stamped before it waits for its turn on the stream, so two commands on one deal
 * may commit in the other order than their stamps, across midnight too. Counted by their stamps, the later-committed
 * change (measured against the state the other left) would land on the earlier day and show, as of that day, a deal
 * in a stage it had left (a count of −1: an outside review). Counted from `ledgerDay`, a document's changes never go
 * back in time, and every day shows each deal in a state it really was in. So the ledger documents are named from the
 * document (`documentIdOf`), not from the event alone.
 */
/** The kinds the ledger keeps: what the views read without a period (not `direct`: every deal less the lead-sourced ones). */
const LEDGER_KINDS: ReadonlySet<string> = new Set(['pipeline', 'funnelSource', 'funnelCampaign', 'owner']);

/** What a document keeps of the ledger: the last business day one of its changes counts from. */
export interface LedgerDated {
  readonly ledgerDay?: string;
}

type Stamped = { readonly metadata: { readonly occurredAt: string } };

/** An event's recording day, kept by event: asked for each of its documents, when naming their ledger and when evolving them. */
const days = new WeakMap<Stamped, string>();
const dayOf = (event: Stamped): string => {
  let day = days.get(event);
  if (day === undefined) days.set(event, (day = BUSINESS_CALENDAR.day(event.metadata.occurredAt)));
  return day;
};

/** The day a document's change by `event` counts from: the event's recording day, or the document's later `ledgerDay`. */
const countsFrom = (doc: LedgerDated | null, event: Stamped): string => {
  const day = dayOf(event);
  const last = doc?.ledgerDay;
  return last !== undefined && last > day ? last : day;
};

/** `evolve` that keeps on each changed document the day its change counts from (`ledgerDay`). */
export function datedEvolve<Doc extends LedgerDated, E extends Event>(
  evolve: (doc: Doc | null, event: RecordedOf<E>, id: string, peer?: (id: string) => Doc | null) => Doc | null,
): (doc: Doc | null, event: RecordedOf<E>, id: string, peer?: (id: string) => Doc | null) => Doc | null {
  return (doc, event, id, peer) => {
    const next = evolve(doc, event, id, peer);
    return next === null || next === doc ? next : { ...next, ledgerDay: countsFrom(doc, event) };
  };
}

/**
 * The summary members of `base` (monthSplitSummary's) with the ledger added: a document names the ledger documents of
 * the day its change counts from; `place` sends them the cells the ledger keeps, in that form; `total` checks that
 * each level (years, months, days) sums to the cells of the documents as they stand now.
 */
export function withAsOfLedger<Doc extends LedgerDated, E extends Event>(
  base: Pick<ProjectionSummary<Doc, E>, 'documentId' | 'documentIdOf' | 'place' | 'total'>,
  packed: Readonly<Record<string, readonly string[]>>,
): Pick<ProjectionSummary<Doc, E>, 'documentId' | 'documentIdOf' | 'place' | 'total'> {
  const moved = movedOf(packed);
  const formOf = (cell: SummaryCell): SummaryCell | undefined =>
    LEDGER_KINDS.has(String(cell.dims['kind'])) ? kindForm(cell, packed) : undefined;
  // A change is placed in the ledger's three levels: the same form object for all three, so the fold nets it once
  // (placeChange) and keys its dimensions once (summaryCellKey keeps the key by dimensions object). Kept by the
  // changed cell, a new object for every change.
  const forms = new WeakMap<SummaryCell, SummaryCell | null>();
  const ledgerForm = (cell: SummaryCell): SummaryCell | undefined => {
    let form = forms.get(cell);
    if (form === undefined) forms.set(cell, (form = formOf(cell) ?? null));
    return form ?? undefined;
  };
  return {
    documentId: base.documentId,
    documentIdOf: (event, doc, id, peer) => [
      ...idList(base.documentIdOf?.(event, doc, id, peer)),
      ...ledgerIdsOfDay(ledgerPrefix(event.metadata.tenantId), countsFrom(doc, event)),
    ],
    place: (cell, id) => {
      if (ledgerLevelOfId(id) === undefined) return base.place === undefined ? cell : base.place(cell, id);
      return ledgerForm(cell);
    },
    total: {
      of: (summaries) => {
        const { others, cells } = ledgerContents(summaries, (doc) => unpackedCells(doc, moved));
        return [
          ...(base.total === undefined ? [...others.values()].flatMap((doc) => Object.values(doc.cells)) : base.total.of(others)),
          ...cells,
        ];
      },
      // The ledger's cells read back unpacked: each cell without its month.
      ofCells: (cells) => [
        ...(base.total === undefined ? cells : base.total.ofCells(cells)),
        ...dueAtEveryLevel(cells.filter((cell) => formOf(cell) !== undefined).map((cell) => kindForm(cell, {}))),
      ],
    },
  };
}

/** What a ledger's packed cells moved into their value names: one kind packed at most, as the ledger holds several kinds. */
function movedOf(packed: Readonly<Record<string, readonly string[]>>): readonly string[] {
  const lists = Object.values(packed);
  if (lists.length > 1) throw new Error('an as-of ledger holds at most one packed kind');
  return lists[0] ?? [];
}

/**
 * The all-time cells as they stood at the end of business day `day` ('YYYY-MM-DD'), unpacked as `packed` packed them:
 * the tenant's, or with `ownerId` that owner's `owner` cells only. One read, of at most (day's year − 1900) + 11 + 31
 * documents.
 */
export async function loadCellsAsOf(
  store: Pick<ReadStore, 'getMany'>,
  collection: string,
  tenantId: string,
  packed: Readonly<Record<string, readonly string[]>>,
  day: string,
  ownerId?: string,
): Promise<SummaryCell[]> {
  const [totals] = await loadLedgerTotals(store, collection, [ledgerPrefix(tenantId)], day);
  const found = unpackedCells(totals as SummaryDoc, movedOf(packed));
  return ownerId === undefined ? found : found.filter((cell) => cell.dims['kind'] === 'owner' && cell.dims['ownerId'] === ownerId);
}
