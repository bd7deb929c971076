import { OPEN_STAGES, STAGE_PROBABILITY, type OpportunityStage } from '@crm/sales/domain';
import { MEASURE_PLACES, minorUnits, roundHalfEven, type Money } from '@crm/shared/kernel';
import type { AggregateQuery, AggregateRow, ReadStore, Where } from '@crm/shared/read-model';
import { compact, dateRange, MoneyTotals, ratio } from './support';

const DAY_MS = 86_400_000;

/**
 * The period is on closing dates: won and lost deals count when they closed
 * (wonAt / lostAt), open deals when they are expected to close. So "this
 * quarter" reads as the deals decided in it and those still due in it.
 */
export interface PipelineFilters {
  readonly ownerId?: string;
  /** Inclusive calendar dates (YYYY-MM-DD); won/lost times are taken as UTC days. */
  readonly from?: string;
  readonly to?: string;
}

export interface StageFigures {
  readonly stage: OpportunityStage;
  /** The stage's default probability (%); weighted totals use each deal's own. */
  readonly probability: number;
  readonly count: number;
  readonly total: Money[];
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
  sum: ['amount.amount', 'weightedAmount', 'cycleMs'],
};

class Bucket {
  count = 0;
  /** Deals per currency, for averages that must not mix currencies. */
  readonly counts = new Map<string, number>();
  readonly total = new MoneyTotals();
  readonly weighted = new MoneyTotals();

  add(row: AggregateRow, currency: string, weighs: boolean): void {
    this.count += row.count;
    this.counts.set(currency, (this.counts.get(currency) ?? 0) + row.count);
    this.total.add(currency, row.sums['amount.amount'] ?? 0);
    this.weighted.add(currency, weighs ? (row.sums['weightedAmount'] ?? 0) : 0);
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
  // Velocity uses the exact share; only the reported rate is rounded.
  const winShare = closed > 0 ? won.count / closed : null;
  const cycleDays = won.count > 0 ? cycleMs / won.count / DAY_MS : null;
  // Every factor exact; only the reported figure is rounded (half to even, to the minor unit).
  const exactAverage = (currency: string) => won.total.get(currency) / (won.counts.get(currency) ?? 1);
  const averageWonDeal = won.total.currencies().map((currency) => ({ amount: minorUnits(exactAverage(currency)), currency }));
  const salesVelocity =
    winShare === null || cycleDays === null || cycleDays === 0
      ? null
      : won.total.currencies().map((currency) => ({
          amount: minorUnits(((open.counts.get(currency) ?? 0) * exactAverage(currency) * winShare) / cycleDays),
          currency,
        }));
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

/** The route's whole read: one grouped aggregate over the serving collection. */
export async function loadPipelineSummary(
  store: Pick<ReadStore, 'aggregate'>,
  collection: string,
  tenantId: string,
  filters: PipelineFilters,
): Promise<PipelineSummary> {
  const rows = await store.aggregate(collection, { ...PIPELINE_AGGREGATE, where: pipelineWhere(tenantId, filters) });
  return pipelineSummary(rows, filters);
}
