import { refusals } from '@crm/shared/kernel';

export const CAMPAIGN_REFUSALS = refusals('CAMPAIGN', {
  ALREADY_EXISTS: [409, 'A campaign with this id already exists'],
  NOT_STARTED: [409, 'The campaign has not started'],
  ALREADY_STARTED: [409, 'The campaign has already started'],
  COMPLETED: [409, 'The campaign is completed'],
  CANCELLED: [409, 'The campaign is cancelled'],
  NO_TARGET_LISTS: [409, 'A campaign needs at least one target list before it starts'],
  CURRENCY_MISMATCH: [409, "Costs are recorded in the budget's currency"],
  NAME_REQUIRED: [400, 'The name has nothing to read: blank once spacing marks are removed, or only tatweel, diacritics or punctuation'],
  REASON_REQUIRED: [400, 'The reason is blank once spacing marks are removed'],
  BUDGET_NEGATIVE: [400, 'The budget is negative'],
  COST_NOT_POSITIVE: [400, 'A cost must be more than zero'],
  COSTS_TOO_LARGE: [400, 'The total of the costs would be beyond 2^53 − 1 minor units'],
  DATE_INVALID: [400, 'A date is neither a calendar date nor an ISO 8601 instant'],
  END_BEFORE_START: [400, 'The campaign ends before it starts'],
  TIME_IN_FUTURE: [400, 'A response or cost is dated later than the moment it is recorded (beyond a small clock skew)'],
});
