import {
  RESPONSE_TYPES,
  type CampaignChannel,
  type CampaignEvent,
  type CampaignGoal,
  type CampaignResponseType,
} from '@crm/marketing/domain';
import { compact, type Money } from '@crm/shared/kernel';
import { defineProjection, isSummaryDoc, type ReadStoreReader, tenantKey } from '@crm/shared/read-model';

export type CampaignStatus = 'planned' | 'active' | 'completed' | 'cancelled';

/** One document per campaign: plan, lifecycle, target lists, cost total and response tallies. */
export interface CampaignDoc {
  readonly tenantId: string;
  readonly campaignId: string;
  readonly name: string;
  readonly goal: CampaignGoal;
  readonly channel: CampaignChannel;
  readonly status: CampaignStatus;
  readonly budget: Money;
  readonly startDate: string;
  readonly endDate: string;
  readonly ownerId?: string;
  readonly plannedAt: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly cancelledAt?: string;
  readonly cancelReason?: string;
  /** In the order they were added. */
  readonly targetListIds: readonly string[];
  /** Sum of recorded costs, in the budget's currency (the decider refuses any other). */
  readonly cost: Money;
  readonly costEntries: number;
  readonly responses: number;
  /** Every response type, zero when none. */
  readonly responsesByType: Readonly<Record<CampaignResponseType, number>>;
  /** Distinct `type:id` of everyone who responded, sorted: response rate counts people, not answers. */
  readonly responders: readonly string[];
}

const noResponses = (): Record<CampaignResponseType, number> =>
  Object.fromEntries(RESPONSE_TYPES.map((type) => [type, 0])) as Record<CampaignResponseType, number>;

function withCost(doc: CampaignDoc, amount: Money): CampaignDoc {
  // A cost in another currency would make the total meaningless: stop and report rather than guess a rate.
  if (amount.currency !== doc.cost.currency) {
    throw new Error(`campaign ${doc.campaignId}: cost in ${amount.currency}, budget in ${doc.cost.currency}`);
  }
  return { ...doc, cost: { ...doc.cost, amount: doc.cost.amount + amount.amount }, costEntries: doc.costEntries + 1 };
}

/** Each tenant's campaign names, kept beside the campaigns: one cell per campaign (`campaignId`, `name`). */
export const campaignNamesId = (tenantId: string): string => `${tenantId}:~names`;

export const marketingCampaigns = defineProjection<CampaignDoc, CampaignEvent>({
  name: 'marketing-campaigns',
  // 2: the names summary (campaignNamesId), so a view that names many campaigns does not read every campaign whole.
  version: 2,
  collection: 'marketing_campaigns',
  eventTypes: [
    'CampaignPlanned',
    'CampaignTargetListsAdded',
    'CampaignStarted',
    'CampaignCostRecorded',
    'CampaignResponseRecorded',
    'CampaignCompleted',
    'CampaignCancelled',
  ],
  indexes: [['tenantId', 'status']],
  documentId: (event) => tenantKey(event.metadata.tenantId, event.data.campaignId),
  // A name is set when the campaign is planned and never changes, so only a plan writes the names document.
  summary: {
    documentId: (event) => campaignNamesId(event.metadata.tenantId),
    cells: (doc) => [{ dims: { campaignId: doc.campaignId, name: doc.name }, values: { count: 1 } }],
  },
  evolve(doc, event) {
    if (event.type === 'CampaignPlanned') {
      const { campaignId, name, goal, channel, budget, startDate, endDate, ownerId, plannedAt } = event.data;
      return {
        tenantId: event.metadata.tenantId,
        campaignId,
        name,
        goal,
        channel,
        status: 'planned',
        budget,
        startDate,
        endDate,
        ...compact({ ownerId }),
        plannedAt,
        targetListIds: [],
        cost: { amount: 0, currency: budget.currency },
        costEntries: 0,
        responses: 0,
        responsesByType: noResponses(),
        responders: [],
      };
    }
    // Everything else follows the plan on the campaign's stream.
    if (doc === null) return null;
    switch (event.type) {
      case 'CampaignTargetListsAdded':
        return { ...doc, targetListIds: [...new Set([...doc.targetListIds, ...event.data.listIds])] };
      case 'CampaignStarted':
        return { ...doc, status: 'active', startedAt: event.data.startedAt };
      case 'CampaignCostRecorded':
        return withCost(doc, event.data.amount);
      case 'CampaignResponseRecorded': {
        const { targetId, responseType } = event.data;
        const responder = `${targetId.type}:${targetId.id}`;
        return {
          ...doc,
          responses: doc.responses + 1,
          responsesByType: { ...doc.responsesByType, [responseType]: doc.responsesByType[responseType] + 1 },
          responders: doc.responders.includes(responder) ? doc.responders : [...doc.responders, responder].sort(),
        };
      }
      case 'CampaignCompleted':
        return { ...doc, status: 'completed', completedAt: event.data.completedAt };
      case 'CampaignCancelled':
        return { ...doc, status: 'cancelled', cancelledAt: event.data.cancelledAt, cancelReason: event.data.reason };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
});

/**
 * The names of these campaigns of the tenant (only the ones the marketing context knows): from the names summary,
 * or, while a build without it serves, from the campaigns' own documents.
 */
export async function loadCampaignNames(
  store: Pick<ReadStoreReader, 'getMany'>,
  collection: string,
  tenantId: string,
  campaignIds: readonly string[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (campaignIds.length === 0) return names;
  const summary = (await store.getMany(collection, [campaignNamesId(tenantId)])).get(campaignNamesId(tenantId))?.doc;
  if (isSummaryDoc(summary)) {
    const wanted = new Set(campaignIds);
    for (const { dims } of Object.values(summary.cells)) {
      const { campaignId, name } = dims;
      if (typeof campaignId === 'string' && typeof name === 'string' && wanted.has(campaignId)) names.set(campaignId, name);
    }
    return names;
  }
  const found = await store.getMany<CampaignDoc>(
    collection,
    campaignIds.map((id) => tenantKey(tenantId, id)),
  );
  for (const { doc } of found.values()) names.set(doc.campaignId, doc.name);
  return names;
}
