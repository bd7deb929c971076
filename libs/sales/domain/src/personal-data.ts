import type { PersonalFields } from '@crm/shared/personal-data';

const contactPoints = ['fullName', 'nameKey', 'email', 'normalizedEmail', 'phone', 'phoneE164', 'matchKeys[]'];
const changedContactPoints = [...contactPoints.slice(0, -1).map((field) => `changes.${field}`), 'matchKeys[]'];

/**
 * The personal fields of sales events (sealed in the log under the key of the
 * lead or contact stream; libs/shared/personal-data). Accounts are organisations
 * and opportunities and quotes are business records: they hold none.
 */
export const SALES_PERSONAL_FIELDS: PersonalFields = {
  LeadCaptured: contactPoints,
  LeadUpdated: changedContactPoints,
  LeadQualified: ['contact.fullName', 'contact.email', 'contact.phone'],
  LeadDisqualified: ['note'],
  ContactCreated: contactPoints,
  ContactUpdated: changedContactPoints,
};
