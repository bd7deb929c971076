import { derivedId, newId } from '@crm/shared/kernel';
import type { Decider } from './decider';
import { ANONYMOUS, DEFAULT_TENANT, type Actor, type Command, type Event, type EventToAppend, type RecordedEvent } from './event';
import { DomainError, IdempotencyConflictError, STREAM_REFUSALS, StreamNotFoundError, WrongExpectedRevisionError } from './errors';
import { alreadyStored } from './append-support';
import type { AppendResult, EventStore, ExpectedRevision, SnapshotStore } from './event-store';

export interface HandleCommandOptions {
  /** Idempotency: the same command id never appends twice; event ids derive from it. */
  readonly commandId?: string;
  /**
   * The command id was just made for this command (by the caller's edge, for a request that named none): no
   * earlier run of it can be recorded, so the look-up for one is skipped. A made-up id of handleCommand's own is too.
   */
  readonly newCommandId?: boolean;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** W3C trace context to record on the events (operational: not hashed, not compared on retry). */
  readonly traceparent?: string;
  readonly actor?: Actor;
  readonly tenantId?: string;
  /** When the command was received; stamped on its events as `occurredAt`. */
  readonly now?: Date;
  /** From If-Match: refuse unless the stream is exactly here. Without it, conflicts are retried. */
  readonly expectedRevision?: ExpectedRevision;
  readonly maxRetries?: number;
  /** Keyed hash of the request that carried the command: the same command id with another request is refused. */
  readonly requestFingerprint?: string;
  /**
   * Whether a decision of no events (a no-op: nothing to change) is recorded under the command id, so that the id
   * used again finds it (`NO_OP_RECORDED`): the same request gets this reply, another one is refused (422). Only for
   * a command id the caller gave (not `newCommandId`, not made here), and then by default; `false` for ids that are
   * not a client's word (a process's derived ids, which may decide nothing now and something later).
   */
  readonly recordNoOp?: boolean;
  readonly snapshots?: SnapshotStore;
  readonly schemaVersionOf?: (eventType: string) => number;
}

export interface CommandResult<State, E extends Event> {
  readonly streamId: string;
  readonly commandId: string;
  /** Revision of the stream after the command (-1: still no stream). */
  readonly nextExpectedRevision: number;
  /** Global position of the last event written (or found, for a retried command). */
  readonly position: string | undefined;
  readonly events: readonly E[];
  readonly state: State;
  /** True when this command id had already been handled: nothing was appended. */
  readonly duplicate: boolean;
}

/** Retries exhausted: other writers kept moving the stream. Maps to 409. */
export class ConcurrencyConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly attempts: number,
  ) {
    super(`stream ${streamId} kept changing; gave up after ${attempts} attempts`);
    this.name = 'ConcurrencyConflictError';
  }
}

export function eventIdFor(commandId: string, index: number): string {
  return derivedId(commandId, index);
}

/**
 * The server's own streams that record a command which decided no events (`command-{commandId}`): a no-op leaves
 * nothing in its aggregate's stream for a retry to find by the command id, so its outcome is kept here, as the one
 * event `NO_OP_RECORDED` with the id of the command's first event (`eventIdFor(commandId, 0)`). Internal: GET
 * /streams does not serve them, no projection or reactor handles the event.
 */
export const NO_OP_RECORD_CATEGORY = 'command';
/** The event of a `command-…` stream: what a command that decided nothing answered, with the command's envelope. */
export const NO_OP_RECORDED = 'NoOpCommandRecorded';

export interface NoOpRecorded {
  /** The aggregate the command was decided on. */
  readonly streamId: string;
  /** Its revision the command answered with (-1: no stream). */
  readonly revision: number;
  /** The global position the command answered with, when it had one. */
  readonly position?: string;
}

export function noOpRecordStream(commandId: string): string {
  return `${NO_OP_RECORD_CATEGORY}-${commandId}`;
}

/** The outcome a no-op record holds; undefined for any other event. */
export function noOpRecordOf(event: Pick<RecordedEvent, 'type' | 'data'>): NoOpRecorded | undefined {
  if (event.type !== NO_OP_RECORDED) return undefined;
  const data = event.data as Partial<NoOpRecorded> | null;
  if (typeof data !== 'object' || data === null || typeof data.streamId !== 'string' || !Number.isSafeInteger(data.revision))
    return undefined;
  return {
    streamId: data.streamId,
    revision: data.revision as number,
    ...(typeof data.position === 'string' ? { position: data.position } : {}),
  };
}

