import type { Money } from '@crm/shared/kernel';
import type { AggregateRow, ReadStore, Scalar, Where } from '@crm/shared/read-model';
import type { CampaignDoc } from './marketing/campaigns.projection';
import type { PipelineLead } from './pipeline-leads.projection';
import type { PipelineOpportunity } from './pipeline-opportunities.projection';
import { compact, dateRange, MoneyTotals, ratio, tenantKey } from './support';

export const FUNNEL_GROUPINGS = ['source', 'campaign'] as const;
export type FunnelGrouping = (typeof FUNNEL_GROUPINGS)[number];

/** The period is on the lead's capture date: each lead is followed to wherever it got, however late. */
export interface FunnelFilters {
  readonly by?: FunnelGrouping;
  /** Inclusive calendar dates (YYYY-MM-DD, UTC days). */
  readonly from?: string;
  readonly to?: string;
}

/** Each step as a share of the one before it, and overall; null when the step before is empty. */
export interface Conversion {
  readonly leadToQualified: number | null;
  readonly qualifiedToOpportunity: number | null;
  readonly opportunityToWon: number | null;
  readonly leadToWon: number | null;
}

export interface FunnelStep {
  readonly leads: number;
  readonly qualified: number;
  readonly disqualified: number;
  /** Qualified leads whose opportunity has been opened. */
  readonly opportunities: number;
  /** Of those, the ones won (and not reopened since). */
  readonly won: number;
  readonly wonRevenue: Money[];
  readonly conversion: Conversion;
}

export interface FunnelGroup extends FunnelStep {
  /** The source, or the campaign id; null for leads captured without a campaign. */
  readonly key: string | null;
  /** By campaign only: the campaign's name, null when the marketing context does not know it. */
  readonly name?: string | null;
}

/**
 * Deals opened without a qualified lead (entered straight as opportunities), so the
 * funnel's won revenue plus this row's is every won deal's: over the same dates the
 * funnel reconciles with the pipeline's won total. Their period is on openedAt.
 */
export interface DirectDeals {
  readonly basis: 'openedAt';
  readonly opportunities: number;
  readonly won: number;
  readonly wonRevenue: Money[];
  readonly opportunityToWon: number | null;
}

export interface Funnel {
  readonly by: FunnelGrouping;
  readonly period: { readonly basis: 'capturedAt'; readonly from: string | null; readonly to: string | null };
  /** Lead-sourced deals only, grouped by the lead's source or campaign. */
  readonly groups: FunnelGroup[];
  readonly total: FunnelStep;
  readonly direct: DirectDeals;
}

/** Opened deals grouped by [source, status, currency]: the ones with no source came from no lead. */
export const DIRECT_DEALS_AGGREGATE = { groupBy: ['source', 'status', 'amount.currency'], sum: ['amount.amount'] } as const;

export function directDeals(rows: readonly AggregateRow[]): DirectDeals {
  let opportunities = 0;
  let won = 0;
  const revenue = new MoneyTotals();
  for (const row of rows) {
    if (row.group['source'] !== null && row.group['source'] !== undefined) continue;
    opportunities += row.count;
    const currency = row.group['amount.currency'];
    if (row.group['status'] !== 'won' || typeof currency !== 'string') continue;
    won += row.count;
    revenue.add(currency, row.sums['amount.amount'] ?? 0);
  }
  return { basis: 'openedAt', opportunities, won, wonRevenue: revenue.toList(), opportunityToWon: ratio(won, opportunities) };
}

const groupField = (by: FunnelGrouping): 'source' | 'campaignId' => (by === 'campaign' ? 'campaignId' : 'source');

export function funnelWhere(tenantId: string, filters: FunnelFilters): Where {
  return compact({ tenantId, capturedAt: dateRange(filters.from, filters.to) });
}

class Tally {
  leads = 0;
  qualified = 0;
  disqualified = 0;
  opportunities = 0;
  won = 0;
  readonly revenue = new MoneyTotals();

  step(): FunnelStep {
    const { leads, qualified, disqualified, opportunities, won } = this;
    return {
      leads,
      qualified,
      disqualified,
      opportunities,
      won,
      wonRevenue: this.revenue.toList(),
      conversion: {
        leadToQualified: ratio(qualified, leads),
        qualifiedToOpportunity: ratio(opportunities, qualified),
        opportunityToWon: ratio(won, opportunities),
        leadToWon: ratio(won, leads),
      },
    };
  }
}

/**
 * leadCounts: leads grouped by [group field, status]; qualifiedLeads: the
 * qualified ones with their opportunityId; opportunities: those deals by id.
 */
