import { refusals } from '@crm/shared/kernel';

export const OPPORTUNITY_REFUSALS = refusals('OPPORTUNITY', {
  ALREADY_EXISTS: [409, 'An opportunity with this id already exists'],
  CLOSED: [409, 'The opportunity is won or lost; reopen it first'],
  NOT_CLOSED: [409, 'The opportunity is open'],
  CURRENCY_MISMATCH: [409, "The amount is not in the opportunity's currency (a deal in IRR is won in IRR)"],
  QUOTE_OUTSTANDING: [409, "A quote issued in the deal's currency is still open; reject or revise it before changing the currency"],
  NAME_REQUIRED: [400, 'The name is blank once spacing marks are removed'],
  SOLUTION_REQUIRED: [400, 'The solution is blank once spacing marks are removed'],
  INVALID_AMOUNT: [400, 'The amount is negative'],
  INVALID_PROBABILITY: [400, 'The probability is not a whole percentage from 0 to 100'],
  NOTHING_TO_REVISE: [400, 'Give an amount, a probability or an expected close date'],
});
