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
export type AccountClosed = Event<'AccountClosed', { accountId: string; reason: string; closedAt: string }>;

/** The customer was won back; churn analytics count it active again from reopenedAt. */
export type AccountReopened = Event<'AccountReopened', { accountId: string; reason?: string; reopenedAt: string }>;

export type PurchaseRecorded = Event<
  'PurchaseRecorded',
  { accountId: string; purchaseId: string; amount: Money; occurredAt: string; externalRef: string }
>;

export type AccountEvent = AccountOpened | AccountUpdated | AccountClosed | AccountReopened | PurchaseRecorded;
