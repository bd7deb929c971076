import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import { addMoney, compact, matchKey, money, present, type Money, NOT_FOUND, type Refusal } from '@crm/shared/kernel';
import { distinct, readableName } from '../common/text';
import type { CampaignChannel, CampaignCommand, PlanCampaign, RecordCampaignCost, RecordCampaignResponse } from './campaign.commands';
import { assertCampaignPeriod, assertRecordedFact, writtenTime } from './campaign.dates';
import type { CampaignEvent } from './campaign.events';
import { CAMPAIGN_REFUSALS } from './campaign.refusals';

/**
 * What later decisions need: costs are checked against the budget's currency, starting needs target lists, and an
 * unsubscribe reply withdraws the consent the channel needs (the application reads the channel here).
 */
interface CampaignFacts {
  readonly campaignId: string;
  readonly channel: CampaignChannel;
  readonly budget: Money;
  readonly targetListIds: readonly string[];
  /** Sum of the costs so far, kept so it can never pass 2^53 − 1 and lose precision in ROI. */
  readonly spent?: number;
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
const REFUSAL: Readonly<Record<CampaignStatus, readonly [refusal: Refusal<string, 409>, message: string]>> = {
  planned: [CAMPAIGN_REFUSALS.NOT_STARTED, 'Campaign has not started'],
  active: [CAMPAIGN_REFUSALS.ALREADY_STARTED, 'Campaign has already started'],
  completed: [CAMPAIGN_REFUSALS.COMPLETED, 'Campaign is completed'],
  cancelled: [CAMPAIGN_REFUSALS.CANCELLED, 'Campaign is cancelled'],
};

function existing(state: CampaignState): InStatus<CampaignStatus> {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.campaign, 'No such campaign');
  return state;
}

function inStatus<S extends CampaignStatus>(state: CampaignState, allowed: readonly S[]): InStatus<S> {
  const campaign = existing(state);
  if ((allowed as readonly CampaignStatus[]).includes(campaign.status)) return campaign as InStatus<S>;
  const [code, message] = REFUSAL[campaign.status];
  throw new DomainError(code, message, { campaignId: campaign.campaignId, status: campaign.status });
}

/** A campaign's name as kept; refused (CAMPAIGN.NAME_REQUIRED) when there is nothing to read in it. The edge checks it too. */
export function assertCampaignName(name: string | undefined): string {
  return readableName(name, CAMPAIGN_REFUSALS.NAME_REQUIRED, 'A campaign needs a name');
}

/** A cost is more than zero minor units (CAMPAIGN.COST_NOT_POSITIVE). The edge checks it too. */
export function assertCostPositive(amount: number): void {
  if (amount <= 0)
    throw new DomainError(CAMPAIGN_REFUSALS.COST_NOT_POSITIVE, 'A cost must be more than zero', { fields: ['amount.amount'] });
}

function plan({ data }: PlanCampaign, state: CampaignState): CampaignEvent[] {
  if (state.status !== 'none')
    throw new DomainError(CAMPAIGN_REFUSALS.ALREADY_EXISTS, 'Campaign already exists', { campaignId: data.campaignId });
  const name = assertCampaignName(data.name);
  const budget = money(data.budget.amount, data.budget.currency);
  if (budget.amount < 0)
    throw new DomainError(CAMPAIGN_REFUSALS.BUDGET_NEGATIVE, 'A budget cannot be negative', { fields: ['budget.amount'] });
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
        startDate: writtenTime(startDate),
        endDate: writtenTime(endDate),
        description,
        ownerId,
        plannedAt,
      }),
    },
  ];
}

/**
 * Invoices keep arriving after a campaign ends or is called off; refusing them would lose real spend from its ROI.
 * A cost without a currency is in the budget's; one in another currency is refused.
 */
function recordCost({ data }: RecordCampaignCost, state: CampaignState): CampaignEvent[] {
  const campaign = existing(state);
  const amount = money(data.amount.amount, data.amount.currency ?? campaign.budget.currency);
  assertCostPositive(amount.amount);
  if (amount.currency !== campaign.budget.currency) {
    throw new DomainError(CAMPAIGN_REFUSALS.CURRENCY_MISMATCH, `Costs are recorded in the budget's currency, ${campaign.budget.currency}`, {
      budgetCurrency: campaign.budget.currency,
      currency: amount.currency,
    });
  }
  const { costId, incurredAt } = data;
  assertRecordedFact('incurredAt', incurredAt, data.recordedAt);
  try {
    addMoney(money(campaign.spent ?? 0, amount.currency), amount);
  } catch {
    throw new DomainError(CAMPAIGN_REFUSALS.COSTS_TOO_LARGE, 'The costs would total beyond 2^53 − 1 minor units', {
      fields: ['amount.amount'],
    });
  }
  return [
    {
      type: 'CampaignCostRecorded',
      data: compact({
        campaignId: campaign.campaignId,
        costId,
        amount,
        description: present(data.description),
        incurredAt: writtenTime(incurredAt),
      }),
    },
  ];
}

/** Late replies still count toward a completed campaign's results; a cancelled one has no results to count. */
function recordResponse({ data }: RecordCampaignResponse, state: CampaignState): CampaignEvent[] {
  const campaign = inStatus(state, ['active', 'completed']);
  const { responseId, targetId, responseType, channel, respondedAt } = data;
  assertRecordedFact('respondedAt', respondedAt, data.recordedAt);
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
        respondedAt: writtenTime(respondedAt),
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
        throw new DomainError(CAMPAIGN_REFUSALS.NO_TARGET_LISTS, 'A campaign needs at least one target list before it starts', {
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
        throw new DomainError(CAMPAIGN_REFUSALS.REASON_REQUIRED, 'Say why the campaign is cancelled', { fields: ['reason'] });
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
    const { campaignId, channel, budget } = event.data;
    return { status: 'planned', campaignId, channel, budget, targetListIds: [] };
  }
  if (state.status === 'none') return state;
  const { campaignId, channel, budget, targetListIds } = state;
  const facts: CampaignFacts =
    state.spent === undefined
      ? { campaignId, channel, budget, targetListIds }
      : { campaignId, channel, budget, targetListIds, spent: state.spent };
  switch (event.type) {
    case 'CampaignTargetListsAdded':
      return { ...state, targetListIds: [...targetListIds, ...event.data.listIds] };
    case 'CampaignStarted':
      return { ...facts, status: 'active', startedAt: event.data.startedAt };
    case 'CampaignCompleted':
      return state.status === 'active' ? { ...state, status: 'completed', completedAt: event.data.completedAt } : state;
    case 'CampaignCancelled':
      return { ...facts, status: 'cancelled', reason: event.data.reason, cancelledAt: event.data.cancelledAt };
    // Responses are tallied by the read side; costs only as far as the overflow rule needs.
    case 'CampaignCostRecorded':
      return { ...state, spent: (state.spent ?? 0) + event.data.amount.amount };
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
  existence: { notFound: NOT_FOUND.campaign, alreadyExists: CAMPAIGN_REFUSALS.ALREADY_EXISTS },
  refusals: CAMPAIGN_REFUSALS,
  // Responses and costs pile up over a long campaign; snapshots keep loading it cheap.
  // 2: the state keeps the campaign's channel.
  snapshot: { every: 100, version: 2 },
};
