import { DomainError, type Decider } from '@crm/shared/event-sourcing';
import {
  referenceKey,
  changedFields,
  compact,
  isAheadOf,
  isEmpty,
  matchKey,
  money,
  nationalIdFault,
  present,
  toAsciiDigits,
  NOT_FOUND,
  type Money,
} from '@crm/shared/kernel';
import type { AccountCommand, OpenAccount, RecordPurchase, UpdateAccount } from './account.commands';
import type { AccountEvent } from './account.events';
import { ACCOUNT_REFUSALS } from './account.refusals';
import { assertSomethingToUpdate } from '../common/nothing-to-update';

export interface AccountProfile {
  readonly accountId: string;
  readonly name: string;
  readonly nameKey: string;
  readonly nationalId?: string;
  readonly industry?: string;
  readonly ownerId?: string;
  readonly originLeadId?: string;
}

/** What a purchase was recorded as, so a retry can be told from a different purchase reusing its reference. */
export interface RecordedPurchase {
  readonly purchaseId: string;
  readonly amount: Money;
  readonly occurredAt: string;
}

/** `referenceKey(externalRef)` → the purchase (the same invoice in Persian or Latin digits is one). A plain object rather than a Map so snapshots survive JSON; read with Object.hasOwn. */
export type PurchaseRefs = Readonly<Record<string, RecordedPurchase>>;

export type AccountState =
  | { readonly status: 'none' }
  | { readonly status: 'active'; readonly account: AccountProfile; readonly purchaseRefs: PurchaseRefs }
  | {
      readonly status: 'closed';
      readonly account: AccountProfile;
      readonly purchaseRefs: PurchaseRefs;
      readonly reason?: string;
      readonly closedAt: string;
    };

type ExistingAccount = Exclude<AccountState, { status: 'none' }>;
type ActiveAccount = Extract<AccountState, { status: 'active' }>;

function existing(state: AccountState): ExistingAccount {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.account, 'No such account');
  return state;
}

function active(state: AccountState): ActiveAccount {
  const account = existing(state);
  if (account.status === 'closed') {
    throw new DomainError(ACCOUNT_REFUSALS.CLOSED, 'Account is closed', {
      accountId: account.account.accountId,
      closedAt: account.closedAt,
    });
  }
  return account;
}

function nationalIdOf(value: string | undefined): string | undefined {
  const text = present(value);
  if (text === undefined) return undefined;
  const id = toAsciiDigits(text);
  const fault = nationalIdFault(id);
  if (fault !== undefined)
    throw new DomainError(ACCOUNT_REFUSALS.NATIONAL_ID_INVALID, `The national id ${fault}`, { fields: ['nationalId'] });
  return id;
}

function open({ data }: OpenAccount, state: AccountState): AccountEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(ACCOUNT_REFUSALS.ALREADY_EXISTS, 'Account already exists', { accountId: data.accountId });
  }
  const name = present(data.name);
  if (name === undefined) throw new DomainError(ACCOUNT_REFUSALS.NAME_REQUIRED, 'An account needs a name', { fields: ['name'] });
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

/** A purchase sent again under a recorded reference is the same one: the same amount and currency, at the same instant. */
export function samePurchase(recorded: RecordedPurchase, amount: Money, occurredAt: string): boolean {
  return (
    recorded.amount.amount === amount.amount &&
    recorded.amount.currency === amount.currency &&
    Date.parse(recorded.occurredAt) === Date.parse(occurredAt)
  );
}

