import { assertCriteriaValues, type CriteriaValueSets, type ListCriteria, type ListMemberType } from '@crm/marketing/domain';
import { CONTACT_CHANNELS, LEAD_SOURCES, type AccountState, type LeadState } from '@crm/sales/domain';

/** The statuses of a record that exists; the sales deciders define them as their states, not as a list. */
type StatusOf<S extends { readonly status: string }> = Exclude<S['status'], 'none'>;

/** Every status once: the compiler refuses a status the sales decider does not have, and misses one it adds. */
const statuses = <S extends { readonly status: string }>(all: Readonly<Record<StatusOf<S>, true>>): readonly string[] => Object.keys(all);

/**
 * The values a dynamic list's enumerated fields can take, from the sales context that defines them (the attributes
 * the marketing audience projection keeps per record). Names, ids and free text (company, industry) have none.
 */
export const CRITERIA_VALUE_SETS: CriteriaValueSets = {
  lead: { source: LEAD_SOURCES, status: statuses<LeadState>({ open: true, qualified: true, disqualified: true }) },
  account: { status: statuses<AccountState>({ active: true, closed: true }) },
  contact: { preferredChannel: CONTACT_CHANNELS, consent: CONTACT_CHANNELS },
};

/** One line per enumerated field, for the OpenAPI description of a condition's value. */
export const CRITERIA_VALUES_DESCRIPTION = Object.entries(CRITERIA_VALUE_SETS)
  .flatMap(([memberType, fields]) => Object.entries(fields).map(([field, values]) => `${memberType} ${field}: ${values.join(', ')}`))
  .join('; ');

/** Refuses (400 LIST.CRITERIA_VALUE_INVALID, naming each condition's value) a value its enumerated field does not have. */
export function assertKnownCriteriaValues(criteria: ListCriteria, memberType: ListMemberType): void {
  assertCriteriaValues(criteria, memberType, CRITERIA_VALUE_SETS);
}
