import { DomainError, loadState, type EventStore } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import { ACCOUNT_REFUSALS, accountDecider } from '@crm/sales/domain';
import { accountStream } from '../common/streams';

/** A new deal (opened or qualified) needs a customer that exists and is not closed; `field` names where the body refers to it. */
export async function requireOpenAccount(store: EventStore, accountId: string, tenantId: string, field: string): Promise<void> {
  const account = await loadState(store, accountDecider, accountStream(accountId), tenantId);
  if (account.status === 'none') {
    throw new DomainError(NOT_FOUND.account, `account ${accountId} does not exist`, { fields: [field], id: accountId });
  }
  if (account.status === 'closed') {
    throw new DomainError(ACCOUNT_REFUSALS.CLOSED, 'The account is closed; reopen it before opening a deal', {
      accountId,
      closedAt: account.closedAt,
    });
  }
}
