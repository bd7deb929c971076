import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import { compact, matchKey, money, present, type Money } from '@crm/shared/kernel';
import { distinct, readable } from '../common/text';
import type { CampaignCommand, PlanCampaign, RecordCampaignCost, RecordCampaignResponse } from './campaign.commands';
import { assertCampaignPeriod } from './campaign.dates';
import type { CampaignEvent } from './campaign.events';

/** What later decisions need: costs are checked against the budget's currency, starting needs target lists. */
interface CampaignFacts {
  readonly campaignId: string;
  readonly budget: Money;
  readonly targetListIds: readonly string[];
}

export type CampaignState =
  | { readonly status: 'none' }
  | (CampaignFacts & { readonly status: 'planned' })
  | (CampaignFacts & { readonly status: 'active'; readonly startedAt: string })
  | (CampaignFacts & { readonly status: 'completed'; readonly startedAt: string; readonly completedAt: string })
  | (CampaignFacts & { readonly status: 'cancelled'; readonly reason: string; readonly cancelledAt: string });

type CampaignStatus = Exclude<CampaignState['status'], 'none'>;
type InStatus<S extends CampaignStatus> = Extract<CampaignState, { status: S }>;

/** Why a campaign in this status refuses a command that needs another one. */
const REFUSAL: Readonly<Record<CampaignStatus, readonly [code: string, message: string]>> = {
  planned: ['CAMPAIGN.NOT_STARTED', 'Campaign has not started'],
  active: ['CAMPAIGN.ALREADY_STARTED', 'Campaign has already started'],
  completed: ['CAMPAIGN.COMPLETED', 'Campaign is completed'],
  cancelled: ['CAMPAIGN.CANCELLED', 'Campaign is cancelled'],
};

function existing(state: CampaignState): InStatus<CampaignStatus> {
  if (state.status === 'none') throw new DomainError('CAMPAIGN.NOT_FOUND', 'No such campaign');
  return state;
}

function inStatus<S extends CampaignStatus>(state: CampaignState, allowed: readonly S[]): InStatus<S> {
  const campaign = existing(state);
  if ((allowed as readonly CampaignStatus[]).includes(campaign.status)) return campaign as InStatus<S>;
  const [code, message] = REFUSAL[campaign.status];
  throw new DomainError(code, message, { campaignId: campaign.campaignId, status: campaign.status });
}

function plan({ data }: PlanCampaign, state: CampaignState): CampaignEvent[] {
  if (state.status !== 'none') throw new DomainError('CAMPAIGN.ALREADY_EXISTS', 'Campaign already exists', { campaignId: data.campaignId });
  const name = readable(data.name);
  if (name === undefined) throw new DomainError('CAMPAIGN.NAME_REQUIRED', 'A campaign needs a name', { fields: ['name'] });
  const budget = money(data.budget.amount, data.budget.currency);
  if (budget.amount < 0) throw new DomainError('CAMPAIGN.BUDGET_NEGATIVE', 'A budget cannot be negative', { fields: ['budget.amount'] });
  assertCampaignPeriod(data.startDate, data.endDate);
  const { campaignId, goal, channel, startDate, endDate, plannedAt } = data;
  const description = present(data.description);
  const ownerId = present(data.ownerId);
  return [
    {
      type: 'CampaignPlanned',
      data: compact({
        campaignId,
        name,
        nameKey: matchKey(name),
        goal,
        channel,
        budget,
        startDate,
        endDate,
        description,
        ownerId,
        plannedAt,
      }),
    },
  ];
}

/** Invoices keep arriving after a campaign ends or is called off; refusing them would lose real spend from its ROI. */
function recordCost({ data }: RecordCampaignCost, state: CampaignState): CampaignEvent[] {
  const campaign = existing(state);
  const amount = money(data.amount.amount, data.amount.currency);
  if (amount.amount <= 0)
    throw new DomainError('CAMPAIGN.COST_NOT_POSITIVE', 'A cost must be more than zero', { fields: ['amount.amount'] });
  if (amount.currency !== campaign.budget.currency) {
    throw new DomainError('CAMPAIGN.CURRENCY_MISMATCH', `Costs are recorded in the budget's currency, ${campaign.budget.currency}`, {
      budgetCurrency: campaign.budget.currency,
      currency: amount.currency,
    });
  }
  const { costId, incurredAt } = data;
  return [
    {
      type: 'CampaignCostRecorded',
      data: compact({ campaignId: campaign.campaignId, costId, amount, description: present(data.description), incurredAt }),
    },
  ];
}

