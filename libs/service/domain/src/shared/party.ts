import { DomainError } from '@crm/shared/event-sourcing';
import { isBlank, normalizeEmail, normalizePhone, type Refusal } from '@crm/shared/kernel';

/** Someone not yet on file: a complainant who phoned in, an anonymous survey respondent. */
export interface UnregisteredParty {
  readonly name: string;
  readonly phone?: string;
  readonly email?: string;
}

/** Complainant, feedback author or respondent (API.md "Shapes"). */
export type Party = { readonly contactId: string } | { readonly accountId: string } | UnregisteredParty;

export type RelatedType = 'lead' | 'contact' | 'account' | 'opportunity' | 'quote' | 'complaint' | 'campaign';
export interface RelatedTo {
  readonly type: RelatedType;
  readonly id: string;
}

/** Channels a customer reaches us through (the interaction log uses the same set). */
export type ServiceChannel = 'phone' | 'sms' | 'email' | 'web' | 'social' | 'in_person' | 'letter';

/**
 * Recorded once in canonical form (phone E.164, email lower-case) so a later match to a
 * contact needs no guesswork; the name stays as typed, for display. Malformed phones and
 * emails surface as the kernel's InvalidValueError (a 400), not as a business refusal.
 */
export function normalizeParty(party: Party, field: string, nameRequired: Refusal<string, 400>): Party {
  if ('contactId' in party) return { contactId: party.contactId };
  if ('accountId' in party) return { accountId: party.accountId };
  if (isBlank(party.name)) {
    throw new DomainError(nameRequired, `${field}.name is empty`, { fields: [`${field}.name`] });
  }
  return {
    name: party.name.trim(),
    ...(party.phone === undefined ? {} : { phone: normalizePhone(party.phone) }),
    ...(party.email === undefined ? {} : { email: normalizeEmail(party.email) }),
  };
}