/** The append that records a no-op: its one event carries the command's envelope (type, fingerprint, actor, tenant). */
export function noOpRecordAppend(
  streamId: string,
  answered: { readonly revision: number | undefined; readonly position: string | undefined },
  commandType: string,
  options: HandleCommandOptions & { readonly commandId: string; readonly tenantId: string },
): { readonly streamId: string; readonly events: EventToAppend[]; readonly expectedRevision: 'no_stream' } {
  const data: NoOpRecorded = {
    streamId,
    revision: answered.revision ?? -1,
    ...(answered.position === undefined ? {} : { position: answered.position }),
  };
  return {
    streamId: noOpRecordStream(options.commandId),
    events: envelopesFor([{ type: NO_OP_RECORDED, data: { ...data } }], commandType, options),
    expectedRevision: 'no_stream',
  };
}

export interface Loaded<State> {
  readonly state: State;
  readonly revision: number | undefined;
  readonly position: string | undefined;
}

/** A stream's state for a command: snapshot (when the decider keeps them) plus the events after it. */
export async function loadForCommand<State, C extends Command, E extends Event>(
  store: EventStore,
  decider: Decider<State, C, E>,
  streamId: string,
  tenantId: string,
  snapshots: SnapshotStore | undefined,
): Promise<Loaded<State>> {
  let state = decider.initialState();
  let revision: number | undefined;
  const snapshot = decider.snapshot && snapshots ? await snapshots.readSnapshot(streamId, { tenantId }) : undefined;
  if (snapshot && snapshot.version === decider.snapshot?.version) {
    state = structuredClone(snapshot.state) as State;
    revision = snapshot.revision;
  }
  const events = await store.readStream(streamId, { tenantId, fromRevision: revision === undefined ? 0 : revision + 1 });
  let position: string | undefined;
  for (const event of events) {
    state = decider.evolve(state, { type: event.type, data: event.data } as E);
    revision = event.revision;
    position = event.position;
  }
  return { state, revision, position };
}

/** If-Match and create-vs-update: what must hold of a stream before its decider is asked. */
export function checkCommandPreconditions<State, C extends Command, E extends Event>(
  decider: Decider<State, C, E>,
  streamId: string,
  command: C,
  revision: number | undefined,
  explicit: ExpectedRevision | undefined,
): void {
  if (explicit !== undefined && explicit !== 'any') {
    const ok =
      (explicit === 'no_stream' && revision === undefined) ||
      (explicit === 'stream_exists' && revision !== undefined) ||
      explicit === revision;
    if (!ok) throw new WrongExpectedRevisionError(streamId, String(explicit), revision ?? 'no_stream');
  }
  if (decider.isNew) {
    const creates = decider.isNew(command);
    if (creates && revision !== undefined) {
      throw new DomainError(decider.existence?.alreadyExists ?? STREAM_REFUSALS.ALREADY_EXISTS, `${streamId} already exists`, { streamId });
    }
    if (!creates && revision === undefined) {
      if (decider.existence) throw new DomainError(decider.existence.notFound, `${streamId} does not exist`, { streamId });
      throw new StreamNotFoundError(streamId);
    }
  }
}

/** A command's events with their envelope: ids from the command id, so a retry writes the same ids. */
export function envelopesFor(
  events: readonly Event[],
  commandType: string,
  options: HandleCommandOptions & { readonly commandId: string; readonly tenantId: string },
): EventToAppend[] {
  const { commandId, tenantId } = options;
  const occurredAt = (options.now ?? new Date()).toISOString();
  return events.map((event, index) => ({
    type: event.type,
    data: event.data,
    metadata: {
      eventId: eventIdFor(commandId, index),
      commandId,
      correlationId: options.correlationId ?? commandId,
      causationId: options.causationId ?? commandId,
      actor: options.actor ?? ANONYMOUS,
      tenantId,
      occurredAt,
      schemaVersion: options.schemaVersionOf?.(event.type) ?? 1,
      commandType,
      ...(options.traceparent === undefined ? {} : { traceparent: options.traceparent }),
      ...(options.requestFingerprint === undefined ? {} : { requestFingerprint: options.requestFingerprint }),
    },
  }));
}

