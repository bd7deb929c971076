import type { Command } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';

/** Stages a deal moves through while open; won and lost are reached only by win/lose. */
export const OPEN_STAGES = ['qualification', 'needs_analysis', 'proposal', 'negotiation'] as const;
export type OpenStage = (typeof OPEN_STAGES)[number];
export type OpportunityStage = OpenStage | 'won' | 'lost';

/** Default win probability (%) per stage; the weighted pipeline multiplies amounts by it. */
export const STAGE_PROBABILITY: Readonly<Record<OpportunityStage, number>> = {
  qualification: 10,
  needs_analysis: 20,
  proposal: 50,
  negotiation: 80,
  won: 100,
  lost: 0,
};

export type OpenOpportunity = Command<
  'OpenOpportunity',
  {
    opportunityId: string;
    accountId: string;
    name: string;
    need: string;
    amount: Money;
    expectedCloseDate: string;
    contactId?: string;
    ownerId?: string;
    originLeadId?: string;
    campaignId?: string;
    openedAt: string;
  }
>;

export type ProposeSolution = Command<'ProposeSolution', { opportunityId: string; solution: string; proposedAt: string }>;

export type MoveOpportunityStage = Command<
  'MoveOpportunityStage',
  {
    opportunityId: string;
    stage: OpenStage;
    /** Overrides the stage's default probability (0–100). */
    probability?: number;
    movedAt: string;
  }
>;

export type ReviseEstimate = Command<
  'ReviseEstimate',
  { opportunityId: string; amount?: Money; probability?: number; expectedCloseDate?: string; revisedAt: string }
>;

export type WinOpportunity = Command<
  'WinOpportunity',
  {
    opportunityId: string;
    amount: Money;
    wonAt: string;
    /** The accepted quote that won the deal, when it was won that way. */
    quoteId?: string;
  }
>;

export type LoseOpportunity = Command<'LoseOpportunity', { opportunityId: string; reason: string; lostAt: string }>;

export type ReopenOpportunity = Command<'ReopenOpportunity', { opportunityId: string; reason: string; reopenedAt: string }>;

/**
 * A quote on the deal is issued: recorded on the deal's own stream, in the same atomic append as the quote's
 * QuoteIssued, so that issuing and a change of the deal's currency (or its closing) are decided one after the other,
 * never both from the same state. `revision` is the quote's revision that was issued.
 */
export type RecordQuoteIssue = Command<
  'RecordQuoteIssue',
  { opportunityId: string; quoteId: string; revision: number; currency: string; issuedAt: string }
>;

export type OpportunityCommand =
  | OpenOpportunity
  | ProposeSolution
  | MoveOpportunityStage
  | ReviseEstimate
  | WinOpportunity
  | LoseOpportunity
  | ReopenOpportunity
  | RecordQuoteIssue;
