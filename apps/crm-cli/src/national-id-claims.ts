import type { AccountEvent } from '@crm/sales/domain';
import {
  alreadyStored,
  envelopesFor,
  eventIdFor,
  loadWithRevision,
  WrongExpectedRevisionError,
  type Actor,
  type EventStore,
  type RecordedEvent,
} from '@crm/shared/event-sourcing';
import { derivedId, nationalIdFault } from '@crm/shared/kernel';
import { ERASED, type BlindIndex } from '@crm/shared/personal-data';
import type { AccountNationalIdClaimed, NationalIdClaims } from '@crm/sales/application';
import { positionOrdinal } from '@crm/projections/runtime';
import { pagesUpTo } from './event-export';

/** The exit code of a backfill (and of a seed) that leaves a national id with two or more accounts of a tenant. */
export const DUPLICATES_EXIT = 3;

const PAGE = 1000;
/** The account events that give an account its national id (opened with it, or changed to it). */
const ID_EVENTS = ['AccountOpened', 'AccountUpdated'];
/** How often a claim is decided again after its claim stream moved under it (the API's guard, another backfill). */
const MAX_ATTEMPTS = 10;

export interface NationalIdBackfillOptions {
  /** The installation's blind index: the API's, from the server secret. */
  readonly index: BlindIndex;
  /** One tenant's accounts, or every tenant's (undefined). */
  readonly tenantId: string | undefined;
  /** Who the claims are recorded as written by; or, from the account event that gave the account its id, who for. */
  readonly actor: Actor | ((source: Pick<RecordedEvent, 'metadata'>) => Actor);
  /** Appends nothing: counts what would be appended. */
  readonly dryRun?: boolean;
  readonly now?: () => Date;
  /** Claim streams appended to at once (the claims of one stream one after another); default 8. */
  readonly concurrency?: number;
  readonly onProgress?: (phase: 'reading' | 'claiming', done: number, total: number | undefined) => void;
  /** Asked between claims: true stops there (what was appended stays). */
  readonly stopRequested?: () => boolean;
}

/** Accounts of a tenant that hold one national id: named by their ids, never by the id they share (personal data). */
export interface DuplicateNationalId {
  readonly tenantId: string;
  readonly accountIds: readonly string[];
}

export interface NationalIdBackfill {
  /** Accounts read (each account stream with an opening or a change, up to `head`). */
  readonly accounts: number;
  /** Claims appended (with dryRun: that would be). */
  readonly appended: number;
  /** Accounts whose id's claim stream lists them already (the API's guard, an earlier or concurrent backfill). */
  readonly alreadyClaimed: number;
  readonly skipped: {
    /** No national id. */
    readonly noId: number;
    /** Personal data erased: the id reads back as [erased]. */
    readonly erased: number;
    /** Not a national id (a wrong check digit, not 10 or 11 ASCII digits): the API refuses such an id today. */
    readonly invalid: number;
  };
  /** National ids that two or more accounts of a tenant hold once the claims are in, each as its accounts' ids. */
  readonly duplicates: readonly DuplicateNationalId[];
  /** The log position the accounts were read up to (fixed when the backfill started). */
  readonly head: string | undefined;
  /** True when `stopRequested` ended it before every claim was made (no duplicates are then looked for). */
  readonly stopped: boolean;
}

/** The claims were made under another server secret than the one that named the claim streams already in the log. */
export class ForeignSecretError extends Error {
  constructor(readonly accountId: string) {
    super(
      `account ${accountId} holds a claim on its national id in another claim stream than this server secret names: ` +
        'run it with the API’s secret (CRM_SERVER_SECRET, or server-secret in its CRM_DATA_DIR); nothing was appended',
    );
    this.name = 'ForeignSecretError';
  }
}

/** An account's latest national id as read, and the account event that gave it. */
interface AccountRead {
  readonly tenantId: string;
  readonly accountId: string;
  nationalId: string | undefined;
  /** The envelope of that event (the event itself, with its personal data, is not kept). */
  source: Pick<RecordedEvent, 'metadata'> | undefined;
}

/** A claim stream as last read: its revision and the claims it holds. */
interface ClaimStream {
  revision: number | undefined;
  state: NationalIdClaims;
}

const lists = (stream: ClaimStream, accountId: string) => stream.state.claims.some((claim) => claim.accountId === accountId);

/** A valid id to claim for an account. */
interface Target {
  readonly account: AccountRead;
  readonly nationalId: string;
  readonly key: string;
  readonly streamId: string;
}

const slotOf = (tenantId: string, id: string) => `${tenantId}\n${id}`;