function recordPurchase({ data }: RecordPurchase, state: AccountState): AccountEvent[] {
  const account = existing(state);
  const externalRef = present(data.externalRef);
  if (externalRef === undefined) {
    throw new DomainError(ACCOUNT_REFUSALS.EXTERNAL_REF_REQUIRED, 'A purchase needs its external reference', { fields: ['externalRef'] });
  }
  const amount = money(data.amount.amount, data.amount.currency);
  const { purchaseId, occurredAt, recordedAt } = data;
  // Checked before the closed rule: an ERP retrying a purchase we already have must not see an error,
  // but the same reference with another amount or date is another purchase, not a retry.
  const refKey = referenceKey(externalRef);
  if (Object.hasOwn(account.purchaseRefs, refKey)) {
    const recorded = account.purchaseRefs[refKey] as RecordedPurchase;
    if (samePurchase(recorded, amount, occurredAt)) return [];
    throw new DomainError(ACCOUNT_REFUSALS.PURCHASE_CONFLICT, `Purchase ${externalRef} was recorded with another amount or date`, {
      externalRef,
      recorded,
    });
  }
  active(state);
  if (amount.amount <= 0) {
    throw new DomainError(ACCOUNT_REFUSALS.INVALID_AMOUNT, 'A purchase amount must be positive', { fields: ['amount.amount'], amount });
  }
  // The loyalty card sums an account's purchases per currency: a total past 2^53 − 1 would not be exact.
  const total = Object.values(account.purchaseRefs).reduce(
    (sum, recorded) => (recorded.amount.currency === amount.currency ? sum + recorded.amount.amount : sum),
    amount.amount,
  );
  if (!Number.isSafeInteger(total)) {
    throw new DomainError(ACCOUNT_REFUSALS.PURCHASES_TOO_LARGE, 'The purchases would total beyond 2^53 − 1 minor units', {
      fields: ['amount.amount'],
    });
  }
  assertPurchaseTime(occurredAt, recordedAt);
  return [{ type: 'PurchaseRecorded', data: { accountId: account.account.accountId, purchaseId, amount, occurredAt, externalRef } }];
}

/** A purchase happens no later than it is recorded, beyond a small clock skew (the edge names it with other bad fields too). */
export function assertPurchaseTime(occurredAt: string, recordedAt: string): void {
  if (isAheadOf(occurredAt, recordedAt)) {
    throw new DomainError(
      ACCOUNT_REFUSALS.PURCHASE_IN_FUTURE,
      `occurredAt ${occurredAt} is after the purchase is recorded (${recordedAt})`,
      {
        fields: ['occurredAt'],
      },
    );
  }
}

export function decideAccount(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'OpenAccount':
      return open(command, state);
    case 'UpdateAccount':
      assertSomethingToUpdate(command.data, ['name', 'nationalId', 'industry', 'ownerId'], ACCOUNT_REFUSALS.NOTHING_TO_UPDATE);
      return update(command, active(state));
    case 'CloseAccount': {
      const { account } = active(state);
      const { reason, closedAt, personalDataErased } = command.data;
      if (reason === undefined && personalDataErased !== true) {
        throw new DomainError(ACCOUNT_REFUSALS.REASON_REQUIRED, "reason is required unless the account's personal data is erased", {
          fields: ['reason'],
        });
      }
      return [{ type: 'AccountClosed', data: compact({ accountId: account.accountId, reason, closedAt }) }];
    }
    case 'ReopenAccount': {
      const account = existing(state);
      if (account.status !== 'closed') throw new DomainError(ACCOUNT_REFUSALS.NOT_CLOSED, 'Account is not closed');
      const { reason, reopenedAt } = command.data;
      return [{ type: 'AccountReopened', data: compact({ accountId: account.account.accountId, reason: present(reason), reopenedAt }) }];
    }
    case 'RecordPurchase':
      return recordPurchase(command, state);
    case 'RecordAccountLink': {
      const { account } = active(state);
      const { contactId, opportunityId, linkedAt } = command.data;
      return [{ type: 'AccountLinkRecorded', data: compact({ accountId: account.accountId, contactId, opportunityId, linkedAt }) }];
    }
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
        ...(event.data.reason === undefined ? {} : { reason: event.data.reason }),
        closedAt: event.data.closedAt,
      };
    case 'AccountReopened':
      return { status: 'active', account: state.account, purchaseRefs: state.purchaseRefs };
    case 'PurchaseRecorded': {
      const { purchaseId, amount, occurredAt, externalRef } = event.data;
      return { ...state, purchaseRefs: { ...state.purchaseRefs, [referenceKey(externalRef)]: { purchaseId, amount, occurredAt } } };
    }
    case 'AccountLinkRecorded':
      return state;
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
  // Version 2: purchaseRefs remember amount and date (earlier snapshots are skipped and the stream folded instead).
  // Version 3: purchaseRefs are keyed by the reference's `referenceKey` (digits of any script, Arabic letters, joiners).
  snapshot: { every: 100, version: 3 },
  existence: { notFound: NOT_FOUND.account, alreadyExists: ACCOUNT_REFUSALS.ALREADY_EXISTS },
  refusals: ACCOUNT_REFUSALS,
};
