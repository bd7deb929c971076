import type { Command } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';

export interface QuoteLineInput {
  readonly description: string;
  /** More than 0, up to 3 decimals (2.5 tonnes, 0.125 licences). */
  readonly quantity: number;
  readonly unitPrice: Money;
  /** 0–100, up to 2 decimals; none means no discount. */
  readonly discountPercent?: number;
}

export type CreateQuote = Command<
  'CreateQuote',
  { quoteId: string; opportunityId: string; lines: readonly QuoteLineInput[]; validUntil: string; createdAt: string }
>;

export type IssueQuote = Command<'IssueQuote', { quoteId: string; issuedAt: string }>;

/** `at` is when the customer accepted: it is what the validity is checked against. */
/** `at` is when the customer accepted (given or now); `recordedAt` is when we learn of it. */
export type AcceptQuote = Command<'AcceptQuote', { quoteId: string; at: string; recordedAt: string }>;

export type RejectQuote = Command<'RejectQuote', { quoteId: string; reason: string; at: string }>;

/** Either or both; what is not given is carried over from the current revision. */
export type ReviseQuote = Command<
  'ReviseQuote',
  { quoteId: string; lines?: readonly QuoteLineInput[]; validUntil?: string; revisedAt: string }
>;

export type QuoteCommand = CreateQuote | IssueQuote | AcceptQuote | RejectQuote | ReviseQuote;
