import { refusals } from '@crm/shared/kernel';

export const QUOTE_REFUSALS = refusals('QUOTE', {
  ALREADY_EXISTS: [409, 'A quote with this id already exists'],
  ACCEPTED: [409, 'The quote was accepted and is final'],
  NOT_DRAFT: [409, 'Only a draft quote can be issued (revising an issued or rejected quote makes a new draft)'],
  NOT_ISSUED: [409, 'Only an issued quote can be accepted or rejected'],
  EXPIRED: [409, 'The quote is past its validity: acceptedAt, or the moment the acceptance is recorded, is after validUntil'],
  NO_LINES: [400, 'A quote needs at least one line'],
  MIXED_CURRENCY: [400, 'All lines of a quote are priced in one currency'],
  INVALID_PRICE: [400, 'A unit price is negative'],
  INVALID_QUANTITY: [400, 'A quantity is not a non-negative number with at most 3 decimals'],
  INVALID_DISCOUNT: [400, 'A discount is not a percentage from 0 to 100 with at most 2 decimals'],
  TOTAL_TOO_LARGE: [400, 'A line total or the quote total is beyond 2^53 − 1 minor units'],
  INVALID_VALIDITY: [400, 'validUntil is before the quote is written'],
  INVALID_ACCEPTANCE_TIME: [400, 'acceptedAt is before the quote was issued or after the moment it is recorded'],
  NOTHING_TO_REVISE: [400, 'Give new lines, a new validity or both'],
});
