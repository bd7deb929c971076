import type { LeadSource, OpenStage } from '@crm/sales/domain';
import { compact, type Money } from '@crm/shared/kernel';
import {
  cursorBinding,
  type CursorKey,
  type EveryFilterBound,
  type FindQuery,
  InvalidCursorError,
  openCursor,
  type ReadStore,
  pageOfLookAhead,
  sealCursor,
  type SortDirection,
  type SummaryDoc,
  tenantKey,
} from '@crm/shared/read-model';
import { loadSummaryDoc, summaryId } from './month-summaries';
import { LIST_SORT_FIELDS, NAME_KEY_LENGTH, type OpenedOpportunity } from './pipeline-opportunities.projection';
import { dateRange } from './support';

export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost'] as const;
export type OpportunityStatus = (typeof OPPORTUNITY_STATUSES)[number];

/** Sort keys the route accepts, mapped to document fields. */
const SORT_FIELDS = {
  openedAt: 'openedAt',
  expectedCloseDate: 'expectedCloseDate',
  closingDate: 'closingDate',
  amount: 'amount.amount',
  weightedAmount: 'weightedAmount',
  probability: 'probability',
  // In the Persian reading order, whatever the keyboard (persianSortKey), not by code point.
  name: 'nameKey',
  // In the pipeline's order (PIPELINE_STAGES: the open stages as the sales domain orders them, then won, then lost), not
  // by the stage's name; within a stage by id (stageKey).
  stage: 'stageKey',
} as const;
export type OpportunitySort = keyof typeof SORT_FIELDS;
type SortNotIndexed = Exclude<(typeof SORT_FIELDS)[OpportunitySort], (typeof LIST_SORT_FIELDS)[number]>;
// A sort added here and not to LIST_SORT_FIELDS would have no index: a page would sort every deal. The compiler says so.
const EVERY_SORT_INDEXED: [SortNotIndexed] extends [never] ? true : SortNotIndexed = true;
void EVERY_SORT_INDEXED;
const NUMERIC_SORTS: ReadonlySet<OpportunitySort> = new Set(['amount', 'weightedAmount', 'probability']);
export const OPPORTUNITY_SORTS = Object.keys(SORT_FIELDS) as OpportunitySort[];
export const MAX_PAGE = 200;

export interface OpportunityListFilters {
  readonly stage?: OpenStage;
  readonly status?: OpportunityStatus;
  readonly ownerId?: string;
  readonly accountId?: string;
  readonly campaignId?: string;
  readonly source?: LeadSource;
  /** Amount bounds are in minor units; give `currency` too when deals are in several. */
  readonly currency?: string;
  readonly amountMin?: number;
  readonly amountMax?: number;
  /** Inclusive calendar dates. */
  readonly expectedCloseFrom?: string;
  readonly expectedCloseTo?: string;
  readonly sort?: OpportunitySort;
  readonly order?: SortDirection;
  readonly limit?: number;
  readonly offset?: number;
  /** The `nextCursor` of the page before: the page after its last row, in the same sort and order. */
  readonly cursor?: string;
}

export { InvalidCursorError, type CursorKey } from '@crm/shared/read-model';

interface CursorContent {
  /** Sort and order it was given for. */
  readonly s: OpportunitySort;
  readonly o: SortDirection;
  /** The last row's sort value and opportunity id. */
  readonly v: string | number | null;
  readonly id: string;
}

/** Without a server key (tools, specs) a cursor is still tagged: edits and a change of filters are refused alike. */
const UNKEYED: CursorKey = Buffer.from('crm.opportunity-list.cursor');

const NOT_OURS = 'cursor must be the nextCursor of an earlier page, with the same filters';

/**
 * What a cursor is bound to besides its position: the tenant and every filter of the list (not the page's limit).
 * A cursor given with other filters would start the list after a row of another list.
 */
function boundTo(tenantId: string, filters: OpportunityListFilters): string {
  // Sort and order are in the cursor itself, checked with their own message; what a caller adds (a read-your-writes
  // position) is no filter. The sort's document field is bound too: a cursor of `name` before it sorted on `nameKey`
  // holds a name, which read as a key would start the next page anywhere (and one of `stage` before `stageKey`, a
  // stage's name). `ties: order`: ties break on the id in the page's order since pipeline-opportunities 15 (ascending
  // before), so a descending cursor from before, read with the new order, would skip or repeat rows of its tie.
  return cursorBinding(tenantId, filters, LIST_FILTERS, SORT_FIELDS[filters.sort ?? 'openedAt'], 'ties: order');
}