/** Late replies still count toward a completed campaign's results; a cancelled one has no results to count. */
function recordResponse({ data }: RecordCampaignResponse, state: CampaignState): CampaignEvent[] {
  const campaign = inStatus(state, ['active', 'completed']);
  const { responseId, targetId, responseType, channel, respondedAt } = data;
  return [
    {
      type: 'CampaignResponseRecorded',
      data: compact({
        campaignId: campaign.campaignId,
        responseId,
        targetId: { type: targetId.type, id: targetId.id },
        responseType,
        channel,
        note: present(data.note),
        respondedAt,
      }),
    },
  ];
}

export function decideCampaign(command: CampaignCommand, state: CampaignState): CampaignEvent[] {
  switch (command.type) {
    case 'PlanCampaign':
      return plan(command, state);
    case 'AddCampaignTargetLists': {
      const campaign = inStatus(state, ['planned', 'active']);
      const listIds = distinct(command.data.listIds).filter((id) => !campaign.targetListIds.includes(id));
      if (listIds.length === 0) return [];
      return [{ type: 'CampaignTargetListsAdded', data: { campaignId: campaign.campaignId, listIds, addedAt: command.data.addedAt } }];
    }
    case 'StartCampaign': {
      const campaign = inStatus(state, ['planned']);
      if (campaign.targetListIds.length === 0) {
        throw new DomainError('CAMPAIGN.NO_TARGET_LISTS', 'A campaign needs at least one target list before it starts', {
          campaignId: campaign.campaignId,
        });
      }
      return [{ type: 'CampaignStarted', data: { campaignId: campaign.campaignId, startedAt: command.data.startedAt } }];
    }
    case 'RecordCampaignCost':
      return recordCost(command, state);
    case 'RecordCampaignResponse':
      return recordResponse(command, state);
    case 'CompleteCampaign': {
      const campaign = inStatus(state, ['active']);
      return [{ type: 'CampaignCompleted', data: { campaignId: campaign.campaignId, completedAt: command.data.completedAt } }];
    }
    case 'CancelCampaign': {
      const campaign = inStatus(state, ['planned', 'active']);
      const reason = present(command.data.reason);
      if (reason === undefined)
        throw new DomainError('CAMPAIGN.REASON_REQUIRED', 'Say why the campaign is cancelled', { fields: ['reason'] });
      return [{ type: 'CampaignCancelled', data: { campaignId: campaign.campaignId, reason, cancelledAt: command.data.cancelledAt } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveCampaign(state: CampaignState, event: CampaignEvent): CampaignState {
  if (event.type === 'CampaignPlanned') {
    const { campaignId, budget } = event.data;
    return { status: 'planned', campaignId, budget, targetListIds: [] };
  }
  if (state.status === 'none') return state;
  const { campaignId, budget, targetListIds } = state;
  switch (event.type) {
    case 'CampaignTargetListsAdded':
      return { ...state, targetListIds: [...targetListIds, ...event.data.listIds] };
    case 'CampaignStarted':
      return { status: 'active', campaignId, budget, targetListIds, startedAt: event.data.startedAt };
    case 'CampaignCompleted':
      return state.status === 'active' ? { ...state, status: 'completed', completedAt: event.data.completedAt } : state;
    case 'CampaignCancelled':
      return { status: 'cancelled', campaignId, budget, targetListIds, reason: event.data.reason, cancelledAt: event.data.cancelledAt };
    // Costs and responses are tallied by the read side; no later decision depends on them.
    case 'CampaignCostRecorded':
    case 'CampaignResponseRecorded':
      return state;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const campaignDecider: Decider<CampaignState, CampaignCommand, CampaignEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideCampaign,
  evolve: evolveCampaign,
  isNew: (command) => command.type === 'PlanCampaign',
  // Responses and costs pile up over a long campaign; snapshots keep loading it cheap.
  snapshot: { every: 100, version: 1 },
};
