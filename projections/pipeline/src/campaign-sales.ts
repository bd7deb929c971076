import type { Money } from '@crm/shared/kernel';
import type { AggregateRow } from '@crm/shared/read-model';
import { MoneyTotals, ratio, WeightedTotals } from './support';

/** What sales events attribute to a campaign: its leads and the deals that came of them (or were opened for it). */
export interface CampaignSalesFigures {
  /** Leads captured with this campaign. */
  readonly leads: number;
  readonly qualified: number;
  readonly disqualified: number;
  /** Opportunities attributed to the campaign: from its leads, or opened directly with its id. */
  readonly opportunities: number;
  readonly open: number;
  readonly won: number;
  readonly lost: number;
  readonly wonRevenue: Money[];
  /** Weighted value of its open opportunities: Σ amount × probability ÷ 100, exact, rounded once (half to even). */
  readonly weightedPipeline: Money[];
  readonly conversion: { readonly leadToQualified: number | null; readonly winRate: number | null };
}

/**
 * leadRows: the campaign's leads grouped by status; dealRows: its
 * opportunities grouped by status and currency, summing amount.amount, weightedAmount and weightedRest.
 */
export function campaignSalesFigures(leadRows: readonly AggregateRow[], dealRows: readonly AggregateRow[]): CampaignSalesFigures {
  const leadsIn = (status?: string) =>
    leadRows.filter((row) => status === undefined || row.group['status'] === status).reduce((n, row) => n + row.count, 0);
  const counts = { open: 0, won: 0, lost: 0 };
  const wonRevenue = new MoneyTotals();
  const weightedPipeline = new WeightedTotals();
  for (const row of dealRows) {
    const { status, 'amount.currency': currency } = row.group;
    if ((status !== 'open' && status !== 'won' && status !== 'lost') || typeof currency !== 'string') continue;
    counts[status] += row.count;
    if (status === 'won') wonRevenue.add(currency, row.sums['amount.amount'] ?? 0);
    if (status === 'open') weightedPipeline.add(currency, row.sums['weightedAmount'] ?? 0, row.sums['weightedRest'] ?? 0);
  }
  const leads = leadsIn();
  const qualified = leadsIn('qualified');
  return {
    leads,
    qualified,
    disqualified: leadsIn('disqualified'),
    opportunities: counts.open + counts.won + counts.lost,
    ...counts,
    wonRevenue: wonRevenue.toList(),
    weightedPipeline: weightedPipeline.toList(),
    conversion: { leadToQualified: ratio(qualified, leads), winRate: ratio(counts.won, counts.won + counts.lost) },
  };
}

/** (won revenue − cost) ÷ cost, in the cost's currency; null unless the cost is known, non-zero and the revenue is all in its currency. */
export function campaignRoi(wonRevenue: readonly Money[], cost: Money | null): number | null {
  if (cost === null || cost.amount <= 0) return null;
  if (wonRevenue.some((revenue) => revenue.currency !== cost.currency && revenue.amount !== 0)) return null;
  const revenue = wonRevenue.find((money) => money.currency === cost.currency)?.amount ?? 0;
  return ratio(revenue - cost.amount, cost.amount);
}
