import {
  DomainError,
  loadState,
  type AtomicCommands,
  type Command,
  type Decider,
  type Event,
  type EventStore,
} from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { NOT_FOUND } from '@crm/shared/kernel';
import { ACCOUNT_REFUSALS, accountDecider, type RecordAccountLink } from '@crm/sales/domain';
import { accountStream } from '../common/streams';
import { executeGuarded, guardOptions, type GuardedResult } from '../common/guarded-command';

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

/** What joins an account: a contact, a deal, or both (a qualification). */
export interface AccountLink {
  readonly contactId?: string;
  readonly opportunityId?: string;
}

/** The step the account's record of a link is derived under: its command id follows from the joining event's id. */
const LINK_ACCOUNT = 'link-account';

/**
 * Decides, in the atomic append of what joins the account, the account's own record of it (AccountLinkRecorded),
 * which the account refuses once closed. A closing committed by another process after the joiner checked the
 * account moves the account's stream: the append fails whole and is decided again, and then refused. Without this
 * the check was made only when the joiner was decided, and a contact sent at the instant of a closing landed after
 * it (an outside probe: 7 times in 12 rounds across two processes).
 */
export async function decideAccountLink(
  tx: AtomicCommands,
  accountId: string,
  link: AccountLink,
  cause: { readonly eventId: string; readonly context: Pick<CommandContext, 'commandId' | 'correlationId' | 'actor'> },
  linkedAt: string,
): Promise<void> {
  const command: RecordAccountLink = { type: 'RecordAccountLink', data: { accountId, ...link, linkedAt } };
  await tx.decide(accountDecider, accountStream(accountId), command, guardOptions(LINK_ACCOUNT, cause));
}

/**
 * Runs a command that makes a contact or a deal join an account (`link`): the command and the account's record of
 * the link are decided together and recorded in one atomic append (see decideAccountLink). A command that changes
 * nothing records no link. A retry of a recorded request is answered from the record, even after the account closed.
 */
export function executeJoiningAccount<S, C extends Command, E extends Event>(
  executor: CommandExecutor,
  join: { readonly decider: Decider<S, C, E>; readonly streamId: string; readonly command: C },
  context: CommandContext,
  now: Date,
  account: { readonly accountId: string; readonly link: AccountLink; readonly field: string; readonly doing: string },
): Promise<GuardedResult<E>> {
  const { accountId, link, field, doing } = account;
  return executeGuarded(executor, join, context, now, {
    streamId: accountStream(accountId),
    check: () => requireOpenAccount(executor.store, accountId, context.tenantId, field, doing),
    decide: (tx, decided) => decideAccountLink(tx, accountId, link, { eventId: decided.eventIds[0] as string, context }, now.toISOString()),
  });
}