/**
 * Gives every account that took its national id before claims were made (an installation from before, the demo
 * seed, which appends decided events directly) its claim on that id, as the API's guard would have made it: the
 * event `AccountNationalIdClaimed` in the id's claim stream (named by the blind index of tenant and id), its command
 * id derived from the account event that gave the account the id (as the guard derives it), appended at the revision
 * of the stream read, and decided again when another process appended meanwhile. A stream that lists the account
 * already gets nothing: run twice, or two at once, or beside the API, each claim is made once. Nothing is ever
 * deleted. Accounts are read through `store` (personal data opened): an erased account's id reads as [erased] and is
 * skipped, as is anything that is not a national id.
 *
 * Then the ids two or more accounts of a tenant hold (each account's current id, read again): such accounts were
 * opened before the guard, and are for an operator to merge; the guard refuses any further one.
 */
export async function claimNationalIds(store: EventStore, options: NationalIdBackfillOptions): Promise<NationalIdBackfill> {
  // Loaded here, not with the CLI: the application layer is heavy and only this backfill needs it.
  const {
    CLAIM_NATIONAL_ID,
    holdsNationalId,
    NATIONAL_ID_CATEGORY,
    nationalIdClaimDecider,
    nationalIdClaimKey,
    nationalIdStream,
    nationalIdTaken,
  } = await import('@crm/sales/application');
  const { index, tenantId, actor, dryRun = false } = options;
  const now = options.now ?? (() => new Date());
  const scope = tenantId === undefined ? {} : { tenantId };

  // Every account's latest national id, up to the head now: accounts opened after it went through the guard.
  const head = await store.headPosition();
  const accounts = new Map<string, AccountRead>();
  for await (const page of pagesUpTo(store, head, { ...scope, categories: ['account'], eventTypes: ID_EVENTS }, PAGE)) {
    for (const event of page.events) {
      const slot = slotOf(event.metadata.tenantId, event.streamId);
      let account = accounts.get(slot);
      if (account === undefined) {
        account = {
          tenantId: event.metadata.tenantId,
          accountId: event.streamId.slice('account-'.length),
          nationalId: undefined,
          source: undefined,
        };
        accounts.set(slot, account);
      }
      const given = nationalIdTaken(event as unknown as AccountEvent);
      if (given !== undefined) {
        account.nationalId = given;
        account.source = { metadata: event.metadata };
      }
    }
    if (page.checkpoint !== undefined) options.onProgress?.('reading', positionOrdinal(page.checkpoint) ?? 0, positionOrdinal(head));
  }

  let noId = 0;
  let erased = 0;
  let invalid = 0;
  const targets: Target[] = [];
  for (const account of accounts.values()) {
    const id = account.nationalId;
    if (id === undefined || id === '') noId += 1;
    else if (id === ERASED) erased += 1;
    else if (nationalIdFault(id) !== undefined) invalid += 1;
    else {
      const key = nationalIdClaimKey(index, account.tenantId, id);
      targets.push({ account, nationalId: id, key, streamId: nationalIdStream(key) });
    }
  }

  // The claim streams as they are now (read after the accounts: at least as fresh), and where each claim event is.
  const streams = new Map<string, ClaimStream>();
  const claimEvents = new Map<string, string>();
  for await (const page of pagesUpTo(store, await store.headPosition(), { ...scope, categories: [NATIONAL_ID_CATEGORY] }, PAGE)) {
    for (const event of page.events) {
      const slot = slotOf(event.metadata.tenantId, event.streamId);
      const stream = streams.get(slot) ?? { revision: undefined, state: nationalIdClaimDecider.initialState() };
      stream.revision = event.revision;
      stream.state = nationalIdClaimDecider.evolve(stream.state, event as RecordedEvent<AccountNationalIdClaimed>);
      streams.set(slot, stream);
      claimEvents.set(slotOf(event.metadata.tenantId, event.metadata.eventId), event.streamId);
    }
  }

  const commandIdOf = (target: Target) =>
    derivedId((target.account.source as Pick<RecordedEvent, 'metadata'>).metadata.eventId, CLAIM_NATIONAL_ID);
  // A claim of the guard's (or an earlier backfill's) for one of these accounts, in another stream than this secret
  // names, says the secret is not the API's: claims made under it would guard nothing. Refused before any append.
  for (const target of targets) {
    const found = claimEvents.get(slotOf(target.account.tenantId, eventIdFor(commandIdOf(target), 0)));
    if (found !== undefined && found !== target.streamId) throw new ForeignSecretError(target.account.accountId);
  }
  claimEvents.clear();

  const streamOf = (target: Target): ClaimStream => {
    const slot = slotOf(target.account.tenantId, target.streamId);
    let stream = streams.get(slot);
    if (stream === undefined) {
      stream = { revision: undefined, state: nationalIdClaimDecider.initialState() };
      streams.set(slot, stream);
    }
    return stream;
  };

  /** Appends the account's claim unless its stream lists it: true when appended (or, dry, would be). */
  const claim = async (target: Target): Promise<boolean> => {
    const { account, key, streamId } = target;
    const stream = streamOf(target);
    const source = account.source as Pick<RecordedEvent, 'metadata'>;
    for (let attempt = 1; ; attempt += 1) {
      if (lists(stream, account.accountId)) return false;
      const at = now();
      const command = { type: 'ClaimNationalId' as const, data: { key, accountId: account.accountId, at: at.toISOString() } };
      const decided = nationalIdClaimDecider.decide(command, stream.state);
      const evolved = () => decided.reduce((state, event) => nationalIdClaimDecider.evolve(state, event), stream.state);
      if (dryRun) {
        stream.state = evolved();
        return true;
      }
      const events = envelopesFor(decided, command.type, {
        commandId: commandIdOf(target),
        // Under the request that gave the account its id, caused by its event, as the guard records its claims.
        correlationId: source.metadata.correlationId,
        causationId: source.metadata.eventId,
        actor: typeof actor === 'function' ? actor(source) : actor,
        tenantId: account.tenantId,
        now: at,
      });
      try {
        const appended = await store.appendToStream(streamId, events, {
          tenantId: account.tenantId,
          expectedRevision: stream.revision ?? 'no_stream',
        });
        stream.state = evolved();
        // Its event id was stored already: a backfill running beside this one made this very claim.
        if (alreadyStored(appended)) return false;
        stream.revision = appended.nextExpectedRevision;
        return true;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
        // Another process appended a claim meanwhile (the API's guard, another backfill): read again, decide again.
        const reread = await loadWithRevision(store, nationalIdClaimDecider, streamId, account.tenantId);
        stream.revision = reread.revision;
        stream.state = reread.state;
      }
    }
  };

  // The claims of one stream one after another (two accounts with one id), streams `concurrency` at a time.
  const byStream = new Map<string, Target[]>();
  for (const target of targets) {
    const slot = slotOf(target.account.tenantId, target.streamId);
    byStream.set(slot, [...(byStream.get(slot) ?? []), target]);
  }
  let appended = 0;
  let alreadyClaimed = 0;
  let done = 0;
  let stopped = false;
  const queue = [...byStream.values()];
  const worker = async () => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      for (const target of group) {
        if (options.stopRequested?.()) {
          stopped = true;
          return;
        }
        if (await claim(target)) appended += 1;
        else alreadyClaimed += 1;
        done += 1;
        options.onProgress?.('claiming', done, targets.length);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));

  const skipped = { noId, erased, invalid };
  if (stopped) return { accounts: accounts.size, appended, alreadyClaimed, skipped, duplicates: [], head, stopped };
  const duplicates = await duplicatesOf(byStream, streams, (tenantId, accountId, nationalId) =>
    holdsNationalId(store, tenantId, accountId, nationalId),
  );
  return { accounts: accounts.size, appended, alreadyClaimed, skipped, duplicates, head, stopped };
}