/**
 * Whether a recorded command's first event was made by another request than the one now carrying its command id:
 * another command type, or another request fingerprint (method, path and body, keyed). Either is 422.
 */
export function recordedForAnotherRequest(
  recorded: { readonly commandType?: string; readonly requestFingerprint?: string },
  commandType: string | undefined,
  fingerprint: string | undefined,
): boolean {
  const otherCommand = commandType !== undefined && recorded.commandType !== undefined && recorded.commandType !== commandType;
  const otherRequest =
    fingerprint !== undefined && recorded.requestFingerprint !== undefined && recorded.requestFingerprint !== fingerprint;
  return otherCommand || otherRequest;
}

/**
 * `recordedForAnotherRequest` for a no-op's record (NO_OP_RECORDED), which also refuses a request with a fingerprint
 * when the record has none left: its fingerprint was sealed under the key of the record it names, and that record's
 * erasure took it (or the no-op was recorded after it). Nothing then tells the same request from another, and a no-op
 * changed nothing, so 422 loses nothing, while answering another request with the first reply would drop it unheard
 * (an outside probe: an assignment to u3 under a no-op's key answered 200 and recorded nothing).
 */
export function noOpRecordedForAnotherRequest(
  recorded: { readonly commandType?: string; readonly requestFingerprint?: string },
  commandType: string | undefined,
  fingerprint: string | undefined,
): boolean {
  return (
    recordedForAnotherRequest(recorded, commandType, fingerprint) ||
    (fingerprint !== undefined && recorded.requestFingerprint === undefined)
  );
}

async function firstResult<State, E extends Event>(
  store: EventStore,
  streamId: string,
  commandId: string,
  tenantId: string,
  found: RecordedEvent,
  state: () => Promise<State>,
  commandType: string,
  fingerprint: string | undefined,
): Promise<CommandResult<State, E>> {
  const noOp = noOpRecordOf(found);
  if (noOp) {
    // The command decided nothing: its record says what it answered (on this stream, for this same request).
    if (noOp.streamId !== streamId || noOpRecordedForAnotherRequest(found.metadata, commandType, fingerprint)) {
      throw new IdempotencyConflictError(commandId);
    }
    return {
      streamId,
      commandId,
      nextExpectedRevision: noOp.revision,
      position: noOp.position,
      events: [],
      state: await state(),
      duplicate: true,
    };
  }
  if (found.streamId !== streamId || recordedForAnotherRequest(found.metadata, commandType, fingerprint)) {
    throw new IdempotencyConflictError(commandId);
  }
  const tail = await store.readStream(streamId, { tenantId, fromRevision: found.revision });
  const own = [];
  for (const event of tail) {
    if (event.metadata.commandId !== commandId) break;
    own.push(event);
  }
  const last = own[own.length - 1] ?? found;
  return {
    streamId,
    commandId,
    nextExpectedRevision: last.revision,
    position: last.position,
    events: own.map((event) => ({ type: event.type, data: event.data }) as E),
    state: await state(),
    duplicate: true,
  };
}

/**
 * The one write path: load (snapshot + tail) → decide → append at the loaded
 * revision. A refused command throws and appends nothing.
 */
