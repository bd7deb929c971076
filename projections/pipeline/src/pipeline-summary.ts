import { OPEN_STAGES, STAGE_PROBABILITY, type OpportunityStage } from '@crm/sales/domain';
import { compact, divideHalfEven, MEASURE_PLACES, type Money, roundHalfEven } from '@crm/shared/kernel';
import type { AggregateQuery, AggregateRow, ReadStore, SummaryCell, SummaryDoc, Where } from '@crm/shared/read-model';
import { loadMonthYears, loadSummaryDoc, monthCells, type MonthStrategy, MONTHS, periodCells, summaryId } from './month-summaries';
import { loadCellsAsOf } from './pipeline-as-of';
import { PIPELINE_SUMMARY_PACKED } from './pipeline-opportunities.projection';
import { dateRange, MoneyTotals, nextDay, ratio, WeightedTotals } from './support';

const DAY_MS = 86_400_000;

/**
 * The period is on closing dates: won and lost deals count when they closed
 * (wonAt / lostAt), open deals when they are expected to close. So "this
 * quarter" reads as the deals decided in it and those still due in it.
 */
export interface PipelineFilters {
  readonly ownerId?: string;
  /**
   * Inclusive business days (YYYY-MM-DD; BUSINESS_CALENDAR, `CRM_BUSINESS_TIME_ZONE`, Asia/Tehran by default): won/lost
   * deals by the business day of wonAt / lostAt (their `closingDate`).
   */
  readonly from?: string;
  readonly to?: string;
}

export interface StageFigures {
  readonly stage: OpportunityStage;
  /** The stage's default probability (%); weighted totals use each deal's own. */
  readonly probability: number;
  readonly count: number;
  readonly total: Money[];
  /** Σ amount × probability ÷ 100 of its deals, summed exactly and rounded once, half to even, to the minor unit. */
  readonly weighted: Money[];
}

export interface PipelineSummary {
  readonly period: { readonly basis: 'closingDate'; readonly from: string | null; readonly to: string | null };
  readonly ownerId: string | null;
  /** The four open stages, then won and lost: every one always present. */
  readonly stages: StageFigures[];
  /** The open pipeline: count, total and weighted total over the open stages. */
  readonly open: { readonly count: number; readonly total: Money[]; readonly weighted: Money[] };
  /** won ÷ (won + lost) closed in the period; null when none closed. */
  readonly winRate: number | null;
  /** Mean days from opened to won over the deals won in the period. */
  readonly averageCycleDays: number | null;
  /** Mean amount of the deals won in the period, per currency. */
  readonly averageWonDeal: Money[];
  /** open deals × average won deal × win rate ÷ average cycle days, per currency per day; null when a factor is unknown. */
  readonly salesVelocity: Money[] | null;
}

export function pipelineWhere(tenantId: string, filters: PipelineFilters): Where {
  return compact({
    tenantId,
    status: { in: ['open', 'won', 'lost'] },
    ownerId: filters.ownerId,
    closingDate: dateRange(filters.from, filters.to),
  });
}

export const PIPELINE_AGGREGATE: Omit<AggregateQuery, 'where'> = {
  groupBy: ['status', 'stage', 'amount.currency'],
  sum: ['amount.amount', 'weightedAmount', 'weightedRest', 'cycleMs'],
};

class Bucket {
  count = 0;
  /** Deals per currency, for averages that must not mix currencies. */
  readonly counts = new Map<string, number>();
  readonly total = new MoneyTotals();
  readonly weighted = new WeightedTotals();

  add(row: AggregateRow, currency: string, weighs: boolean): void {
    this.count += row.count;
    this.counts.set(currency, (this.counts.get(currency) ?? 0) + row.count);
    this.total.add(currency, row.sums['amount.amount'] ?? 0);
    this.weighted.add(currency, weighs ? (row.sums['weightedAmount'] ?? 0) : 0, weighs ? (row.sums['weightedRest'] ?? 0) : 0);
  }

  figures() {
    return { count: this.count, total: this.total.toList(), weighted: this.weighted.toList() };
  }
}

const STAGES: readonly OpportunityStage[] = [...OPEN_STAGES, 'won', 'lost'];

