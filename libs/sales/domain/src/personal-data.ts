import type { PersonalFields, PersonReferences } from '@crm/shared/personal-data';

const contactPoints = ['fullName', 'nameKey', 'email', 'normalizedEmail', 'phone', 'phoneE164', 'matchKeys[]'];
const changedContactPoints = [...contactPoints.slice(0, -1).map((field) => `changes.${field}`), 'matchKeys[]'];

/**
 * The personal fields of sales events, sealed in the log under the key of
 * their stream (libs/shared/personal-data). An account's name and national id
 * are sealed too: a lead qualified without a company becomes an account named
 * after the person, with their national id. A lead's company and stated
 * interest, a contact's consent source and an account's closing or reopening
 * reason are what staff wrote about the person: sealed too. Opportunities
 * and quotes are business records and hold none: a qualified lead's deal
 * takes the `need` the qualification gives, or its own name, never the lead's
 * sealed interest (copied in clear, it outlived the lead's erasure).
 */
export const SALES_PERSONAL_FIELDS: PersonalFields = {
  LeadCaptured: [...contactPoints, 'company', 'interest'],
  LeadUpdated: [...changedContactPoints, 'changes.company', 'changes.interest'],
  LeadQualified: ['contact.fullName', 'contact.email', 'contact.phone', 'account.name'],
  LeadDisqualified: ['note'],
  ContactCreated: contactPoints,
  ContactUpdated: changedContactPoints,
  // Where and how the person gave or withdrew consent ("at the expo, from Sara").
  ContactConsentGranted: ['source'],
  ContactConsentWithdrawn: ['source'],
  AccountOpened: ['name', 'nameKey', 'nationalId'],
  AccountUpdated: ['changes.name', 'changes.nameKey', 'changes.nationalId'],
  // Why an account closed or reopened: of an account named after a person, about that person.
  AccountClosed: ['reason'],
  AccountReopened: ['reason'],
};

/**
 * The records a qualification carries the lead's person into: the contact and the account it names. Qualifying into
 * a contact or account that is erased (or being erased) is refused (PERSONAL_DATA.ERASED): linked to an erased
 * person's records, the lead's name, email and phone could no longer be erased (its erasure found the person
 * erased already) and read in the erased person's access reply.
 */
export const SALES_PERSON_REFERENCES: PersonReferences = {
  LeadQualified: ['contact', 'account'],
};
