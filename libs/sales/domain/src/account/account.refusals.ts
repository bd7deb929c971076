import { refusals } from '@crm/shared/kernel';

export const ACCOUNT_REFUSALS = refusals('ACCOUNT', {
  ALREADY_EXISTS: [409, 'An account with this id already exists'],
  CLOSED: [409, 'The account is closed: it takes no purchases, updates or new opportunities'],
  NOT_CLOSED: [409, 'The account is open'],
  NAME_REQUIRED: [400, 'The name is blank once spacing marks are removed'],
  DUPLICATE: [409, 'Another account (details.existingAccountId), open or closed, has this national id'],
  NATIONAL_ID_INVALID: [400, 'Not a national id: its check digit, a digit repeated, or an all-zero serial'],
  NOTHING_TO_UPDATE: [400, 'Give at least one of name, nationalId, industry, ownerId'],
  REASON_REQUIRED: [400, "A closing needs its reason, unless the account's personal data is erased: then leave it out"],
  EXTERNAL_REF_REQUIRED: [400, 'A purchase needs its external reference'],
  INVALID_AMOUNT: [400, 'A purchase amount must be more than zero'],
  PURCHASES_TOO_LARGE: [400, "The account's purchases in this currency would total beyond 2^53 − 1 minor units"],
  PURCHASE_IN_FUTURE: [400, 'A purchase cannot happen later than the moment it is recorded (beyond a small clock skew)'],
  PURCHASE_CONFLICT: [409, 'A purchase with this external reference was recorded with another amount or date (details.recorded)'],
});
