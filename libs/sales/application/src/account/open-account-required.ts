import { DomainError, loadState, type EventStore } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import { ACCOUNT_REFUSALS, accountDecider } from '@crm/sales/domain';
import { accountStream } from '../common/streams';

/**
 * A new deal (opened or qualified), or a contact joining the customer, needs a customer that exists and is not closed:
 * a closed account takes nothing new until it is reopened. `field` names where the body refers to it; `doing` what the
 * refusal says is waiting for the reopening.
 */
export async function requireOpenAccount(
  store: EventStore,
  accountId: string,
  tenantId: string,
  field: string,
  doing = 'opening a deal',
): Promise<void> {
  const account = await loadState(store, accountDecider, accountStream(accountId), tenantId);
  if (account.status === 'none') {
    throw new DomainError(NOT_FOUND.account, `account ${accountId} does not exist`, { fields: [field], id: accountId });
  }
  if (account.status === 'closed') {
    throw new DomainError(ACCOUNT_REFUSALS.CLOSED, `The account is closed; reopen it before ${doing}`, {
      accountId,
      closedAt: account.closedAt,
    });
  }
}