/** Folds rows grouped by status, stage and currency (PIPELINE_AGGREGATE) into the summary. */
export function pipelineSummary(rows: readonly AggregateRow[], filters: PipelineFilters): PipelineSummary {
  const buckets = new Map(STAGES.map((stage) => [stage, new Bucket()]));
  const open = new Bucket();
  let cycleMs = 0;
  for (const row of rows) {
    const { status, stage, 'amount.currency': currency } = row.group;
    const target = buckets.get((status === 'open' ? stage : status) as OpportunityStage);
    if (!target || typeof currency !== 'string') continue;
    // Lost deals weigh 0 whatever probability they had.
    target.add(row, currency, status !== 'lost');
    if (status === 'open') open.add(row, currency, true);
    if (status === 'won') cycleMs += row.sums['cycleMs'] ?? 0;
  }
  const won = buckets.get('won') as Bucket;
  const lost = buckets.get('lost') as Bucket;
  const closed = won.count + lost.count;
  const cycleDays = won.count > 0 ? cycleMs / won.count / DAY_MS : null;
  // Every factor exact, in integers: only the reported figure is rounded (half to even, to the minor unit). In floating
  // point, a product near .5 past the minor unit was read as a tie (roundHalfEven's float tolerance grows with the
  // value): a velocity of ~10^15 came out one minor unit off (an outside probe). Exact within ±(2^53 − 1).
  const wonIn = (currency: string) => BigInt(won.counts.get(currency) ?? 1);
  const averageWonDeal = won.total
    .currencies()
    .map((currency) => ({ amount: Number(divideHalfEven(won.total.exact(currency), wonIn(currency))), currency }));
  // open × (won total ÷ won in the currency) × (won ÷ closed) ÷ (cycle ms ÷ won ÷ DAY_MS)
  const salesVelocity =
    closed === 0 || won.count === 0 || cycleMs === 0
      ? null
      : won.total.currencies().map((currency) => {
          const wonCount = BigInt(won.count);
          const numerator = BigInt(open.counts.get(currency) ?? 0) * won.total.exact(currency) * wonCount * wonCount * BigInt(DAY_MS);
          const denominator = wonIn(currency) * BigInt(closed) * BigInt(Math.round(cycleMs));
          return { amount: Number(divideHalfEven(numerator, denominator)), currency };
        });
  return {
    period: { basis: 'closingDate', from: filters.from ?? null, to: filters.to ?? null },
    ownerId: filters.ownerId ?? null,
    stages: [...buckets].map(([stage, b]) => ({ stage, probability: STAGE_PROBABILITY[stage], ...b.figures() })),
    open: open.figures(),
    winRate: ratio(won.count, closed),
    averageCycleDays: cycleDays === null ? null : roundHalfEven(cycleDays, MEASURE_PLACES),
    averageWonDeal,
    salesVelocity,
  };
}

const monthAfter = (month: string): string => {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
};

/**
 * How a period of business days splits: whole months [firstMonth, endMonth) from the summary, part-months at its edges
 * from the deals (business days [gte, lt): on a day field as they are, on an instant field through `businessInstants`).
 */
export interface MonthSplit {
  readonly firstMonth?: string;
  /** Exclusive. */
  readonly endMonth?: string;
  /** Closing-date ranges [gte, lt) read deal by deal. */
  readonly edges: readonly { readonly gte: string; readonly lt: string }[];
}

export function splitMonths(from: string | undefined, to: string | undefined): MonthSplit {
  const end = to === undefined ? undefined : nextDay(to);
  if (from !== undefined && end !== undefined && from >= end)
    return { firstMonth: from.slice(0, 7), endMonth: from.slice(0, 7), edges: [] };
  const startsMonth = from === undefined || from.slice(8, 10) === '01';
  const firstMonth = from === undefined ? undefined : startsMonth ? from.slice(0, 7) : monthAfter(from.slice(0, 7));
  const endsMonth = end === undefined || end.slice(8, 10) === '01';
  const endMonth = end === undefined ? undefined : end.slice(0, 7);
  if (from !== undefined && end !== undefined && !startsMonth && end <= `${firstMonth}-01`) {
    // Within one month, not from its first day: deal by deal.
    return { firstMonth, endMonth: firstMonth, edges: [{ gte: from, lt: end }] };
  }
  const edges: { gte: string; lt: string }[] = [];
  if (from !== undefined && !startsMonth) edges.push({ gte: from, lt: `${firstMonth}-01` });
  if (end !== undefined && !endsMonth) edges.push({ gte: `${endMonth}-01`, lt: end });
  return { ...(firstMonth === undefined ? {} : { firstMonth }), ...(endMonth === undefined ? {} : { endMonth }), edges };
}

/**
 * Summary cells as rows grouped like PIPELINE_AGGREGATE: the `pipeline` cells of the whole months of the period
 * (cells with a month) or all of them (month-less cells, no period), or one owner's `owner` cells.
 */
