import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import { CLOCK_SKEW_MS, isAfterDeadline } from '../common/time';
import type { CreateQuote, QuoteCommand, ReviseQuote } from './quote.commands';
import type { QuoteEvent, QuoteTerms } from './quote.events';
import { priceQuote } from './quote.pricing';
import { QUOTE_REFUSALS } from './quote.refusals';
import { isAheadOf, NOT_FOUND } from '@crm/shared/kernel';

interface QuoteBody {
  readonly quoteId: string;
  readonly opportunityId: string;
  /** 1 for the created quote, + 1 per revision. */
  readonly revision: number;
  readonly terms: QuoteTerms;
}

export type QuoteState =
  | { readonly status: 'none' }
  | (QuoteBody & { readonly status: 'draft' })
  | (QuoteBody & { readonly status: 'issued'; readonly issuedAt: string })
  | (QuoteBody & { readonly status: 'accepted'; readonly acceptedAt: string })
  | (QuoteBody & { readonly status: 'rejected'; readonly reason: string });

type ExistingQuote = Exclude<QuoteState, { status: 'none' }>;
type IssuedQuote = Extract<QuoteState, { status: 'issued' }>;

function existing(state: QuoteState): ExistingQuote {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.quote, 'No such quote');
  return state;
}

function notAccepted(quote: ExistingQuote): ExistingQuote {
  if (quote.status === 'accepted') {
    throw new DomainError(QUOTE_REFUSALS.ACCEPTED, 'The quote was accepted and is final', { acceptedAt: quote.acceptedAt });
  }
  return quote;
}

function issued(state: QuoteState): IssuedQuote {
  const quote = notAccepted(existing(state));
  if (quote.status !== 'issued') throw new DomainError(QUOTE_REFUSALS.NOT_ISSUED, `Quote is ${quote.status}`, { status: quote.status });
  return quote;
}

function refuseExpired(at: string, validUntil: string): void {
  if (isAfterDeadline(at, validUntil)) throw new DomainError(QUOTE_REFUSALS.EXPIRED, 'The quote is no longer valid', { validUntil, at });
}

/** A quote written at `at` is valid until `validUntil`, not before (the edge names it with other bad fields too). */
export function assertQuoteValidity(at: string, validUntil: string): void {
  if (isAfterDeadline(at, validUntil)) {
    throw new DomainError(QUOTE_REFUSALS.INVALID_VALIDITY, 'A quote cannot be valid only until before it is written', {
      fields: ['validUntil'],
      validUntil,
    });
  }
}

function create({ data }: CreateQuote, state: QuoteState): QuoteEvent[] {
  if (state.status !== 'none') throw new DomainError(QUOTE_REFUSALS.ALREADY_EXISTS, 'Quote already exists', { quoteId: data.quoteId });
  const terms = priceQuote(data.lines, data.validUntil);
  assertQuoteValidity(data.createdAt, data.validUntil);
  const { quoteId, opportunityId, createdAt } = data;
  return [{ type: 'QuoteCreated', data: { quoteId, opportunityId, revision: 1, ...terms, createdAt } }];
}

function revise({ data }: ReviseQuote, state: QuoteState): QuoteEvent[] {
  const quote = notAccepted(existing(state));
  if (data.lines === undefined && data.validUntil === undefined) {
    throw new DomainError(QUOTE_REFUSALS.NOTHING_TO_REVISE, 'Give new lines, a new validity or both', { fields: ['lines', 'validUntil'] });
  }
  const validUntil = data.validUntil ?? quote.terms.validUntil;
  const terms = data.lines === undefined ? { ...quote.terms, validUntil } : priceQuote(data.lines, validUntil);
  assertQuoteValidity(data.revisedAt, validUntil);
  const { quoteId, opportunityId } = quote;
  return [{ type: 'QuoteRevised', data: { quoteId, opportunityId, revision: quote.revision + 1, ...terms, revisedAt: data.revisedAt } }];
}

export function decideQuote(command: QuoteCommand, state: QuoteState): QuoteEvent[] {
  switch (command.type) {
    case 'CreateQuote':
      return create(command, state);
    case 'IssueQuote': {
      const quote = notAccepted(existing(state));
      if (quote.status !== 'draft') throw new DomainError(QUOTE_REFUSALS.NOT_DRAFT, `Quote is ${quote.status}`, { status: quote.status });
      const { issuedAt } = command.data;
      refuseExpired(issuedAt, quote.terms.validUntil);
      const { quoteId, opportunityId, revision, terms } = quote;
      return [
        { type: 'QuoteIssued', data: { quoteId, opportunityId, revision, total: terms.total, validUntil: terms.validUntil, issuedAt } },
      ];
    }
    case 'AcceptQuote': {
      const quote = issued(state);
      const { at, recordedAt } = command.data;
      // Back-dating cannot revive an offer: it must be valid when we learn of the acceptance, too.
      if (Date.parse(at) < Date.parse(quote.issuedAt) || isAheadOf(at, recordedAt)) {
        throw new DomainError(QUOTE_REFUSALS.INVALID_ACCEPTANCE_TIME, `acceptedAt ${at} is before issue or after it is recorded`, {
          fields: ['acceptedAt'],
          issuedAt: quote.issuedAt,
        });
      }
      refuseExpired(at, quote.terms.validUntil);
      refuseExpired(new Date(Date.parse(recordedAt) - CLOCK_SKEW_MS).toISOString(), quote.terms.validUntil);
      const { quoteId, opportunityId, revision, terms } = quote;
      return [{ type: 'QuoteAccepted', data: { quoteId, opportunityId, revision, total: terms.total, acceptedAt: command.data.at } }];
    }
    case 'RejectQuote': {
      const { quoteId, opportunityId, revision } = issued(state);
      const { reason, at } = command.data;
      return [{ type: 'QuoteRejected', data: { quoteId, opportunityId, revision, reason, rejectedAt: at } }];
    }
    case 'ReviseQuote':
      return revise(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function termsOf(data: QuoteTerms): QuoteTerms {
  const { currency, lines, subtotal, discountTotal, total, validUntil } = data;
  return { currency, lines, subtotal, discountTotal, total, validUntil };
}

export function evolveQuote(state: QuoteState, event: QuoteEvent): QuoteState {
  switch (event.type) {
    case 'QuoteCreated':
    case 'QuoteRevised': {
      const { quoteId, opportunityId, revision } = event.data;
      return { status: 'draft', quoteId, opportunityId, revision, terms: termsOf(event.data) };
    }
    case 'QuoteIssued':
      return state.status === 'none' ? state : { ...bodyOf(state), status: 'issued', issuedAt: event.data.issuedAt };
    case 'QuoteAccepted':
      return state.status === 'none' ? state : { ...bodyOf(state), status: 'accepted', acceptedAt: event.data.acceptedAt };
    case 'QuoteRejected':
      return state.status === 'none' ? state : { ...bodyOf(state), status: 'rejected', reason: event.data.reason };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** The fields every status shares, without the previous status's own (issuedAt, reason...). */
function bodyOf({ quoteId, opportunityId, revision, terms }: ExistingQuote): QuoteBody {
  return { quoteId, opportunityId, revision, terms };
}

export const quoteDecider: Decider<QuoteState, QuoteCommand, QuoteEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideQuote,
  evolve: evolveQuote,
  isNew: (command) => command.type === 'CreateQuote',
  existence: { notFound: NOT_FOUND.quote, alreadyExists: QUOTE_REFUSALS.ALREADY_EXISTS },
  refusals: QUOTE_REFUSALS,
};
