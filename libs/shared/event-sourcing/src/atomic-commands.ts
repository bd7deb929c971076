import type { Decider } from './decider';
import type { Actor, Command, Event } from './event';
import { alreadyStored } from './append-support';
import { CommandRecordedMeanwhileError, DomainError, IdempotencyConflictError, WrongExpectedRevisionError } from './errors';
import type { AppendResult, EventStore, ExpectedRevision, MultiStreamAppendResult, SnapshotStore, StreamAppend } from './event-store';
import { latestPosition } from './multi-append-support';
import {
  checkCommandPreconditions,
  ConcurrencyConflictError,
  envelopesFor,
  eventIdFor,
  loadForCommand,
  maybeSnapshot,
  noOpRecordAppend,
  NO_OP_RECORDED,
  noOpRecordedForAnotherRequest,
  recordedForAnotherRequest,
} from './handle-command';

/** Who issued one of the commands, and how its events are identified. */
export interface AtomicCommandOptions {
  /** Its events' ids derive from it (eventIdFor), so a retry writes the same ids. */
  readonly commandId: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: Actor;
  /** From If-Match: refuse unless the stream is exactly here (and do not retry a conflict). */
  readonly expectedRevision?: ExpectedRevision;
  /** Keyed hash of the request that carried the command, recorded so that its id reused with another request is refused. */
  readonly requestFingerprint?: string;
  /** W3C trace context the command ran in, recorded on its events. */
  readonly traceparent?: string;
  /**
   * The request's own command, under an id its caller gave: when it decides nothing, that outcome is recorded in the
   * same append (handleCommand's NO_OP_RECORDED), so that the id used again finds it. Off by default: the group's
   * other commands have ids derived from the request's, which answers for them.
   */
  readonly recordNoOp?: boolean;
  /**
   * Its events go before those of the commands decided so far: a guard on another aggregate (an account's record
   * of what joins it), written first where a store writes the streams of one append one after another (EventStoreDB
   * before 25.1), so that its refusal there still comes before anything else is written.
   */
  readonly leading?: boolean;
}

export interface Decided<State, E extends Event> {
  readonly streamId: string;
  readonly events: readonly E[];
  /** The ids the events will carry. */
  readonly eventIds: readonly string[];
  /** State after the events. */
  readonly state: State;
  /** The stream's revision and last position as read: what a command that records nothing answers with. */
  readonly read: { readonly revision: number | undefined; readonly position: string | undefined };
}

export interface AtomicOutcome<T> {
  readonly value: T;
  /** Per stream written: its revision and the position of its last event. */
  readonly streams: ReadonlyMap<string, AppendResult>;
  /** The latest position of the append; undefined when no command had anything to record. */
  readonly position: string | undefined;
}

export interface AtomicOptions {
  readonly tenantId: string;
  readonly now: Date;
  readonly snapshots?: SnapshotStore;
  /** Attempts after a conflict with another writer, when no stream was pinned by an expected revision (default 3). */
  readonly maxRetries?: number;
}

export interface AtomicPart {
  readonly append: StreamAppend;
  /** Takes the aggregate's snapshot when the append crossed its interval. */
  readonly snapshot: (after: number) => Promise<void>;
  /** The record of a command that decided nothing (NO_OP_RECORDED), not an aggregate's events: its command id. */
  readonly noOpOf?: string;
}

/**
 * Several commands on several aggregates, decided before anything is written
 * and appended in one atomic multi-stream append: a refusal of any of them
 * (a DomainError from any decider) leaves every stream as it was. Built up by
 * the caller with `decide`, in the order the events should appear.
 */
export class AtomicCommands {
  private readonly parts: AtomicPart[] = [];
  private readonly streams = new Set<string>();
  /** True once a command named an expected revision: its conflict is the caller's answer, not a reason to retry. */
  pinned = false;
  /** The command ids of commands that asked for a no-op to be recorded (`recordNoOp`), whatever they decided. */
  readonly remembered: string[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly options: AtomicOptions,
  ) {}