function summaryRows(cells: readonly SummaryCell[], split: MonthSplit, ownerId: string | undefined): AggregateRow[] {
  const rows: AggregateRow[] = [];
  if (split.firstMonth !== undefined && split.endMonth !== undefined && split.firstMonth >= split.endMonth) return rows;
  for (const { dims, values } of cells) {
    if (ownerId === undefined) {
      if (dims['kind'] !== 'pipeline') continue;
      const month = dims['month'];
      if (split.firstMonth !== undefined && (typeof month !== 'string' || month < split.firstMonth)) continue;
      if (split.endMonth !== undefined && (typeof month !== 'string' || month >= split.endMonth)) continue;
    } else if (dims['kind'] !== 'owner' || dims['ownerId'] !== ownerId) continue;
    rows.push({
      group: { status: dims['status'] ?? null, stage: dims['stage'] ?? null, 'amount.currency': dims['currency'] ?? null },
      count: values['count'] ?? 0,
      sums: {
        'amount.amount': values['amount'] ?? 0,
        weightedAmount: values['weighted'] ?? 0,
        weightedRest: values['weightedRest'] ?? 0,
        cycleMs: values['cycleMs'] ?? 0,
      },
    });
  }
  return rows;
}

/**
 * The route's read. No period: the tenant's `pipeline` summary (a few cells whatever the history), or for one
 * owner the `owner` summary. A period open on one side: the per-month summary for its whole closing months, and a grouped aggregate
 * over the deals of a part-month at its edge. A period bounded on both sides, or one owner over a period: the deals
 * of the period. Exact to the day, as the period is.
 */
export async function loadPipelineSummary(
  store: Pick<ReadStore, 'aggregate' | 'getMany'>,
  collection: string,
  tenantId: string,
  filters: PipelineFilters,
  /** How the whole months are summed; by default whichever reads fewer documents (periodCells). */
  strategy?: MonthStrategy,
): Promise<PipelineSummary> {
  // A period bounded on both sides reads its own deals (index on tenant, status, closing date): that costs what the
  // period holds, where the months summary costs every month of the history. One owner over a period: that owner's deals.
  const dated = filters.from !== undefined || filters.to !== undefined;
  const bounded = filters.from !== undefined && filters.to !== undefined;
  if (bounded || (filters.ownerId !== undefined && dated)) {
    return loadPipelineSummaryFromDeals(store, collection, tenantId, filters);
  }
  const split = splitMonths(filters.from, filters.to);
  const edgesOf = () =>
    Promise.all(
      split.edges.map((closingDate) =>
        store.aggregate(collection, { ...PIPELINE_AGGREGATE, where: { ...pipelineWhere(tenantId, {}), closingDate } }),
      ),
    );
  const years = dated ? await loadMonthYears(store, collection, tenantId) : undefined;
  if (years !== undefined) {
    // The closing months' documents of the years the period covers (or the all-time cells less the years outside it).
    const allTime = { id: summaryId(tenantId, 'pipeline'), cells: (doc: SummaryDoc) => Object.values(doc.cells) };
    const range = { part: MONTHS, kind: 'pipeline', ...split };
    const [cells, edges] = await Promise.all([periodCells(store, collection, tenantId, years, range, allTime, strategy), edgesOf()]);
    return pipelineSummary([...summaryRows(cells, { edges: [] }, undefined), ...edges.flat()], filters);
  }
  // A build from before the months documents per year: its one `months` document.
  const part = dated ? MONTHS : filters.ownerId === undefined ? 'pipeline' : 'owner';
  const [summary, edges] = await Promise.all([loadSummaryDoc(store, collection, summaryId(tenantId, part)), edgesOf()]);
  // No summary: no deal yet, or a collection built before summaries were kept (it serves until its rebuild switches over).
  if (summary === undefined) return loadPipelineSummaryFromDeals(store, collection, tenantId, filters);
  const cells = dated ? monthCells(summary) : Object.values(summary.cells);
  return pipelineSummary([...summaryRows(cells, split, filters.ownerId), ...edges.flat()], filters);
}

/**
 * The pipeline (no period; the tenant's, or one owner's) as it stood at the end of business day `day` ('YYYY-MM-DD'):
 * the dated ledger's changes up to that day (pipeline-as-of.ts), one read of at most (day's year − 1900) + 11 + 31 small
 * documents. The same figures as the all-time read on a build of the events recorded by then.
 */
export async function loadPipelineSummaryAsOf(
  store: Pick<ReadStore, 'getMany'>,
  collection: string,
  tenantId: string,
  filters: Pick<PipelineFilters, 'ownerId'>,
  day: string,
): Promise<PipelineSummary> {
  const cells = await loadCellsAsOf(store, collection, tenantId, PIPELINE_SUMMARY_PACKED, day, filters.ownerId);
  return pipelineSummary(summaryRows(cells, { edges: [] }, filters.ownerId), { ownerId: filters.ownerId });
}

/** The same figures from every deal of the period (the definition the summary is checked against). */
export async function loadPipelineSummaryFromDeals(
  store: Pick<ReadStore, 'aggregate'>,
  collection: string,
  tenantId: string,
  filters: PipelineFilters,
): Promise<PipelineSummary> {
  const rows = await store.aggregate(collection, { ...PIPELINE_AGGREGATE, where: pipelineWhere(tenantId, filters) });
  return pipelineSummary(rows, filters);
}
