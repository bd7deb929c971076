import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import { compact, isEmpty, money, type Money, present, NOT_FOUND } from '@crm/shared/kernel';
import {
  STAGE_PROBABILITY,
  type MoveOpportunityStage,
  type OpenOpportunity,
  type OpenStage,
  type OpportunityCommand,
  type RecordQuoteIssue,
  type ReviseEstimate,
  type WinOpportunity,
} from './opportunity.commands';
import type { OpportunityEvent } from './opportunity.events';
import { OPPORTUNITY_REFUSALS } from './opportunity.refusals';
import { isAfterDeadline } from '../common/time';

export interface Deal {
  readonly opportunityId: string;
  readonly accountId: string;
  readonly name: string;
  readonly need: string;
  readonly amount: Money;
  readonly expectedCloseDate: string;
  /** While closed: the probability it had when closed, restored on reopen. */
  readonly probability: number;
  readonly solution?: string;
  readonly contactId?: string;
  readonly ownerId?: string;
  readonly originLeadId?: string;
  readonly campaignId?: string;
  /** The quotes issued on the deal (OpportunityQuoteIssued), each once: the offers a change of currency would strand. */
  readonly quotes?: readonly string[];
}

/** `stage` is the open stage; won/lost are statuses, and a reopened deal resumes at `stage`. */
export type OpportunityState =
  | { readonly status: 'none' }
  | { readonly status: 'open'; readonly deal: Deal; readonly stage: OpenStage }
  | { readonly status: 'won'; readonly deal: Deal; readonly stage: OpenStage; readonly quoteId?: string }
  | { readonly status: 'lost'; readonly deal: Deal; readonly stage: OpenStage; readonly reason: string };

type ExistingOpportunity = Exclude<OpportunityState, { status: 'none' }>;
type OpenOpportunityState = Extract<OpportunityState, { status: 'open' }>;

function existing(state: OpportunityState): ExistingOpportunity {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.opportunity, 'No such opportunity');
  return state;
}

function open(state: OpportunityState): OpenOpportunityState {
  const current = existing(state);
  if (current.status !== 'open') {
    throw new DomainError(OPPORTUNITY_REFUSALS.CLOSED, `Opportunity is ${current.status}; reopen it first`, { status: current.status });
  }
  return current;
}

function validAmount(value: Money): Money {
  const amount = money(value.amount, value.currency);
  if (amount.amount < 0) {
    throw new DomainError(OPPORTUNITY_REFUSALS.INVALID_AMOUNT, 'Amount cannot be negative', { fields: ['amount.amount'], amount });
  }
  return amount;
}

function validProbability(probability: number): number {
  if (!Number.isInteger(probability) || probability < 0 || probability > 100) {
    throw new DomainError(OPPORTUNITY_REFUSALS.INVALID_PROBABILITY, 'Probability is a whole percentage 0–100', {
      fields: ['probability'],
      probability,
    });
  }
  return probability;
}

function openDeal({ data }: OpenOpportunity, state: OpportunityState): OpportunityEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(OPPORTUNITY_REFUSALS.ALREADY_EXISTS, 'Opportunity already exists', { opportunityId: data.opportunityId });
  }
  const name = present(data.name);
  if (name === undefined) throw new DomainError(OPPORTUNITY_REFUSALS.NAME_REQUIRED, 'An opportunity needs a name', { fields: ['name'] });
  return [
    {
      type: 'OpportunityOpened',
      data: compact({
        opportunityId: data.opportunityId,
        accountId: data.accountId,
        name,
        need: data.need.trim(),
        amount: validAmount(data.amount),
        expectedCloseDate: data.expectedCloseDate,
        stage: 'qualification' as const,
        probability: STAGE_PROBABILITY.qualification,
        contactId: data.contactId,
        ownerId: data.ownerId,
        originLeadId: data.originLeadId,
        campaignId: data.campaignId,
        openedAt: data.openedAt,
      }),
    },
  ];
}

function move({ data }: MoveOpportunityStage, state: OpportunityState): OpportunityEvent[] {
  const { deal, stage } = open(state);
  const probability = data.probability === undefined ? undefined : validProbability(data.probability);
  if (data.stage === stage) {
    // Same stage: an explicit new probability is still honoured, as the revision it is.
    if (probability === undefined || probability === deal.probability) return [];
    return [{ type: 'OpportunityEstimateRevised', data: { opportunityId: deal.opportunityId, probability, revisedAt: data.movedAt } }];
  }
  return [
    {
      type: 'OpportunityStageMoved',
      data: {
        opportunityId: deal.opportunityId,
        from: stage,
        to: data.stage,
        probability: probability ?? STAGE_PROBABILITY[data.stage],
        movedAt: data.movedAt,
      },
    },
  ];
}