  /**
   * `read`: the stream's state and the revision it was folded up to, as the caller has just read them for checks
   * of its own, so the stream is not read a second time. The part appends at that revision all the same: a stream
   * that moved since is a conflict, as after a read here. Give it only for a stream the caller pins (an expected
   * revision in `options`), since a conflict on an unpinned one decides again from the same `read`.
   */
  async decide<S, C extends Command, E extends Event>(
    decider: Decider<S, C, E>,
    streamId: string,
    command: C,
    options: AtomicCommandOptions,
    read?: { readonly state: S; readonly revision: number | undefined; readonly position?: string },
  ): Promise<Decided<S, E>> {
    if (this.streams.has(streamId)) throw new Error(`${streamId} is decided twice in one atomic command`);
    this.streams.add(streamId);
    const { tenantId, now, snapshots } = this.options;
    const loaded = read ?? (await loadForCommand(this.store, decider, streamId, tenantId, snapshots));
    let events: readonly E[];
    try {
      checkCommandPreconditions(decider, streamId, command, loaded.revision, options.expectedRevision);
      events = decider.decide(command, loaded.state);
    } catch (refusal) {
      // Refused by what a twin run of this command id recorded since (its stream exists, its state moved on)?
      const refused = refusal instanceof DomainError || refusal instanceof WrongExpectedRevisionError;
      if (refused && (await this.store.findEvent(eventIdFor(options.commandId, 0), { tenantId }))) {
        throw new CommandRecordedMeanwhileError(options.commandId);
      }
      throw refusal;
    }
    this.pinned ||= options.expectedRevision !== undefined;
    const state = events.reduce((current, event) => decider.evolve(current, event), loaded.state);
    const eventIds = events.map((_, index) => eventIdFor(options.commandId, index));
    if (options.recordNoOp === true) this.remembered.push(options.commandId);
    if (events.length > 0) {
      const part: AtomicPart = {
        append: {
          streamId,
          events: envelopesFor(events, command.type, { ...options, tenantId, now }),
          expectedRevision: loaded.revision ?? 'no_stream',
        },
        snapshot: (after) => maybeSnapshot(decider, snapshots, streamId, tenantId, loaded.revision, after, state),
      };
      if (options.leading === true) this.parts.unshift(part);
      else this.parts.push(part);
    } else if (options.recordNoOp === true) {
      // Nothing to change: the outcome is recorded under the command id, written with the group's other parts or alone.
      const read = { revision: loaded.revision, position: loaded.position };
      this.parts.push({
        append: noOpRecordAppend(streamId, read, command.type, { ...options, tenantId, now }),
        snapshot: async () => undefined,
        noOpOf: options.commandId,
      });
    }
    return { streamId, events, eventIds, state, read: { revision: loaded.revision, position: loaded.position } };
  }

  /** What to append (records of no-ops included); empty when no command had anything to record. */
  appends(): readonly AtomicPart[] {
    return this.parts;
  }
}

/**
 * Runs `build` (which decides with `tx.decide`) and appends all it decided in
 * one call. Another writer moving a stream in between makes the append fail
 * whole; then everything is loaded and decided again, unless a stream was
 * pinned by an expected revision. A retry of the same commands (same ids)
 * gets the first result from the store and writes nothing.
 */
