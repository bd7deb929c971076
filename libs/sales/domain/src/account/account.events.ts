import type { Event } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';

export type AccountOpened = Event<
  'AccountOpened',
  {
    accountId: string;
    name: string;
    /** matchKey of the name, for search and dedupe of companies. */
    nameKey: string;
    /** ASCII digits, whatever digits it was typed in. */
    nationalId?: string;
    industry?: string;
    ownerId?: string;
    originLeadId?: string;
    openedAt: string;
  }
>;

export type AccountUpdated = Event<
  'AccountUpdated',
  {
    accountId: string;
    /** Only the fields that changed. */
    changes: { name?: string; nameKey?: string; nationalId?: string; industry?: string; ownerId?: string };
    updatedAt: string;
  }
>;

/** The customer is lost: analytics count a closed account as churned at closedAt. */
/** Without `reason` only when the account's personal data was erased before it closed (CloseAccount). */
export type AccountClosed = Event<'AccountClosed', { accountId: string; reason?: string; closedAt: string }>;

/** The customer was won back; churn analytics count it active again from reopenedAt. */
export type AccountReopened = Event<'AccountReopened', { accountId: string; reason?: string; reopenedAt: string }>;

export type PurchaseRecorded = Event<
  'PurchaseRecorded',
  { accountId: string; purchaseId: string; amount: Money; occurredAt: string; externalRef: string }
>;

/**
 * A contact (created on the account or linked to it) or a deal joined the open account. It changes nothing the
 * account decides on: it is there so that the addition and a closing meet on one stream (an addition checked while
 * a closing commits elsewhere is decided again, and refused). No read model counts it.
 */
export type AccountLinkRecorded = Event<
  'AccountLinkRecorded',
  { accountId: string; contactId?: string; opportunityId?: string; linkedAt: string }
>;

export type AccountEvent = AccountOpened | AccountUpdated | AccountClosed | AccountReopened | PurchaseRecorded | AccountLinkRecorded;
