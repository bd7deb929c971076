import {
  ConcurrencyConflictError,
  DomainError,
  loadState,
  loadWithRevision,
  streamCategory,
  WrongExpectedRevisionError,
  type AtomicCommands,
  type EventStore,
} from '@crm/shared/event-sourcing';
import type { CommandContext, CommandExecutor } from '@crm/shared/http';
import { present, toAsciiDigits } from '@crm/shared/kernel';
import type { BlindIndex } from '@crm/shared/personal-data';
import { ACCOUNT_REFUSALS, accountDecider, type AccountCommand, type AccountEvent, type AccountState } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';
import { executeGuarded, guardOptions, type GuardedResult } from '../../common/guarded-command';
import { NATIONAL_ID_CATEGORY, nationalIdClaimDecider, nationalIdClaimKey, nationalIdStream } from './national-id-claim';

/**
 * The step the claim is derived under: its command id follows from the account event's id (`crm-cli
 * claim-national-ids` derives the same for an account that took its id before claims were made).
 */
export const CLAIM_NATIONAL_ID = 'claim-national-id';

/** Tries of a command whose claim stream kept moving, as reported (the atomic append's own and the pinned ones'). */
const GUARD_ATTEMPTS = 4;

const isClaimStream = (streamId: string) => streamCategory(streamId) === NATIONAL_ID_CATEGORY;

/** The national id an account event gives the account, if it gives one (opened with it, or changed to it). */
export function nationalIdTaken(event: AccountEvent): string | undefined {
  if (event.type === 'AccountOpened') return event.data.nationalId;
  if (event.type === 'AccountUpdated') return event.data.changes.nationalId;
  return undefined;
}

/** The national id a command asks for, as the decider records it (ASCII digits), whether or not it is a valid one. */
function requestedId(command: AccountCommand): string | undefined {
  if (command.type !== 'OpenAccount' && command.type !== 'UpdateAccount') return undefined;
  const given = present(command.data.nationalId);
  return given === undefined ? undefined : toAsciiDigits(given);
}

/** Another account that has the national id now: one that took it after this one's claim, and still has it. */
async function holderOf(
  executor: CommandExecutor,
  streamId: string,
  accountId: string,
  nationalId: string,
  tenantId: string,
): Promise<{ readonly holder: string | undefined; readonly read: Awaited<ReturnType<typeof readClaims>> }> {
  const read = await readClaims(executor, streamId, tenantId);
  for (const claim of [...read.state.claims].reverse()) {
    if (claim.accountId === accountId) continue;
    if (await holdsNationalId(executor.store, tenantId, claim.accountId, nationalId)) return { holder: claim.accountId, read };
  }
  return { holder: undefined, read };
}

/**
 * Whether an account has the national id now: open or closed, not moved to another one, not erased (an erased
 * account's id reads back as `[erased]`). What makes a claim count, for the guard and for the backfill's duplicates.
 */
export async function holdsNationalId(store: EventStore, tenantId: string, accountId: string, nationalId: string): Promise<boolean> {
  const account: AccountState = await loadState(store, accountDecider, accountStream(accountId), tenantId);
  return account.status !== 'none' && account.account.nationalId === nationalId;
}

const readClaims = (executor: CommandExecutor, streamId: string, tenantId: string) =>
  loadWithRevision(executor.store, nationalIdClaimDecider, streamId, tenantId);

/**
 * Opens or changes an account so that no two accounts of a tenant have one national id: the account's event and a
 * claim on the id it takes are decided together and recorded in one atomic append, the claim at the revision of the
 * id's claim stream that was read. Another account that has the id (open or closed) refuses it with 409
 * ACCOUNT.DUPLICATE naming that account, and nothing is recorded; of two commands racing for an id, the append of the
 * second fails whole, is decided again, and is refused. A command that gives no id (or the one the account has)
 * claims nothing; a retry of a recorded request is answered from the record.
 */
export function executeClaimingNationalId(
  executor: CommandExecutor,
  index: BlindIndex,
  accountId: string,
  command: AccountCommand,
  context: CommandContext,
  now: Date,
): Promise<GuardedResult<AccountEvent>> {
  const own = { decider: accountDecider, streamId: accountStream(accountId), command };
  const { tenantId } = context;
  const guardStreamOf = (nationalId: string) => nationalIdStream(nationalIdClaimKey(index, tenantId, nationalId));
  // Conflicts on the id's claim stream that outlasted the retries are the account's to report (409, Retry-After): a 412
  // naming the claim stream's revisions would send an If-Match client after the wrong revision, and the stream is the
  // server's own (a review).
  const asTheAccounts = (error: unknown): never => {
    const onClaims =
      (error instanceof WrongExpectedRevisionError || error instanceof ConcurrencyConflictError) && isClaimStream(error.streamId);
    throw onClaims ? new ConcurrencyConflictError(own.streamId, GUARD_ATTEMPTS) : error;
  };
  // The stream guarded is the id's the command asks for, as the decider will write it (ASCII digits); an id the
  // decider refuses has none to guard, and is refused before anything is appended.
  return executeGuarded(executor, own, context, now, {
    streamId: guardStreamOf(requestedId(command) ?? ''),
    check: async () => undefined,
    decide: async (tx: AtomicCommands, decided) => {
      const index = decided.events.findIndex((event) => nationalIdTaken(event) !== undefined);
      const nationalId = index < 0 ? undefined : nationalIdTaken(decided.events[index] as AccountEvent);
      if (nationalId === undefined) return;
      const streamId = guardStreamOf(nationalId);
      // Read in this attempt: a claim appended since makes the append fail whole, and the next attempt reads it.
      const { holder, read } = await holderOf(executor, streamId, accountId, nationalId, tenantId);
      if (holder !== undefined) {
        throw new DomainError(ACCOUNT_REFUSALS.DUPLICATE, `Account ${holder} has this national id`, {
          fields: ['nationalId'],
          existingAccountId: holder,
        });
      }
      const claim = { type: 'ClaimNationalId' as const, data: { key: streamId.slice(-36), accountId, at: now.toISOString() } };
      const cause = { eventId: decided.eventIds[index] as string, context };
      await tx.decide(nationalIdClaimDecider, streamId, claim, guardOptions(CLAIM_NATIONAL_ID, cause), read);
    },
  }).catch(asTheAccounts);
}