export async function runAtomically<T>(
  store: EventStore,
  options: AtomicOptions,
  build: (tx: AtomicCommands) => Promise<T>,
): Promise<AtomicOutcome<T>> {
  const attempts = Math.max(1, (options.maxRetries ?? 3) + 1);
  let conflict: WrongExpectedRevisionError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const tx = new AtomicCommands(store, options);
    const value = await build(tx);
    const parts = tx.appends();
    if (parts.length === 0) return { value, streams: new Map(), position: undefined };
    let result: MultiStreamAppendResult;
    try {
      result = await store.appendToStreams(
        parts.map((part) => part.append),
        { tenantId: options.tenantId },
      );
    } catch (error) {
      await recordedMeanwhile(store, tx, parts, error, options.tenantId);
      if (!(error instanceof WrongExpectedRevisionError) || tx.pinned) throw error;
      conflict = error;
      continue;
    }
    await sameRequestIfRetried(store, parts, result.streams, options.tenantId);
    // A no-op's record was stored already: a twin run of the same request recorded first, maybe from another revision.
    // Its record is the answer (the caller gets it from the record), not what this run read.
    const twin = parts.find((part, i) => part.noOpOf !== undefined && alreadyStored(result.streams[i] as AppendResult));
    if (twin?.noOpOf !== undefined) throw new CommandRecordedMeanwhileError(twin.noOpOf);
    // The records of no-ops are no stream the caller wrote: `streams` and `position` are the aggregates'.
    const written = parts.flatMap((part, i) => (part.noOpOf === undefined ? [{ part, appended: result.streams[i] as AppendResult }] : []));
    const streams = new Map(written.map(({ part, appended }) => [part.append.streamId, appended]));
    // Snapshots are a cache: a failure to write one does not fail what is recorded.
    await Promise.all(written.map(({ part, appended }) => part.snapshot(appended.nextExpectedRevision)));
    const position =
      written.length === parts.length
        ? result.position
        : written.length === 0
          ? undefined
          : latestPosition(
              written.map(({ appended }) => appended),
              (a, b) => store.comparePositions(a, b),
            );
    return { value, streams, position };
  }
  throw new ConcurrencyConflictError((conflict as WrongExpectedRevisionError).streamId, attempts);
}

/**
 * After an append refused: when the group holds a request's command that records a no-op, and a twin run of that
 * command id recorded first (its no-op record, or the events it decided from a later revision), the store refuses
 * this append over the id (a partial overlap, or the record's stream existing) and the answer is the twin's:
 * CommandRecordedMeanwhileError, which callers answer from the record (or 422 for another request). Any other
 * refusal is left to the caller. Reads only after a refusal, and only for such a group.
 */
async function recordedMeanwhile(
  store: EventStore,
  tx: AtomicCommands,
  parts: readonly AtomicPart[],
  error: unknown,
  tenantId: string,
): Promise<void> {
  if (tx.remembered.length === 0) return;
  const overRecord =
    error instanceof WrongExpectedRevisionError &&
    parts.some((part) => part.noOpOf !== undefined && part.append.streamId === error.streamId);
  if (!(error instanceof IdempotencyConflictError) && !overRecord) return;
  for (const commandId of tx.remembered) {
    if (await store.findEvent(eventIdFor(commandId, 0), { tenantId })) throw new CommandRecordedMeanwhileError(commandId);
  }
}

/**
 * A retried append (the store found these event ids stored: a concurrent run of the same command ids, maybe in
 * another process that read the same revisions) is this run's answer only if that run was the same request: its
 * first event of each part carries the same command type and request fingerprint, or the id is refused (422) as
 * handleCommand refuses it. Without this check another request's body, reusing the Idempotency-Key, would be
 * answered as recorded while the first one's events stand.
 */
async function sameRequestIfRetried(
  store: EventStore,
  parts: readonly AtomicPart[],
  results: readonly AppendResult[],
  tenantId: string,
): Promise<void> {
  for (const [i, part] of parts.entries()) {
    if (!alreadyStored(results[i] as AppendResult)) continue;
    const mine = part.append.events[0];
    if (!mine) continue;
    const stored = await store.findEvent(mine.metadata.eventId, { tenantId });
    const another = mine.type === NO_OP_RECORDED ? noOpRecordedForAnotherRequest : recordedForAnotherRequest;
    if (!stored || another(stored.metadata, mine.metadata.commandType, mine.metadata.requestFingerprint)) {
      throw new IdempotencyConflictError(mine.metadata.commandId);
    }
  }
}
