import type { Event } from '@crm/shared/event-sourcing';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import {
  atLedgerLevel,
  LEDGER_LEVELS,
  ledgerIdsOfDay,
  loadLedgerTotals,
  type ProjectionSummary,
  type ReadStore,
  summaryCellKey,
  type SummaryCell,
  type SummaryDoc,
} from '@crm/shared/read-model';
import { kindForm, unpackedCells } from './month-summaries';

/**
 * The pipeline's and the funnel's all-time figures as they stood at the end of a past business day (`asOf`, API.md:
 * exact to the day), from a dated ledger (libs/shared/read-model/src/as-of-ledger.ts) the deals' projection keeps
 * beside its summaries: every change an event makes to the all-time cells, by the business day it was recorded on, in
 * `{tenant}:~asof:{2026 | 2026-03 | 2026-03-20}`. It holds the cells of the `pipeline`, `funnelSource`,
 * `funnelCampaign` and `owner` kinds in the form their all-time documents hold them (`kindForm`: no month; a
 * campaign's cells packed into one): what the pipeline (the tenant's or one owner's) and the funnel read without a
 * period. One ledger, named from the event alone (`documentId`): a second one for the owners doubled what a fold
 * writes per event, and one per owner, named from the deal, was a document the runner had not loaded at almost every
 * event of a rebuild, each stopping the fold for a read.
 */
const MARK = ':~asof';

export const pipelineLedgerPrefix = (tenantId: string): string => `${tenantId}${MARK}`;

/** The kinds the ledger keeps: what the views read without a period (not `direct`: every deal less the lead-sourced ones). */
const LEDGER_KINDS: ReadonlySet<string> = new Set(['pipeline', 'funnelSource', 'funnelCampaign', 'owner']);

type Level = 'year' | 'month' | 'day';

/** Ids parsed, by id: a fold asks for every cell of every change, and the ids repeat (a tenant's kinds and days). */
const levels = new Map<string, Level | null>();

/** The ledger level of a document's id; undefined for any other id. */
function levelOf(id: string): Level | undefined {
  let found = levels.get(id);
  if (found === undefined) {
    const at = id.lastIndexOf(`${MARK}:`);
    const date = at < 0 ? '' : id.slice(at + MARK.length + 1);
    found = at < 0 ? null : date.length === 4 ? 'year' : date.length === 7 ? 'month' : 'day';
    // Bounded: a long-running process sees a few new ids a day per tenant.
    if (levels.size >= 10_000) levels.clear();
    levels.set(id, found);
  }
  return found ?? undefined;
}

const idList = (ids: string | readonly string[] | undefined): readonly string[] =>
  ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids;

/**
 * The summary members of `base` (monthSplitSummary's) with the ledger added: its documents of the event's recording
 * day are named from the event; `place` sends it the cells it keeps, in that form; `total` checks that each level
 * (years, months, days) sums to the cells of the documents as they stand now.
 */
export function withAsOfLedger<Doc extends object, E extends Event>(
  base: Pick<ProjectionSummary<Doc, E>, 'documentId' | 'documentIdOf' | 'place' | 'total'>,
  packed: Readonly<Record<string, readonly string[]>>,
): Pick<ProjectionSummary<Doc, E>, 'documentId' | 'documentIdOf' | 'place' | 'total'> {
  const moved = movedOf(packed);
  const formOf = (cell: SummaryCell): SummaryCell | undefined =>
    LEDGER_KINDS.has(String(cell.dims['kind'])) ? kindForm(cell, packed) : undefined;
  // Each change is placed in the three levels, one after the other: the very same form object for all three, so the
  // fold nets it once (placeChange) and keys its dimensions once (summaryCellKey keeps the key by dimensions object).
  // The forms are kept from the year document (named first) to the day's.
  const forms = new Map<SummaryCell, SummaryCell | null>();
  const ledgerForm = (cell: SummaryCell, level: Level): SummaryCell | undefined => {
    if (level === 'year') forms.clear();
    let form = forms.get(cell);
    if (form === undefined) forms.set(cell, (form = formOf(cell) ?? null));
    return form ?? undefined;
  };
  return {
    documentId: (event) => [
      ...idList(base.documentId(event)),
      ...ledgerIdsOfDay(pipelineLedgerPrefix(event.metadata.tenantId), BUSINESS_CALENDAR.day(event.metadata.occurredAt)),
    ],
    ...(base.documentIdOf === undefined ? {} : { documentIdOf: base.documentIdOf }),
    place: (cell, id) => {
      const level = levelOf(id);
      if (level === undefined) return base.place === undefined ? cell : base.place(cell, id);
      return ledgerForm(cell, level);
    },
    total: {
      of: (summaries) => {
        const others = new Map<string, SummaryDoc>();
        const kept: SummaryCell[] = [];
        for (const [id, doc] of summaries) {
          const level = levelOf(id);
          if (level === undefined) others.set(id, doc);
          else for (const cell of unpackedCells(doc, moved)) kept.push(atLedgerLevel(cell, level));
        }
        return [
          ...(base.total === undefined ? [...others.values()].flatMap((doc) => Object.values(doc.cells)) : base.total.of(others)),
          ...kept,
        ];
      },
      ofCells: (cells) => {
        const due: SummaryCell[] = [];
        // The ledger's cells read back unpacked: each cell without its month, once per level.
        for (const cell of cells) {
          if (formOf(cell) !== undefined) for (const level of LEDGER_LEVELS) due.push(atLedgerLevel(kindForm(cell, {}), level));
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
  const [cells] = await loadLedgerTotals(store, collection, [pipelineLedgerPrefix(tenantId)], day);
  const found = unpackedCells(docOf(cells ?? []), movedOf(packed));
  return ownerId === undefined ? found : found.filter((cell) => cell.dims['kind'] === 'owner' && cell.dims['ownerId'] === ownerId);
}