export function funnel(
  leadCounts: readonly AggregateRow[],
  qualifiedLeads: readonly PipelineLead[],
  opportunities: ReadonlyMap<string, PipelineOpportunity>,
  filters: FunnelFilters,
  campaignNames: ReadonlyMap<string, string> = new Map(),
  directRows: readonly AggregateRow[] = [],
): Funnel {
  const by = filters.by ?? 'source';
  const field = groupField(by);
  const groups = new Map<Scalar, Tally>();
  const total = new Tally();
  const tallyOf = (key: Scalar): Tally => {
    let tally = groups.get(key);
    if (!tally) groups.set(key, (tally = new Tally()));
    return tally;
  };
  for (const row of leadCounts) {
    const status = row.group['status'];
    for (const tally of [tallyOf(row.group[field] ?? null), total]) {
      tally.leads += row.count;
      if (status === 'qualified') tally.qualified += row.count;
      if (status === 'disqualified') tally.disqualified += row.count;
    }
  }
  for (const lead of qualifiedLeads) {
    const deal = lead.opportunityId === undefined ? undefined : opportunities.get(lead.opportunityId);
    if (!deal || deal.status === 'pending') continue;
    for (const tally of [tallyOf(lead[field] ?? null), total]) {
      tally.opportunities += 1;
      if (deal.status !== 'won') continue;
      tally.won += 1;
      tally.revenue.add(deal.amount.currency, deal.amount.amount);
    }
  }
  // Named groups in code-point order, "no campaign" last.
  const keys = [...groups.keys()].sort((a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : String(a) < String(b) ? -1 : 1));
  return {
    by,
    period: { basis: 'capturedAt', from: filters.from ?? null, to: filters.to ?? null },
    groups: keys.map((key) => {
      const named = by === 'campaign' ? { name: key === null ? null : (campaignNames.get(String(key)) ?? null) } : {};
      return { key: key === null ? null : String(key), ...named, ...(groups.get(key) as Tally).step() };
    }),
    total: total.step(),
    direct: directDeals(directRows),
  };
}

/**
 * Counts come from one grouped aggregate; opportunities and wins need the
 * join (OpportunityWon does not name the lead), over the qualified leads only.
 */
export async function loadFunnel(
  store: Pick<ReadStore, 'aggregate' | 'find' | 'getMany'>,
  collections: { readonly leads: string; readonly opportunities: string; readonly campaigns?: string },
  tenantId: string,
  filters: FunnelFilters,
): Promise<Funnel> {
  const where = funnelWhere(tenantId, filters);
  const directWhere = compact({ tenantId, status: { in: ['open', 'won', 'lost'] }, openedAt: dateRange(filters.from, filters.to) });
  const [counts, qualified, direct] = await Promise.all([
    store.aggregate(collections.leads, { where, groupBy: [groupField(filters.by ?? 'source'), 'status'] }),
    store.find<PipelineLead>(collections.leads, { where: { ...where, status: 'qualified' } }),
    store.aggregate(collections.opportunities, {
      where: directWhere,
      ...DIRECT_DEALS_AGGREGATE,
      groupBy: [...DIRECT_DEALS_AGGREGATE.groupBy],
      sum: [...DIRECT_DEALS_AGGREGATE.sum],
    }),
  ]);
  const leads = qualified.map((record) => record.doc);
  const ids = leads.flatMap((lead) => (lead.opportunityId === undefined ? [] : [tenantKey(tenantId, lead.opportunityId)]));
  const found = await store.getMany<PipelineOpportunity>(collections.opportunities, ids);
  const deals = new Map([...found.values()].map((record) => [record.doc.opportunityId, record.doc]));
  return funnel(counts, leads, deals, filters, await campaignNames(store, collections.campaigns, tenantId, counts, filters), direct);
}

/** Names of the campaigns the grouping shows, from the marketing read model. */
async function campaignNames(
  store: Pick<ReadStore, 'getMany'>,
  collection: string | undefined,
  tenantId: string,
  counts: readonly AggregateRow[],
  filters: FunnelFilters,
): Promise<Map<string, string>> {
  if (collection === undefined || filters.by !== 'campaign') return new Map();
  const ids = [...new Set(counts.flatMap((row) => (typeof row.group['campaignId'] === 'string' ? [row.group['campaignId']] : [])))];
  const found = await store.getMany<CampaignDoc>(
    collection,
    ids.map((id) => tenantKey(tenantId, id)),
  );
  return new Map([...found.values()].map((record) => [record.doc.campaignId, record.doc.name]));
}