/** The filters of the list, in a fixed order: what a cursor is bound to. */
const LIST_FILTERS = [
  'stage',
  'status',
  'ownerId',
  'accountId',
  'campaignId',
  'source',
  'currency',
  'amountMin',
  'amountMax',
  'expectedCloseFrom',
  'expectedCloseTo',
] as const satisfies readonly (keyof OpportunityListFilters)[];
// A filter added to the list and not here would let a cursor cross lists: the compiler says so.
const EVERY_FILTER_BOUND: EveryFilterBound<
  OpportunityListFilters,
  (typeof LIST_FILTERS)[number],
  'sort' | 'order' | 'limit' | 'offset' | 'cursor'
> = true;
void EVERY_FILTER_BOUND;

/** The position a cursor seals (`sealCursor`: base64url JSON and a keyed tag over it, the tenant and the filters). */
function decodeCursor(cursor: string, sort: OpportunitySort, order: SortDirection, bound: string, key: CursorKey): CursorContent {
  const content = openCursor(cursor, bound, key, NOT_OURS) as Partial<CursorContent>;
  const value = content.v;
  // The value must be of the sort key's kind (a number for amounts and probability, text otherwise: every deal has
  // each), and an id: a cursor altered by hand is refused, not read as some other page.
  const kind = NUMERIC_SORTS.has(sort) ? 'number' : 'string';
  const valid =
    typeof content.id === 'string' &&
    content.id.length > 0 &&
    content.id.length <= 200 &&
    (kind === 'number'
      ? typeof value === 'number' && Number.isFinite(value)
      : typeof value === 'string' && value.length <= NAME_KEY_LENGTH);
  if (!valid) throw new InvalidCursorError(NOT_OURS);
  if (content.s !== sort || content.o !== order) {
    throw new InvalidCursorError(
      `cursor was given for sort=${String(content.s)}&order=${String(content.o)}: keep the sort and order of the first page`,
    );
  }
  return content as CursorContent;
}

/** A row of the list: every field present, null where the deal has no value. */
export interface OpportunityRow {
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly contactId: string | null;
  readonly ownerId: string | null;
  readonly stage: OpenStage;
  readonly probability: number;
  readonly amount: Money;
  readonly weightedAmount: Money;
  readonly expectedCloseDate: string;
  readonly openedAt: string;
  readonly status: OpportunityStatus;
  readonly wonAt: string | null;
  readonly lostAt: string | null;
  readonly lostReason: string | null;
  readonly quoteId: string | null;
  readonly source: LeadSource | null;
  readonly campaignId: string | null;
  readonly originLeadId: string | null;
}

