import type { Event } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';
import type { DisqualifyReason, LeadSource } from './lead.commands';

export type LeadCaptured = Event<
  'LeadCaptured',
  {
    leadId: string;
    fullName: string;
    /** matchKey of the name, for search; not a dedupe criterion (namesakes are common). */
    nameKey: string;
    source: LeadSource;
    email?: string;
    normalizedEmail?: string;
    phone?: string;
    phoneE164?: string;
    /** 'email:…' / 'phone:…' keys the application dedupes open leads on. */
    matchKeys: string[];
    company?: string;
    interest?: string;
    campaignId?: string;
    ownerId?: string;
    /** Set when the caller knowingly captured a duplicate (allowDuplicate). */
    duplicateOfLeadId?: string;
    capturedAt: string;
  }
>;

export type LeadUpdated = Event<
  'LeadUpdated',
  {
    leadId: string;
    /** Only the fields that changed. */
    changes: {
      fullName?: string;
      nameKey?: string;
      company?: string;
      email?: string;
      normalizedEmail?: string;
      phone?: string;
      phoneE164?: string;
      interest?: string;
    };
    /** Present when email or phone changed: the full new set. */
    matchKeys?: string[];
    updatedAt: string;
  }
>;

export type LeadAssigned = Event<'LeadAssigned', { leadId: string; ownerId: string; previousOwnerId?: string; assignedAt: string }>;

/** Everything a process manager needs to create the contact, account and opportunity. */
export type LeadQualified = Event<
  'LeadQualified',
  {
    leadId: string;
    source: LeadSource;
    campaignId?: string;
    ownerId?: string;
    contact: { contactId: string; existing: boolean; fullName: string; email?: string; phone?: string };
    account: { accountId: string; existing: boolean; name?: string };
    opportunity: {
      opportunityId: string;
      name: string;
      need: string;
      estimatedValue: Money;
      expectedCloseDate: string;
    };
    qualifiedAt: string;
  }
>;

export type LeadDisqualified = Event<
  'LeadDisqualified',
  { leadId: string; reason: DisqualifyReason; note?: string; disqualifiedAt: string }
>;

export type LeadEvent = LeadCaptured | LeadUpdated | LeadAssigned | LeadQualified | LeadDisqualified;
