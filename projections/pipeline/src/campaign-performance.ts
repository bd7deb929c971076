import type { CampaignChannel, CampaignGoal, CampaignResponseType, ListMemberType } from '@crm/marketing/domain';
import { divideHalfEven, type Money } from '@crm/shared/kernel';
import { type ReadStore, tenantKey } from '@crm/shared/read-model';
import { campaignRoi, campaignSalesFigures, type CampaignSalesFigures } from './campaign-sales';
import {
  loadCampaignAudience,
  type CampaignAudience,
  type MarketingCollections,
  type TargetListFigures,
  type CampaignDoc,
  type CampaignStatus,
} from '@crm/projections/marketing';
import { ratio } from './support';

export { campaignRoi } from './campaign-sales';

/** What only the marketing context knows; null for a campaign named by sales events but never planned. */
export const MARKETING_FIELDS = [
  'campaign',
  'targets',
  'targetsByType',
  'reachable',
  'targetLists',
  'responses',
  'responders',
  'untargetedResponders',
  'responsesByType',
  'responseRate',
  'budget',
  'cost',
  'costPerLead',
  'roi',
] as const;

export const UNPLANNED_CAMPAIGN_NOTE =
  'Leads or deals name this campaign, but no campaign with this id was planned in the marketing context ' +
  '(or its plan has not reached the read model yet): its plan, targets, responses, budget and costs are unknown, so ROI is too.';

export interface CampaignSummary {
  readonly name: string;
  readonly goal: CampaignGoal;
  readonly channel: CampaignChannel;
  readonly status: CampaignStatus;
  readonly startDate: string;
  readonly endDate: string;
  readonly ownerId: string | null;
}

export interface CampaignPerformance extends CampaignSalesFigures {
  readonly campaignId: string;
  readonly campaign: CampaignSummary | null;
  /** Distinct records across the target lists, evaluated now (dynamic lists by their criteria). */
  readonly targets: number | null;
  readonly targetsByType: Readonly<Record<ListMemberType, number>> | null;
  readonly reachable: CampaignAudience['reachable'] | null;
  readonly targetLists: readonly TargetListFigures[] | null;
  /** Responses recorded. */
  readonly responses: number | null;
  /** Distinct records that responded, targeted or not. */
  readonly responders: number | null;
  /** Of those, the ones not among the targets now (a forwarded message's reader, a record since off the lists). */
  readonly untargetedResponders: number | null;
  readonly responsesByType: Readonly<Record<CampaignResponseType, number>> | null;
  /** Distinct responders among the targets ÷ targets, both as the target lists stand now: never above 1. */
  readonly responseRate: number | null;
  readonly budget: Money | null;
  /** Costs recorded so far, in the budget's currency. */
  readonly cost: Money | null;
  /** cost ÷ budget. */
  readonly budgetUsed: number | null;
  /** cost ÷ leads, rounded to the minor unit. */
  readonly costPerLead: Money | null;
  /** (won revenue − cost) ÷ cost. */
  readonly roi: number | null;
  /** Set only for a campaign the marketing context does not know: which fields are unknown and why. */
  readonly missing: { readonly fields: readonly string[]; readonly note: string } | null;
}

export interface Marketing {
  readonly campaign: CampaignDoc;
  readonly audience: CampaignAudience;
}

const unknownMarketing = {
  campaign: null,
  targets: null,
  targetsByType: null,
  reachable: null,
  targetLists: null,
  responses: null,
  responders: null,
  untargetedResponders: null,
  responsesByType: null,
  responseRate: null,
  budget: null,
  cost: null,
  budgetUsed: null,
  costPerLead: null,
  roi: null,
  missing: { fields: MARKETING_FIELDS, note: UNPLANNED_CAMPAIGN_NOTE },
} as const;

export function campaignPerformance(campaignId: string, sales: CampaignSalesFigures, marketing?: Marketing): CampaignPerformance {
  if (marketing === undefined) return { campaignId, ...sales, ...unknownMarketing };
  const { campaign, audience } = marketing;
  const { name, goal, channel, status, startDate, endDate, ownerId, budget, cost } = campaign;
  return {
    campaignId,
    campaign: { name, goal, channel, status, startDate, endDate, ownerId: ownerId ?? null },
    targets: audience.targets,
    targetsByType: audience.targetsByType,
    reachable: audience.reachable,
    targetLists: audience.lists,
    responses: campaign.responses,
    responders: campaign.responders.length,
    untargetedResponders: audience.responders.untargeted,
    responsesByType: campaign.responsesByType,
    responseRate: ratio(audience.responders.targeted, audience.targets),
    ...sales,
    budget,
    cost,
    budgetUsed: budget.currency === cost.currency ? ratio(cost.amount, budget.amount) : null,
    costPerLead:
      sales.leads > 0 ? { amount: Number(divideHalfEven(BigInt(cost.amount), BigInt(sales.leads))), currency: cost.currency } : null,
    roi: campaignRoi(sales.wonRevenue, cost),
    missing: null,
  };
}

export interface CampaignCollections extends MarketingCollections {
  readonly leads: string;
  readonly opportunities: string;
  readonly campaigns: string;
}

/** Undefined when neither the marketing context nor any lead or opportunity knows the campaign. */
export async function loadCampaignPerformance(
  store: Pick<ReadStore, 'aggregate' | 'get' | 'getMany' | 'find'>,
  collections: CampaignCollections,
  tenantId: string,
  campaignId: string,
): Promise<CampaignPerformance | undefined> {
  const where = { tenantId, campaignId };
  const [leadRows, dealRows, planned] = await Promise.all([
    store.aggregate(collections.leads, { where, groupBy: ['status'] }),
    store.aggregate(collections.opportunities, {
      where,
      groupBy: ['status', 'amount.currency'],
      sum: ['amount.amount', 'weightedAmount', 'weightedRest'],
    }),
    store.get<CampaignDoc>(collections.campaigns, tenantKey(tenantId, campaignId)),
  ]);
  const sales = campaignSalesFigures(leadRows, dealRows);
  if (planned === undefined) {
    const known = [...leadRows, ...dealRows].some((row) => row.count > 0);
    return known ? campaignPerformance(campaignId, sales) : undefined;
  }
  const campaign = planned.doc;
  const { targetListIds, channel, responders } = campaign;
  const audience = await loadCampaignAudience(store, collections, tenantId, targetListIds, channel, responders);
  return campaignPerformance(campaignId, sales, { campaign, audience });
}
