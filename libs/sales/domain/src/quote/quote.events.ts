import type { Event } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';

/** A line as priced by the domain: gross = quantity × unit price, total = gross − discount. */
export interface PricedLine {
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly discountPercent: number;
  readonly gross: Money;
  readonly discount: Money;
  readonly total: Money;
}

/** The priced content of one revision; every amount is in `currency`. */
export interface QuoteTerms {
  readonly currency: string;
  readonly lines: readonly PricedLine[];
  readonly subtotal: Money;
  readonly discountTotal: Money;
  readonly total: Money;
  readonly validUntil: string;
}

export type QuoteCreated = Event<
  'QuoteCreated',
  QuoteTerms & { quoteId: string; opportunityId: string; revision: number; createdAt: string }
>;

/** Starts revision n + 1 as a draft, superseding whatever was issued or rejected before. */
export type QuoteRevised = Event<
  'QuoteRevised',
  QuoteTerms & { quoteId: string; opportunityId: string; revision: number; revisedAt: string }
>;

export type QuoteIssued = Event<
  'QuoteIssued',
  { quoteId: string; opportunityId: string; revision: number; total: Money; validUntil: string; issuedAt: string }
>;

/** Carries what the application needs to win the opportunity (WinOpportunity with quoteId and total). */
export type QuoteAccepted = Event<
  'QuoteAccepted',
  { quoteId: string; opportunityId: string; revision: number; total: Money; acceptedAt: string }
>;

export type QuoteRejected = Event<
  'QuoteRejected',
  { quoteId: string; opportunityId: string; revision: number; reason: string; rejectedAt: string }
>;

export type QuoteEvent = QuoteCreated | QuoteRevised | QuoteIssued | QuoteAccepted | QuoteRejected;
