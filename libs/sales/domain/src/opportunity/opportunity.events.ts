import type { Event } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';
import type { OpenStage } from './opportunity.commands';

export type OpportunityOpened = Event<
  'OpportunityOpened',
  {
    opportunityId: string;
    accountId: string;
    name: string;
    need: string;
    amount: Money;
    expectedCloseDate: string;
    stage: 'qualification';
    probability: number;
    contactId?: string;
    ownerId?: string;
    originLeadId?: string;
    campaignId?: string;
    openedAt: string;
  }
>;

export type OpportunitySolutionProposed = Event<
  'OpportunitySolutionProposed',
  { opportunityId: string; solution: string; proposedAt: string }
>;

export type OpportunityStageMoved = Event<
  'OpportunityStageMoved',
  { opportunityId: string; from: OpenStage; to: OpenStage; probability: number; movedAt: string }
>;

/** Only the figures that changed. */
export type OpportunityEstimateRevised = Event<
  'OpportunityEstimateRevised',
  { opportunityId: string; amount?: Money; probability?: number; expectedCloseDate?: string; revisedAt: string }
>;

/** Carries account and campaign so revenue can be attributed without a lookup. */
export type OpportunityWon = Event<
  'OpportunityWon',
  {
    opportunityId: string;
    accountId: string;
    campaignId?: string;
    amount: Money;
    /** The open stage the deal was won from. */
    stage: OpenStage;
    quoteId?: string;
    wonAt: string;
  }
>;

export type OpportunityLost = Event<'OpportunityLost', { opportunityId: string; reason: string; stage: OpenStage; lostAt: string }>;

/** Back to the stage and probability it had when it was closed. */
export type OpportunityReopened = Event<
  'OpportunityReopened',
  { opportunityId: string; reason: string; stage: OpenStage; probability: number; reopenedAt: string }
>;

/** A quote on the deal was issued (its revision, in the deal's currency): the deal keeps the offers it made. */
export type OpportunityQuoteIssued = Event<
  'OpportunityQuoteIssued',
  { opportunityId: string; quoteId: string; revision: number; currency: string; issuedAt: string }
>;

export type OpportunityEvent =
  | OpportunityOpened
  | OpportunitySolutionProposed
  | OpportunityStageMoved
  | OpportunityEstimateRevised
  | OpportunityWon
  | OpportunityLost
  | OpportunityReopened
  | OpportunityQuoteIssued;
