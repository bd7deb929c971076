import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import { changedFields, compact, isEmpty, matchKey, present, NOT_FOUND } from '@crm/shared/kernel';
import { contactPoints, matchKeysOf, withDerivedKeys } from '../common/contact-points';
import type { ContactChannel, ContactCommand, CreateContact, RecordConsent, UpdateContact } from './contact.commands';
import type { ContactEvent } from './contact.events';
import { CONTACT_REFUSALS } from './contact.refusals';
import { assertSomethingToUpdate } from '../common/nothing-to-update';

export interface ContactProfile {
  readonly contactId: string;
  readonly fullName: string;
  readonly nameKey: string;
  readonly email?: string;
  readonly normalizedEmail?: string;
  readonly phone?: string;
  readonly phoneE164?: string;
  readonly matchKeys: readonly string[];
  readonly accountId?: string;
  readonly preferredChannel?: ContactChannel;
  readonly originLeadId?: string;
}

export interface ConsentRecord {
  readonly granted: boolean;
  readonly at: string;
}

export type ContactState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active';
      readonly contact: ContactProfile;
      /** Latest decision per channel; a channel never asked about has no entry (no consent). */
      readonly consents: Readonly<Partial<Record<ContactChannel, ConsentRecord>>>;
    };

type ActiveContact = Extract<ContactState, { status: 'active' }>;

function active(state: ContactState): ActiveContact {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.contact, 'No such contact');
  return state;
}

/**
 * Marketing may target a contact on a channel only with a granted consent for that channel
 * and an address to send to.
 */
export function canTarget(state: ContactState, channel: ContactChannel): boolean {
  if (state.status !== 'active' || state.consents[channel]?.granted !== true) return false;
  switch (channel) {
    case 'email':
      return state.contact.normalizedEmail !== undefined;
    case 'sms':
    case 'phone':
    case 'whatsapp':
    case 'telegram':
      return state.contact.phoneE164 !== undefined;
    case 'letter':
      return true;
    default: {
      const _exhaustive: never = channel;
      return _exhaustive;
    }
  }
}

function create({ data }: CreateContact, state: ContactState): ContactEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(CONTACT_REFUSALS.ALREADY_EXISTS, 'Contact already exists', { contactId: data.contactId });
  }
  const fullName = present(data.fullName);
  if (fullName === undefined) throw new DomainError(CONTACT_REFUSALS.NAME_REQUIRED, 'A contact needs a name', { fields: ['fullName'] });
  const points = contactPoints(data);
  return [
    {
      type: 'ContactCreated',
      data: compact({
        contactId: data.contactId,
        fullName,
        nameKey: matchKey(fullName),
        ...points,
        matchKeys: matchKeysOf(points),
        accountId: data.accountId,
        preferredChannel: data.preferredChannel,
        originLeadId: data.originLeadId,
        createdAt: data.createdAt,
      }),
    },
  ];
}

function update({ data }: UpdateContact, { contact }: ActiveContact): ContactEvent[] {
  const changed = changedFields(contact, {
    fullName: present(data.fullName),
    email: present(data.email),
    phone: present(data.phone),
    preferredChannel: data.preferredChannel,
  });
  if (isEmpty(changed)) return [];
  const { changes, matchKeys } = withDerivedKeys(contact, changed);
  return [{ type: 'ContactUpdated', data: compact({ contactId: contact.contactId, changes, matchKeys, updatedAt: data.updatedAt }) }];
}

function recordConsent({ data }: RecordConsent, { contact, consents }: ActiveContact): ContactEvent[] {
  // Only a change of decision is news; an explicit "no" on a never-asked channel is still recorded.
  if (consents[data.channel]?.granted === data.granted) return [];
  const consent = compact({ contactId: contact.contactId, channel: data.channel, at: data.at, source: present(data.source) });
  return [{ type: data.granted ? 'ContactConsentGranted' : 'ContactConsentWithdrawn', data: consent }];
}

export function decideContact(command: ContactCommand, state: ContactState): ContactEvent[] {
  switch (command.type) {
    case 'CreateContact':
      return create(command, state);
    case 'UpdateContact':
      assertSomethingToUpdate(command.data, ['fullName', 'email', 'phone', 'preferredChannel'], CONTACT_REFUSALS.NOTHING_TO_UPDATE);
      return update(command, active(state));
    case 'LinkContactToAccount': {
      const { contact } = active(state);
      const { accountId, linkedAt } = command.data;
      if (contact.accountId === accountId) return [];
      const previousAccountId = contact.accountId;
      return [{ type: 'ContactLinkedToAccount', data: compact({ contactId: contact.contactId, accountId, previousAccountId, linkedAt }) }];
    }
    case 'RecordConsent':
      return recordConsent(command, active(state));
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveContact(state: ContactState, event: ContactEvent): ContactState {
  if (event.type === 'ContactCreated') {
    const { createdAt: _at, ...contact } = event.data;
    return { status: 'active', contact, consents: {} };
  }
  if (state.status !== 'active') return state;
  switch (event.type) {
    case 'ContactUpdated': {
      const matchKeys = event.data.matchKeys ?? state.contact.matchKeys;
      return { ...state, contact: { ...state.contact, ...event.data.changes, matchKeys } };
    }
    case 'ContactLinkedToAccount':
      return { ...state, contact: { ...state.contact, accountId: event.data.accountId } };
    case 'ContactConsentGranted':
    case 'ContactConsentWithdrawn': {
      const consent = { granted: event.type === 'ContactConsentGranted', at: event.data.at };
      return { ...state, consents: { ...state.consents, [event.data.channel]: consent } };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const contactDecider: Decider<ContactState, ContactCommand, ContactEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideContact,
  evolve: evolveContact,
  isNew: (command) => command.type === 'CreateContact',
  existence: { notFound: NOT_FOUND.contact, alreadyExists: CONTACT_REFUSALS.ALREADY_EXISTS },
  refusals: CONTACT_REFUSALS,
};