function revise({ data }: ReviseEstimate, state: OpportunityState): OpportunityEvent[] {
  existing(state);
  if (data.amount === undefined && data.probability === undefined && data.expectedCloseDate === undefined) {
    throw new DomainError(OPPORTUNITY_REFUSALS.NOTHING_TO_REVISE, 'Give an amount, a probability or an expected close date', {
      fields: ['amount', 'probability', 'expectedCloseDate'],
    });
  }
  const { deal } = open(state);
  const amount = data.amount === undefined ? undefined : validAmount(data.amount);
  const probability = data.probability === undefined ? undefined : validProbability(data.probability);
  const changes = compact({
    amount: amount && (amount.amount !== deal.amount.amount || amount.currency !== deal.amount.currency) ? amount : undefined,
    probability: probability === deal.probability ? undefined : probability,
    expectedCloseDate: data.expectedCloseDate === deal.expectedCloseDate ? undefined : data.expectedCloseDate,
  });
  if (isEmpty(changes)) return [];
  return [{ type: 'OpportunityEstimateRevised', data: { opportunityId: deal.opportunityId, ...changes, revisedAt: data.revisedAt } }];
}

function win({ data }: WinOpportunity, state: OpportunityState): OpportunityEvent[] {
  const current = existing(state);
  // Accepting a quote wins the deal through a process manager that may deliver twice.
  if (current.status === 'won' && data.quoteId !== undefined && current.quoteId === data.quoteId) return [];
  const { deal, stage } = open(state);
  const amount = validAmount(data.amount);
  if (amount.currency !== deal.amount.currency) {
    throw new DomainError(
      OPPORTUNITY_REFUSALS.CURRENCY_MISMATCH,
      `A deal in ${deal.amount.currency} is won in ${deal.amount.currency}, not in ${amount.currency}`,
      {
        dealCurrency: deal.amount.currency,
        currency: amount.currency,
      },
    );
  }
  const { opportunityId, accountId, campaignId } = deal;
  return [
    {
      type: 'OpportunityWon',
      data: compact({ opportunityId, accountId, campaignId, amount, stage, quoteId: data.quoteId, wonAt: data.wonAt }),
    },
  ];
}

function recordQuoteIssue({ data }: RecordQuoteIssue, state: OpportunityState): OpportunityEvent[] {
  const { deal } = open(state);
  if (data.currency !== deal.amount.currency) {
    throw new DomainError(
      OPPORTUNITY_REFUSALS.CURRENCY_MISMATCH,
      `The opportunity is in ${deal.amount.currency}, the quote in ${data.currency}`,
      {
        opportunityId: deal.opportunityId,
        dealCurrency: deal.amount.currency,
        currency: data.currency,
      },
    );
  }
  const { quoteId, revision, currency, issuedAt } = data;
  return [{ type: 'OpportunityQuoteIssued', data: { opportunityId: deal.opportunityId, quoteId, revision, currency, issuedAt } }];
}

/** What a quote issued on the deal is now, as its own stream says: the part of it a change of currency looks at. */
export interface IssuedQuoteNow {
  readonly quoteId: string;
  /** The quote's status (draft again once revised, issued, accepted, rejected). */
  readonly status: string;
  readonly currency: string;
  readonly validUntil: string;
}

/** Whether an estimate of `amount` changes the currency of an open deal that has issued quotes. */
export function changesCurrency(state: OpportunityState, amount: Money | undefined): state is OpenOpportunityState {
  return (
    state.status === 'open' &&
    amount !== undefined &&
    amount.currency !== state.deal.amount.currency &&
    (state.deal.quotes ?? []).length > 0
  );
}

/**
 * A change of the deal's currency strands every quote still open in the old one: issued, not answered, not revised
 * back to a draft and still valid at `at`. Such a change is refused (409 OPPORTUNITY.QUOTE_OUTSTANDING, naming them)
 * until they are rejected or revised; an accepted quote has won the deal, a draft is checked again when issued.
 */
