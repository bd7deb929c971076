import type { Command } from '@crm/shared/event-sourcing';

/** Channels a contact can be reached on, and so consent to be marketed on. */
// 'letter' as in activities, interactions and complaints: one word for paper mail across the API.
export const CONTACT_CHANNELS = ['email', 'sms', 'phone', 'whatsapp', 'telegram', 'letter'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export type CreateContact = Command<
  'CreateContact',
  {
    contactId: string;
    fullName: string;
    email?: string;
    phone?: string;
    accountId?: string;
    preferredChannel?: ContactChannel;
    /** The lead this contact was qualified from. */
    originLeadId?: string;
    createdAt: string;
  }
>;

export type UpdateContact = Command<
  'UpdateContact',
  {
    contactId: string;
    fullName?: string;
    email?: string;
    phone?: string;
    preferredChannel?: ContactChannel;
    updatedAt: string;
  }
>;

export type LinkContactToAccount = Command<'LinkContactToAccount', { contactId: string; accountId: string; linkedAt: string }>;

export type RecordConsent = Command<
  'RecordConsent',
  {
    contactId: string;
    channel: ContactChannel;
    granted: boolean;
    at: string;
    /** Where the consent was given or withdrawn (web form, call, reply STOP...), for the audit. */
    source?: string;
  }
>;

export type ContactCommand = CreateContact | UpdateContact | LinkContactToAccount | RecordConsent;
