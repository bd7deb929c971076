import type { Event } from '@crm/shared/event-sourcing';
import type { ContactChannel } from './contact.commands';

export type ContactCreated = Event<
  'ContactCreated',
  {
    contactId: string;
    fullName: string;
    nameKey: string;
    email?: string;
    normalizedEmail?: string;
    phone?: string;
    phoneE164?: string;
    matchKeys: string[];
    accountId?: string;
    preferredChannel?: ContactChannel;
    originLeadId?: string;
    createdAt: string;
  }
>;

export type ContactUpdated = Event<
  'ContactUpdated',
  {
    contactId: string;
    /** Only the fields that changed. */
    changes: {
      fullName?: string;
      nameKey?: string;
      email?: string;
      normalizedEmail?: string;
      phone?: string;
      phoneE164?: string;
      preferredChannel?: ContactChannel;
    };
    /** Present when email or phone changed: the full new set. */
    matchKeys?: string[];
    updatedAt: string;
  }
>;

export type ContactLinkedToAccount = Event<
  'ContactLinkedToAccount',
  { contactId: string; accountId: string; previousAccountId?: string; linkedAt: string }
>;

type ConsentData = { contactId: string; channel: ContactChannel; at: string; source?: string };

export type ContactConsentGranted = Event<'ContactConsentGranted', ConsentData>;
export type ContactConsentWithdrawn = Event<'ContactConsentWithdrawn', ConsentData>;

export type ContactEvent = ContactCreated | ContactUpdated | ContactLinkedToAccount | ContactConsentGranted | ContactConsentWithdrawn;
