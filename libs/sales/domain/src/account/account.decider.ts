import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import { changedFields, compact, isEmpty, matchKey, money, present, toAsciiDigits } from '@crm/shared/kernel';
import type { AccountCommand, OpenAccount, RecordPurchase, UpdateAccount } from './account.commands';
import type { AccountEvent } from './account.events';

export interface AccountProfile {
  readonly accountId: string;
  readonly name: string;
  readonly nameKey: string;
  readonly nationalId?: string;
  readonly industry?: string;
  readonly ownerId?: string;
  readonly originLeadId?: string;
}

/** externalRef → purchaseId. A plain object rather than a Set so snapshots survive JSON; read with Object.hasOwn. */
export type PurchaseRefs = Readonly<Record<string, string>>;

export type AccountState =
  | { readonly status: 'none' }
  | { readonly status: 'active'; readonly account: AccountProfile; readonly purchaseRefs: PurchaseRefs }
  | {
      readonly status: 'closed';
      readonly account: AccountProfile;
      readonly purchaseRefs: PurchaseRefs;
      readonly reason: string;
      readonly closedAt: string;
    };

type ExistingAccount = Exclude<AccountState, { status: 'none' }>;
type ActiveAccount = Extract<AccountState, { status: 'active' }>;

function existing(state: AccountState): ExistingAccount {
  if (state.status === 'none') throw new DomainError('ACCOUNT.NOT_FOUND', 'No such account');
  return state;
}

function active(state: AccountState): ActiveAccount {
  const account = existing(state);
  if (account.status === 'closed') {
    throw new DomainError('ACCOUNT.CLOSED', 'Account is closed', { accountId: account.account.accountId, closedAt: account.closedAt });
  }
  return account;
}

function nationalIdOf(value: string | undefined): string | undefined {
  const id = present(value);
  return id === undefined ? undefined : toAsciiDigits(id);
}

function open({ data }: OpenAccount, state: AccountState): AccountEvent[] {
  if (state.status !== 'none') {
    throw new DomainError('ACCOUNT.ALREADY_EXISTS', 'Account already exists', { accountId: data.accountId });
  }
  const name = present(data.name);
  if (name === undefined) throw new DomainError('ACCOUNT.NAME_REQUIRED', 'An account needs a name');
  return [
    {
      type: 'AccountOpened',
      data: compact({
        accountId: data.accountId,
        name,
        nameKey: matchKey(name),
        nationalId: nationalIdOf(data.nationalId),
        industry: present(data.industry),
        ownerId: data.ownerId,
        originLeadId: data.originLeadId,
        openedAt: data.openedAt,
      }),
    },
  ];
}

function update({ data }: UpdateAccount, { account }: ActiveAccount): AccountEvent[] {
  const changed = changedFields(account, {
    name: present(data.name),
    nationalId: nationalIdOf(data.nationalId),
    industry: present(data.industry),
    ownerId: data.ownerId,
  });
  if (isEmpty(changed)) return [];
  const changes = compact({ ...changed, nameKey: changed.name === undefined ? undefined : matchKey(changed.name) });
  return [{ type: 'AccountUpdated', data: { accountId: account.accountId, changes, updatedAt: data.updatedAt } }];
}

function recordPurchase({ data }: RecordPurchase, state: AccountState): AccountEvent[] {
  const account = existing(state);
  const externalRef = present(data.externalRef);
  if (externalRef === undefined) throw new DomainError('ACCOUNT.EXTERNAL_REF_REQUIRED', 'A purchase needs its external reference');
  // Checked before the closed rule: an ERP retrying a purchase we already have must not see an error.
  if (Object.hasOwn(account.purchaseRefs, externalRef)) return [];
  active(state);
  const amount = money(data.amount.amount, data.amount.currency);
  if (amount.amount <= 0) throw new DomainError('ACCOUNT.INVALID_AMOUNT', 'A purchase amount must be positive', { amount });
  const { purchaseId, occurredAt } = data;
  return [{ type: 'PurchaseRecorded', data: { accountId: account.account.accountId, purchaseId, amount, occurredAt, externalRef } }];
}

export function decideAccount(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'OpenAccount':
      return open(command, state);
    case 'UpdateAccount':
      return update(command, active(state));
    case 'CloseAccount': {
      const { account } = active(state);
      const { reason, closedAt } = command.data;
      return [{ type: 'AccountClosed', data: { accountId: account.accountId, reason, closedAt } }];
    }
    case 'ReopenAccount': {
      const account = existing(state);
      if (account.status !== 'closed') throw new DomainError('ACCOUNT.NOT_CLOSED', 'Account is not closed');
      const { reason, reopenedAt } = command.data;
      return [{ type: 'AccountReopened', data: compact({ accountId: account.account.accountId, reason: present(reason), reopenedAt }) }];
    }
    case 'RecordPurchase':
      return recordPurchase(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  if (event.type === 'AccountOpened') {
    const { openedAt: _at, ...account } = event.data;
    return { status: 'active', account, purchaseRefs: {} };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'AccountUpdated':
      return { ...state, account: { ...state.account, ...event.data.changes } };
    case 'AccountClosed':
      return {
        status: 'closed',
        account: state.account,
        purchaseRefs: state.purchaseRefs,
        reason: event.data.reason,
        closedAt: event.data.closedAt,
      };
    case 'AccountReopened':
      return { status: 'active', account: state.account, purchaseRefs: state.purchaseRefs };
    case 'PurchaseRecorded':
      return { ...state, purchaseRefs: { ...state.purchaseRefs, [event.data.externalRef]: event.data.purchaseId } };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: decideAccount,
  evolve: evolveAccount,
  isNew: (command) => command.type === 'OpenAccount',
  // Purchases accumulate for the life of a customer; snapshots keep loading it cheap.
  snapshot: { every: 100, version: 1 },
};
