import type { Command } from '@crm/shared/event-sourcing';
import type { Money } from '@crm/shared/kernel';

export type OpenAccount = Command<
  'OpenAccount',
  {
    accountId: string;
    name: string;
    /** Iranian national id of a legal entity (شناسه ملی); Persian digits are accepted. */
    nationalId?: string;
    industry?: string;
    ownerId?: string;
    /** The lead this account was qualified from. */
    originLeadId?: string;
    openedAt: string;
  }
>;

export type UpdateAccount = Command<
  'UpdateAccount',
  { accountId: string; name?: string; nationalId?: string; industry?: string; ownerId?: string; updatedAt: string }
>;

/**
 * `reason` is personal (sealed with the account: of an account named after a person, it is about that person), so once
 * the account's personal data is erased no reason can be recorded: then it is left out (`personalDataErased`, which the
 * handler asks the key store for), and the account still closes and counts as churned.
 */
export type CloseAccount = Command<'CloseAccount', { accountId: string; reason?: string; closedAt: string; personalDataErased?: boolean }>;

export type ReopenAccount = Command<'ReopenAccount', { accountId: string; reason?: string; reopenedAt: string }>;

export type RecordPurchase = Command<
  'RecordPurchase',
  {
    accountId: string;
    purchaseId: string;
    amount: Money;
    occurredAt: string;
    /** The purchase's id in the source system (ERP invoice number): the idempotency key. */
    externalRef: string;
    /** When we record it: a purchase cannot have happened later (beyond clock skew). */
    recordedAt: string;
  }
>;

/**
 * A contact or deal joins the account: recorded on the account's own stream, in the same atomic append as the
 * contact's or deal's own event, so that a closing and an addition are decided one after the other, never both
 * from the same open account.
 */
export type RecordAccountLink = Command<
  'RecordAccountLink',
  { accountId: string; contactId?: string; opportunityId?: string; linkedAt: string }
>;

export type AccountCommand = OpenAccount | UpdateAccount | CloseAccount | ReopenAccount | RecordPurchase | RecordAccountLink;