export interface OpportunityPage {
  readonly items: OpportunityRow[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  /** Pass it as `cursor` for the rows after this page; null when this page is the last. */
  readonly nextCursor: string | null;
}

/**
 * Newest first unless asked otherwise; the store breaks ties on the document id, so pages are stable.
 * A cursor pages by keyset: the store starts after the last row through the sort field's index,
 * so a deep page costs what the first does (an offset would read and skip every row before it).
 */
export function opportunityListQuery(
  tenantId: string,
  filters: OpportunityListFilters,
  key: CursorKey = UNKEYED,
): FindQuery & { limit: number; offset: number } {
  const amount = compact({ gte: filters.amountMin, lte: filters.amountMax });
  const sort = filters.sort ?? 'openedAt';
  const order = filters.order ?? 'desc';
  const cursor = filters.cursor === undefined ? undefined : decodeCursor(filters.cursor, sort, order, boundTo(tenantId, filters), key);
  return {
    where: compact({
      tenantId,
      status: filters.status ?? { in: [...OPPORTUNITY_STATUSES] },
      stage: filters.stage,
      ownerId: filters.ownerId,
      accountId: filters.accountId,
      campaignId: filters.campaignId,
      source: filters.source,
      'amount.currency': filters.currency,
      'amount.amount': Object.keys(amount).length > 0 ? amount : undefined,
      expectedCloseDate: dateRange(filters.expectedCloseFrom, filters.expectedCloseTo),
    }),
    orderBy: [{ field: SORT_FIELDS[sort], direction: order }],
    limit: Math.min(filters.limit ?? 50, MAX_PAGE),
    offset: filters.offset ?? 0,
    ...(cursor === undefined ? {} : { after: { values: [cursor.v], id: tenantKey(tenantId, cursor.id) } }),
  };
}

/** The sort value of a deal, as the store orders it. */
function sortValue(deal: OpenedOpportunity, sort: OpportunitySort): string | number | null {
  const value =
    sort === 'amount' ? deal.amount.amount : deal[SORT_FIELDS[sort] as Exclude<(typeof SORT_FIELDS)[OpportunitySort], 'amount.amount'>];
  return typeof value === 'string' || typeof value === 'number' ? value : null;
}

export function opportunityRow(deal: OpenedOpportunity): OpportunityRow {
  return {
    id: deal.opportunityId,
    name: deal.name,
    accountId: deal.accountId,
    contactId: deal.contactId ?? null,
    ownerId: deal.ownerId ?? null,
    stage: deal.stage,
    probability: deal.probability,
    amount: deal.amount,
    weightedAmount: { amount: deal.weightedAmount, currency: deal.amount.currency },
    expectedCloseDate: deal.expectedCloseDate,
    openedAt: deal.openedAt,
    status: deal.status,
    wonAt: deal.wonAt ?? null,
    lostAt: deal.lostAt ?? null,
    lostReason: deal.lostReason ?? null,
    quoteId: deal.quoteId ?? null,
    source: deal.source ?? null,
    campaignId: deal.campaignId ?? null,
    originLeadId: deal.originLeadId ?? null,
  };
}

/** Filters the pipeline summary's cells can count by: with no other filter, the total is a sum of cells, not a count of deals. */
const SUMMARY_FILTERS: ReadonlySet<string> = new Set([
  'status',
  'stage',
  'ownerId',
  'currency',
  'sort',
  'order',
  'limit',
  'offset',
  'cursor',
]);

/**
 * The number of deals matching status, stage, owner and currency, from the tenant's `pipeline` summary (a few
 * cells), or with an owner from its `owner` summary.
 */
export function totalFromSummary(summary: SummaryDoc | undefined, filters: OpportunityListFilters): number {
  let total = 0;
  for (const { dims, values } of Object.values(summary?.cells ?? {})) {
    if (dims['kind'] !== (filters.ownerId === undefined ? 'pipeline' : 'owner')) continue;
    if (
      filters.status !== undefined ? dims['status'] !== filters.status : !OPPORTUNITY_STATUSES.includes(dims['status'] as OpportunityStatus)
    )
      continue;
    if (filters.stage !== undefined && dims['stage'] !== filters.stage) continue;
    if (filters.ownerId !== undefined && dims['ownerId'] !== filters.ownerId) continue;
    if (filters.currency !== undefined && dims['currency'] !== filters.currency) continue;
    total += values['count'] ?? 0;
  }
  return total;
}

/**
 * A page (by keyset when a cursor is given) and the total of matching deals:
 * summed from the tenant's pipeline summary when only status, stage, owner and
 * currency filter the list, counted deal by deal otherwise.
 */
export async function loadOpportunityList(
  store: Pick<ReadStore, 'find' | 'count' | 'getMany'>,
  collection: string,
  tenantId: string,
  filters: OpportunityListFilters,
  key: CursorKey = UNKEYED,
): Promise<OpportunityPage> {
  const query = opportunityListQuery(tenantId, filters, key);
  const fromSummary = Object.entries(filters).every(([name, value]) => value === undefined || SUMMARY_FILTERS.has(name));
  // No summary: no deal yet, or a collection built before summaries were kept (it serves until its rebuild switches over).
  const summed = (async () => {
    const summary = fromSummary
      ? await loadSummaryDoc(store, collection, summaryId(tenantId, filters.ownerId === undefined ? 'pipeline' : 'owner'))
      : undefined;
    return summary !== undefined ? totalFromSummary(summary, filters) : store.count(collection, query.where);
  })();
  const [read, counted] = await Promise.all([store.find<OpenedOpportunity>(collection, { ...query, limit: query.limit + 1 }), summed]);
  const { rows: records, lastBeforeMore } = pageOfLookAhead(read, query.limit);
  // A first page that holds every matching deal is their count, read in the same statement: the summary, read apart,
  // may be of another commit (an outside probe saw 30 rows beside a total of 29 under load).
  // Past it, never fewer than the rows this read has seen (the rows before, this page and the one after). The rows before
  // are known to exist only when this page holds one: an empty page past the end says nothing (an outside probe read a
  // total of 1000, the offset, for 11 deals).
  const seen = query.after === undefined && records.length > 0 ? query.offset + records.length + (lastBeforeMore === undefined ? 0 : 1) : 0;
  const total = lastBeforeMore === undefined && query.after === undefined && query.offset === 0 ? records.length : Math.max(counted, seen);
  const last = lastBeforeMore?.doc;
  const sort = filters.sort ?? 'openedAt';
  const nextCursor =
    last === undefined
      ? null
      : sealCursor(
          { s: sort, o: filters.order ?? 'desc', v: sortValue(last, sort), id: last.opportunityId },
          boundTo(tenantId, filters),
          key,
        );
  return { items: records.map((record) => opportunityRow(record.doc)), total, limit: query.limit, offset: query.offset, nextCursor };
}