export async function handleCommand<State, C extends Command, E extends Event>(
  store: EventStore,
  decider: Decider<State, C, E>,
  streamId: string,
  command: C,
  options: HandleCommandOptions = {},
): Promise<CommandResult<State, E>> {
  const tenantId = options.tenantId ?? DEFAULT_TENANT;
  const commandId = options.commandId ?? newId();
  const reload = async () => (await loadForCommand(store, decider, streamId, tenantId, options.snapshots)).state;

  const isNew = options.commandId === undefined || options.newCommandId === true;
  const recordsNoOp = !isNew && options.recordNoOp !== false;
  const previous = isNew ? undefined : await store.findEvent(eventIdFor(commandId, 0), { tenantId });
  if (previous)
    return firstResult<State, E>(store, streamId, commandId, tenantId, previous, reload, command.type, options.requestFingerprint);

  // Another run of this same command (a process manager's reaction beside the request that ran it) may
  // commit between the look-up above and the load below: then "already exists" is really "already done".
  const orRacedRun = async (refusal: unknown): Promise<CommandResult<State, E>> => {
    const raced = await store.findEvent(eventIdFor(commandId, 0), { tenantId });
    if (raced) return firstResult<State, E>(store, streamId, commandId, tenantId, raced, reload, command.type, options.requestFingerprint);
    throw refusal;
  };

  const explicit = options.expectedRevision;
  const attempts = explicit === undefined ? Math.max(1, (options.maxRetries ?? 3) + 1) : 1;
  // A command that creates its stream is first decided on the empty state and appended with `no_stream`,
  // without reading the stream: almost always it does not exist yet. If it does, the append refuses and
  // nothing is written; so does a decision that refuses or appends nothing on the empty state. Either way the
  // command then goes the usual way (load, preconditions, decide), which gives the answer it always gave.
  if (explicit === undefined && decider.isNew?.(command) === true) {
    const guessed = await appendAsNew(store, decider, streamId, command, { ...options, commandId, tenantId });
    if (guessed) return guessed;
  }
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const loaded = await loadForCommand(store, decider, streamId, tenantId, options.snapshots);
    let events: readonly E[];
    try {
      checkCommandPreconditions(decider, streamId, command, loaded.revision, explicit);
      events = decider.decide(command, loaded.state);
    } catch (refusal) {
      // A run of this same command id (the same request sent twice at once, maybe to two processes) may have
      // committed since the look-up above: its events are why the stream refuses ("already acknowledged", a stale
      // If-Match). Then the answer is that run's reply, or 422 for another request, not the refusal.
      const createdMeanwhile = loaded.revision !== undefined && decider.isNew?.(command) === true;
      if ((createdMeanwhile || !isNew) && (refusal instanceof DomainError || refusal instanceof WrongExpectedRevisionError)) {
        return orRacedRun(refusal);
      }
      throw refusal;
    }

    if (events.length === 0) {
      const answer: CommandResult<State, E> = {
        streamId,
        commandId,
        nextExpectedRevision: loaded.revision ?? -1,
        position: loaded.position,
        events,
        state: loaded.state,
        duplicate: false,
      };
      if (!recordsNoOp) return answer;
      return recordNoOp(store, streamId, command.type, { ...options, commandId, tenantId }, loaded, answer, reload);
    }
    const toAppend = envelopesFor(events, command.type, { ...options, commandId, tenantId });
    try {
      const appended = await store.appendToStream(streamId, toAppend, {
        tenantId,
        expectedRevision: loaded.revision === undefined ? 'no_stream' : loaded.revision,
      });
      if (alreadyStored(appended) || appended.nextExpectedRevision !== (loaded.revision ?? -1) + events.length) {
        // The store recognised the event ids: this command id was recorded by a concurrent run (another process
        // may have loaded the same revision), maybe of another request. Answer from what was recorded, which
        // refuses another request's body or command (422), and snapshot nothing. (A store that says nothing of a
        // retried append shows it by the revision it reports, when the run recorded elsewhere in the stream.)
        const recorded = await store.findEvent(eventIdFor(commandId, 0), { tenantId });
        if (recorded)
          return firstResult<State, E>(store, streamId, commandId, tenantId, recorded, reload, command.type, options.requestFingerprint);
      }
      return await appendedResult(decider, streamId, { ...options, commandId, tenantId }, loaded, events, appended);
    } catch (error) {
      // The first event's id is stored elsewhere: a twin run of this command id recorded a no-op (NO_OP_RECORDED)
      // while this one, loading after a change, decided events. Its answer (or 422 for another request) is this one's.
      const recordedElsewhere = error instanceof IdempotencyConflictError && !isNew;
      if (!recordedElsewhere && (!(error instanceof WrongExpectedRevisionError) || explicit !== undefined)) throw error;
      const raced = await store.findEvent(eventIdFor(commandId, 0), { tenantId });
      if (raced)
        return firstResult<State, E>(store, streamId, commandId, tenantId, raced, reload, command.type, options.requestFingerprint);
      if (recordedElsewhere) throw error;
    }
  }
  throw new ConcurrencyConflictError(streamId, attempts);
}

