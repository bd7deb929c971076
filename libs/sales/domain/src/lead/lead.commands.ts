import type { Command } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';

export const LEAD_SOURCES = [
  'web',
  'phone',
  'email',
  'sms',
  'social',
  'in_person',
  'referral',
  'campaign',
  'purchased_list',
  'event',
] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];

export const DISQUALIFY_REASONS = ['not_interested', 'no_budget', 'duplicate', 'unreachable', 'other'] as const;
export type DisqualifyReason = (typeof DISQUALIFY_REASONS)[number];

export type CaptureLead = Command<
  'CaptureLead',
  {
    leadId: string;
    fullName: string;
    source: LeadSource;
    email?: string;
    phone?: string;
    company?: string;
    interest?: string;
    campaignId?: string;
    ownerId?: string;
    capturedAt: string;
    /** An open lead with the same normalised email/phone, found by the application. */
    duplicateOfLeadId?: string;
    allowDuplicate?: boolean;
  }
>;

export type UpdateLead = Command<
  'UpdateLead',
  {
    leadId: string;
    fullName?: string;
    company?: string;
    email?: string;
    phone?: string;
    interest?: string;
    updatedAt: string;
  }
>;

export type AssignLead = Command<'AssignLead', { leadId: string; ownerId: string; assignedAt: string }>;

export type QualifyLead = Command<
  'QualifyLead',
  {
    leadId: string;
    /** New ids for what qualification creates, or ids of records that already exist. */
    contactId: string;
    existingContact?: boolean;
    accountId: string;
    existingAccount?: boolean;
    /** Name of a new account; defaults to the lead's company, else its full name (a private customer). */
    accountName?: string;
    opportunityId: string;
    opportunity: {
      name: string;
      estimatedValue: Money;
      expectedCloseDate: string;
      /** Defaults to the lead's stated interest. */
      need?: string;
    };
    qualifiedAt: string;
  }
>;

export type DisqualifyLead = Command<'DisqualifyLead', { leadId: string; reason: DisqualifyReason; note?: string; disqualifiedAt: string }>;

export type LeadCommand = CaptureLead | UpdateLead | AssignLead | QualifyLead | DisqualifyLead;