/**
 * The accounts holding each id claimed: those read with it, and any other its claim stream lists (one opened since
 * the read, through the guard, or one that has moved back to it since); where two or more, each is read again and
 * counted if it holds the id still (not erased, not moved to another id meanwhile).
 */
async function duplicatesOf(
  byStream: ReadonlyMap<string, readonly Target[]>,
  streams: ReadonlyMap<string, ClaimStream>,
  holds: (tenantId: string, accountId: string, nationalId: string) => Promise<boolean>,
): Promise<DuplicateNationalId[]> {
  const duplicates: DuplicateNationalId[] = [];
  for (const [slot, targets] of byStream) {
    const { account, nationalId } = targets[0] as Target;
    const { tenantId } = account;
    const read = new Set(targets.map((target) => target.account.accountId));
    const holders: string[] = [];
    for (const { accountId } of streams.get(slot)?.state.claims ?? [])
      if (!read.has(accountId) && (await holds(tenantId, accountId, nationalId))) holders.push(accountId);
    if (read.size + holders.length < 2) continue;
    for (const accountId of read) if (await holds(tenantId, accountId, nationalId)) holders.push(accountId);
    if (holders.length >= 2) duplicates.push({ tenantId, accountIds: holders.sort() });
  }
  return duplicates.sort((a, b) => a.tenantId.localeCompare(b.tenantId) || (a.accountIds[0] ?? '').localeCompare(b.accountIds[0] ?? ''));
}