export function assertNoQuoteStranded(
  state: OpportunityState,
  amount: Money | undefined,
  quotes: readonly IssuedQuoteNow[],
  at: string,
): void {
  if (!changesCurrency(state, amount) || amount === undefined) return;
  const stranded = quotes.filter(
    (quote) => quote.status === 'issued' && quote.currency === state.deal.amount.currency && !isAfterDeadline(at, quote.validUntil),
  );
  if (stranded.length === 0) return;
  throw new DomainError(
    OPPORTUNITY_REFUSALS.QUOTE_OUTSTANDING,
    `Quote ${stranded.map((quote) => quote.quoteId).join(', ')} was issued in ${state.deal.amount.currency} and is still open; reject or revise it before changing the deal's currency`,
    {
      fields: ['amount.currency'],
      quoteIds: stranded.map((quote) => quote.quoteId),
      dealCurrency: state.deal.amount.currency,
      currency: amount.currency,
    },
  );
}

export function decideOpportunity(command: OpportunityCommand, state: OpportunityState): OpportunityEvent[] {
  switch (command.type) {
    case 'OpenOpportunity':
      return openDeal(command, state);
    case 'ProposeSolution': {
      const { deal } = open(state);
      const solution = present(command.data.solution);
      if (solution === undefined)
        throw new DomainError(OPPORTUNITY_REFUSALS.SOLUTION_REQUIRED, 'Describe the proposed solution', {
          fields: ['solution'],
        });
      if (solution === deal.solution) return [];
      const { proposedAt } = command.data;
      return [{ type: 'OpportunitySolutionProposed', data: { opportunityId: deal.opportunityId, solution, proposedAt } }];
    }
    case 'MoveOpportunityStage':
      return move(command, state);
    case 'ReviseEstimate':
      return revise(command, state);
    case 'WinOpportunity':
      return win(command, state);
    case 'LoseOpportunity': {
      const { deal, stage } = open(state);
      const { reason, lostAt } = command.data;
      return [{ type: 'OpportunityLost', data: { opportunityId: deal.opportunityId, reason, stage, lostAt } }];
    }
    case 'RecordQuoteIssue':
      return recordQuoteIssue(command, state);
    case 'ReopenOpportunity': {
      const current = existing(state);
      if (current.status === 'open') throw new DomainError(OPPORTUNITY_REFUSALS.NOT_CLOSED, 'Opportunity is open');
      const { opportunityId, probability } = current.deal;
      const { reason, reopenedAt } = command.data;
      return [{ type: 'OpportunityReopened', data: { opportunityId, reason, stage: current.stage, probability, reopenedAt } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveOpportunity(state: OpportunityState, event: OpportunityEvent): OpportunityState {
  if (event.type === 'OpportunityOpened') {
    const { stage, openedAt: _at, ...deal } = event.data;
    return { status: 'open', deal, stage };
  }
  if (state.status === 'none') return state;
  const { deal, stage } = state;
  switch (event.type) {
    case 'OpportunitySolutionProposed':
      return { ...state, deal: { ...deal, solution: event.data.solution } };
    case 'OpportunityStageMoved':
      return { status: 'open', deal: { ...deal, probability: event.data.probability }, stage: event.data.to };
    case 'OpportunityEstimateRevised': {
      const { opportunityId: _id, revisedAt: _at, ...figures } = event.data;
      return { ...state, deal: { ...deal, ...figures } };
    }
    case 'OpportunityWon':
      return compact({ status: 'won' as const, deal: { ...deal, amount: event.data.amount }, stage, quoteId: event.data.quoteId });
    case 'OpportunityLost':
      return { status: 'lost', deal, stage, reason: event.data.reason };
    case 'OpportunityReopened':
      return { status: 'open', deal: { ...deal, probability: event.data.probability }, stage: event.data.stage };
    case 'OpportunityQuoteIssued': {
      const quotes = deal.quotes ?? [];
      return quotes.includes(event.data.quoteId) ? state : { ...state, deal: { ...deal, quotes: [...quotes, event.data.quoteId] } };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const opportunityDecider: Decider<OpportunityState, OpportunityCommand, OpportunityEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideOpportunity,
  evolve: evolveOpportunity,
  isNew: (command) => command.type === 'OpenOpportunity',
  existence: { notFound: NOT_FOUND.opportunity, alreadyExists: OPPORTUNITY_REFUSALS.ALREADY_EXISTS },
  refusals: OPPORTUNITY_REFUSALS,
};