/**
 * A command under a command id its caller gave decided no events: its outcome is recorded (`NO_OP_RECORDED`, in the
 * command's own internal stream) so that the id used again is answered from it: the same request with this reply,
 * another with 422. Without it a no-op left nothing to find, and a retry ran again (undoing a later change) or another
 * request under the same key was run. A twin run of the same id that recorded first (its no-op, or the events it
 * decided from a later revision) answers for this one, as for an append: the store recognises the event id.
 */
async function recordNoOp<State, E extends Event>(
  store: EventStore,
  streamId: string,
  commandType: string,
  options: HandleCommandOptions & { readonly commandId: string; readonly tenantId: string },
  loaded: Pick<Loaded<State>, 'revision' | 'position'>,
  answer: CommandResult<State, E>,
  reload: () => Promise<State>,
): Promise<CommandResult<State, E>> {
  const { commandId, tenantId } = options;
  const record = noOpRecordAppend(streamId, loaded, commandType, options);
  let refused: unknown;
  try {
    const appended = await store.appendToStream(record.streamId, record.events, { tenantId, expectedRevision: record.expectedRevision });
    if (!alreadyStored(appended)) return answer;
  } catch (error) {
    // Its record stream exists (a twin's record), or the id is stored in another stream (a twin's events).
    if (!(error instanceof WrongExpectedRevisionError) && !(error instanceof IdempotencyConflictError)) throw error;
    refused = error;
  }
  const recorded = await store.findEvent(eventIdFor(commandId, 0), { tenantId });
  if (!recorded) throw refused ?? new IdempotencyConflictError(commandId);
  return firstResult<State, E>(store, streamId, commandId, tenantId, recorded, reload, commandType, options.requestFingerprint);
}

/**
 * A creating command decided on the empty state and appended as its stream's first events; `undefined` when
 * that is not the answer (the decision refused or appended nothing, or the stream exists: nothing written).
 */
async function appendAsNew<State, C extends Command, E extends Event>(
  store: EventStore,
  decider: Decider<State, C, E>,
  streamId: string,
  command: C,
  options: HandleCommandOptions & { readonly commandId: string; readonly tenantId: string },
): Promise<CommandResult<State, E> | undefined> {
  const empty = decider.initialState();
  let events: readonly E[];
  try {
    events = decider.decide(command, empty);
  } catch {
    return undefined;
  }
  if (events.length === 0) return undefined;
  try {
    const appended = await store.appendToStream(streamId, envelopesFor(events, command.type, options), {
      tenantId: options.tenantId,
      expectedRevision: 'no_stream',
    });
    // The store recognised the events' ids (a concurrent run of this command recorded them): the usual way answers.
    if (alreadyStored(appended)) return undefined;
    return await appendedResult(decider, streamId, options, { state: empty, revision: undefined }, events, appended);
  } catch (error) {
    if (error instanceof WrongExpectedRevisionError) return undefined;
    throw error;
  }
}

/** A command's result once its events are appended after `from`: the state they lead to, snapshotted when due. */
async function appendedResult<State, C extends Command, E extends Event>(
  decider: Decider<State, C, E>,
  streamId: string,
  options: HandleCommandOptions & { readonly commandId: string; readonly tenantId: string },
  from: Pick<Loaded<State>, 'state' | 'revision'>,
  events: readonly E[],
  appended: AppendResult,
): Promise<CommandResult<State, E>> {
  const state = events.reduce((current, event) => decider.evolve(current, event), from.state);
  await maybeSnapshot(decider, options.snapshots, streamId, options.tenantId, from.revision, appended.nextExpectedRevision, state);
  return {
    streamId,
    commandId: options.commandId,
    nextExpectedRevision: appended.nextExpectedRevision,
    position: appended.position,
    events,
    state,
    duplicate: false,
  };
}

export async function maybeSnapshot<State, C extends Command, E extends Event>(
  decider: Decider<State, C, E>,
  snapshots: SnapshotStore | undefined,
  streamId: string,
  tenantId: string,
  before: number | undefined,
  after: number,
  state: State,
): Promise<void> {
  const policy = decider.snapshot;
  if (!policy || !snapshots) return;
  const crossed = Math.floor((after + 1) / policy.every) > Math.floor(((before ?? -1) + 1) / policy.every);
  if (!crossed) return;
  // A snapshot is a cache: failing to write one must not fail a command that is already recorded.
  await snapshots.writeSnapshot({ streamId, tenantId, revision: after, version: policy.version, state }).catch(() => undefined);
}
