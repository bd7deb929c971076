import {
  RESPONSE_TYPES,
  type CampaignChannel,
  type CampaignEvent,
  type CampaignGoal,
  type CampaignResponseType,
} from '@crm/marketing/domain';
import { compact, type Money } from '@crm/shared/kernel';
import { defineProjection, type ReadStoreReader, tenantKey } from '@crm/shared/read-model';

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

/**
 * Each tenant's campaign names, one document beside its campaigns, so a view that names many campaigns reads one
 * small document instead of every campaign whole (with its responders). No `tenantId` field, so no query for a
 * tenant's campaigns meets it.
 */
export interface CampaignNamesDoc {
  readonly namesOf: string;
  /** Campaign id → name. */
  readonly names: Readonly<Record<string, string>>;
}

export const campaignNamesId = (tenantId: string): string => `${tenantId}:~names`;

const isNamesDoc = (doc: CampaignDoc | CampaignNamesDoc | null): doc is CampaignNamesDoc => doc !== null && 'namesOf' in doc;

export const marketingCampaigns = defineProjection<CampaignDoc | CampaignNamesDoc, CampaignEvent>({
  name: 'marketing-campaigns',
  // 2: the tenant's names document (campaignNamesId).
  version: 2,
  collection: 'marketing_campaigns',
  readsPersonalData: false,
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
  // A name is set when the campaign is planned and never changes: only a plan writes the names document.
  documentId: (event) => {
    const campaign = tenantKey(event.metadata.tenantId, event.data.campaignId);
    return event.type === 'CampaignPlanned' ? [campaign, campaignNamesId(event.metadata.tenantId)] : campaign;
  },
  evolve(current, event, id) {
    if (id === campaignNamesId(event.metadata.tenantId)) {
      if (event.type !== 'CampaignPlanned') return current;
      const names = isNamesDoc(current) ? current.names : {};
      return { namesOf: event.metadata.tenantId, names: { ...names, [event.data.campaignId]: event.data.name } };
    }
    const doc = isNamesDoc(current) ? null : current;
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
 * The names of these campaigns of the tenant (only the ones the marketing context knows): from the tenant's names
 * document, or, while a build without it serves, from the campaigns' own documents.
 */
export async function loadCampaignNames(
  store: Pick<ReadStoreReader, 'getMany'>,
  collection: string,
  tenantId: string,
  campaignIds: readonly string[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (campaignIds.length === 0) return names;
  const kept = (await store.getMany<CampaignDoc | CampaignNamesDoc>(collection, [campaignNamesId(tenantId)])).get(
    campaignNamesId(tenantId),
  );
  if (kept !== undefined && isNamesDoc(kept.doc)) {
    for (const id of campaignIds) {
      const name = kept.doc.names[id];
      if (name !== undefined) names.set(id, name);
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
