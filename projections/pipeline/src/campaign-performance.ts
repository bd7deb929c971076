import type { Money } from '@crm/shared/kernel';
import type { AggregateRow, ReadStore } from '@crm/shared/read-model';
import { MoneyTotals, ratio } from './support';

/** What the marketing context will own (targets, responses, budget, costs) and so cannot be known from sales events. */
export const MARKETING_FIELDS = ['targets', 'responses', 'budget', 'cost', 'roi'] as const;

export const MARKETING_MISSING_NOTE =
  'The marketing context (campaigns, target lists, responses, budget and costs) does not exist yet; ' +
  'these fields stay null until it does. ROI needs the cost. Everything else here comes from sales events.';

export interface CampaignPerformance {
  readonly campaignId: string;
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
  /** Weighted value of its open opportunities. */
  readonly weightedPipeline: Money[];
  readonly conversion: { readonly leadToQualified: number | null; readonly winRate: number | null };
  readonly targets: null;
  readonly responses: null;
  readonly budget: null;
  readonly cost: Money | null;
  readonly roi: number | null;
  readonly missing: { readonly fields: readonly string[]; readonly note: string };
}

/** (won revenue − cost) ÷ cost, in the cost's currency; null unless the cost is known, non-zero and the revenue is all in its currency. */
export function campaignRoi(wonRevenue: readonly Money[], cost: Money | null): number | null {
  if (cost === null || cost.amount <= 0) return null;
  if (wonRevenue.some((revenue) => revenue.currency !== cost.currency && revenue.amount !== 0)) return null;
  const revenue = wonRevenue.find((money) => money.currency === cost.currency)?.amount ?? 0;
  return ratio(revenue - cost.amount, cost.amount);
}

/**
 * leadRows: the campaign's leads grouped by status; dealRows: its
 * opportunities grouped by status and currency, summing amount.amount and weightedAmount.
 */
export function campaignPerformance(
  campaignId: string,
  leadRows: readonly AggregateRow[],
  dealRows: readonly AggregateRow[],
): CampaignPerformance {
  const leadsIn = (status?: string) =>
    leadRows.filter((row) => status === undefined || row.group['status'] === status).reduce((n, row) => n + row.count, 0);
  const counts = { open: 0, won: 0, lost: 0 };
  const wonRevenue = new MoneyTotals();
  const weightedPipeline = new MoneyTotals();
  for (const row of dealRows) {
    const { status, 'amount.currency': currency } = row.group;
    if ((status !== 'open' && status !== 'won' && status !== 'lost') || typeof currency !== 'string') continue;
    counts[status] += row.count;
    if (status === 'won') wonRevenue.add(currency, row.sums['amount.amount'] ?? 0);
    if (status === 'open') weightedPipeline.add(currency, row.sums['weightedAmount'] ?? 0);
  }
  const leads = leadsIn();
  const qualified = leadsIn('qualified');
  const revenue = wonRevenue.toList();
  const cost: Money | null = null;
  return {
    campaignId,
    leads,
    qualified,
    disqualified: leadsIn('disqualified'),
    opportunities: counts.open + counts.won + counts.lost,
    ...counts,
    wonRevenue: revenue,
    weightedPipeline: weightedPipeline.toList(),
    conversion: { leadToQualified: ratio(qualified, leads), winRate: ratio(counts.won, counts.won + counts.lost) },
    targets: null,
    responses: null,
    budget: null,
    cost,
    roi: campaignRoi(revenue, cost),
    missing: { fields: MARKETING_FIELDS, note: MARKETING_MISSING_NOTE },
  };
}

/** Undefined when no lead or opportunity names the campaign: as far as the sales side knows, there is no such campaign. */
export async function loadCampaignPerformance(
  store: Pick<ReadStore, 'aggregate'>,
  collections: { readonly leads: string; readonly opportunities: string },
  tenantId: string,
  campaignId: string,
): Promise<CampaignPerformance | undefined> {
  const where = { tenantId, campaignId };
  const [leadRows, dealRows] = await Promise.all([
    store.aggregate(collections.leads, { where, groupBy: ['status'] }),
    store.aggregate(collections.opportunities, {
      where,
      groupBy: ['status', 'amount.currency'],
      sum: ['amount.amount', 'weightedAmount'],
    }),
  ]);
  const known = [...leadRows, ...dealRows].some((row) => row.count > 0);
  return known ? campaignPerformance(campaignId, leadRows, dealRows) : undefined;
}
