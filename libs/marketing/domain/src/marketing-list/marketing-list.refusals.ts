import { refusals } from '@crm/shared/kernel';

export const LIST_REFUSALS = refusals('LIST', {
  ALREADY_EXISTS: [409, 'A marketing list with this id already exists'],
  NOT_STATIC: [409, 'Members of a dynamic list follow its criteria; only static lists take members by hand'],
  NAME_REQUIRED: [400, 'The name has nothing to read: blank once spacing marks are removed, or only tatweel, diacritics or punctuation'],
  TOO_MANY_MEMBER_IDS: [400, 'Too many member ids in one command'],
  CRITERIA_NOT_ALLOWED: [400, 'A static list takes members by hand, not criteria'],
  CRITERIA_REQUIRED: [400, 'A dynamic list needs criteria'],
  CRITERIA_INVALID: [400, 'Criteria match either all or any of their conditions'],
  CRITERIA_EMPTY: [400, 'A dynamic list needs at least one condition'],
  CRITERIA_FIELD_UNKNOWN: [400, 'A condition selects on a field this kind of list does not have'],
  CRITERIA_VALUE_INVALID: [400, 'A condition has an unknown operator or a value that does not fit it'],
});
