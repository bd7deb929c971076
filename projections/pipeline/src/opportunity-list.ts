import type { LeadSource, OpenStage } from '@crm/sales/domain';
import type { Money } from '@crm/shared/kernel';
import type { FindQuery, ReadStore, SortDirection } from '@crm/shared/read-model';
import type { OpenedOpportunity } from './pipeline-opportunities.projection';
import { compact, dateRange } from './support';

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
  name: 'name',
  stage: 'stage',
} as const;
export type OpportunitySort = keyof typeof SORT_FIELDS;
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
}

/** Newest first unless asked otherwise; the store breaks ties on the document id, so pages are stable. */
export function opportunityListQuery(tenantId: string, filters: OpportunityListFilters): FindQuery & { limit: number; offset: number } {
  const amount = compact({ gte: filters.amountMin, lte: filters.amountMax });
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
    orderBy: [{ field: SORT_FIELDS[filters.sort ?? 'openedAt'], direction: filters.order ?? 'desc' }],
    limit: Math.min(filters.limit ?? 50, MAX_PAGE),
    offset: filters.offset ?? 0,
  };
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

export async function loadOpportunityList(
  store: Pick<ReadStore, 'find' | 'count'>,
  collection: string,
  tenantId: string,
  filters: OpportunityListFilters,
): Promise<OpportunityPage> {
  const query = opportunityListQuery(tenantId, filters);
  const [records, total] = await Promise.all([store.find<OpenedOpportunity>(collection, query), store.count(collection, query.where)]);
  return { items: records.map((record) => opportunityRow(record.doc)), total, limit: query.limit, offset: query.offset };
}
