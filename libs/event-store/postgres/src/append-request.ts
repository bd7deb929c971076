import {
  assertDistinctEventIds,
  chainHash,
  contentHash,
  GENESIS_HASH,
  describeExpected,
  resolveRetriedAppend,
  streamCategory,
  assertTenant,
  tenantOf,
  validateExpectedRevision,
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
} from '@crm/shared/event-sourcing';
import { EVENT_ID_KEY, EVENT_IDS_ALREADY_STORED, STREAM_REVISION_KEY, WRONG_EXPECTED_REVISION } from './sql/append-functions.sql';
import { MAX_PLAIN_FIRST_EVENTS, type Statement, type Statements } from './sql/statements';

/** One event as the database receives it: data and metadata already JSON text. */
export interface WireEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly contentHash: string;
}

/** One append, checked and serialised once, ready for the single-event, the function or the batched statement. */
export interface AppendRequest {
  readonly streamId: string;
  readonly tenantId: string;
  readonly category: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly EventToAppend[];
  readonly wire: readonly WireEvent[];
}

/** What the database said about one append: a pg error or a batch row, in one shape. */
export interface AppendFailure {
  readonly code?: string;
  readonly message: string;
  readonly detail?: string;
  readonly constraint?: string;
  /** The driver's own error, rethrown as is when nothing better applies. */
  readonly cause?: unknown;
}

export type AppendOutcome =
  | { readonly ok: true; readonly nextExpectedRevision: number; readonly position: string }
  | { readonly ok: false; readonly failure: AppendFailure };

/**
 * A single-event statement inserted nothing: the expectation did not hold.
 * Unlike the function's ES001 it knows neither the actual revision nor whether
 * the events are already stored; runAppend looks both up.
 */
export const EXPECTATION_NOT_MET: AppendFailure = { code: WRONG_EXPECTED_REVISION, message: 'wrong expected revision' };

export function prepareAppend(streamId: string, events: readonly EventToAppend[], options: AppendOptions | undefined): AppendRequest {
  const tenantId = tenantOf(options);
  const expected = options?.expectedRevision ?? 'any';
  validateExpectedRevision(expected);
  assertDistinctEventIds(events);
  const wire = events.map((event): WireEvent => {
    // Same refusal, same wording as sealEvents, which the server-side chain replaces here.
    assertTenant(event, tenantId);
    return {
      eventId: event.metadata.eventId,
      type: event.type,
      data: JSON.stringify(event.data),
      metadata: JSON.stringify(event.metadata),
      contentHash: contentHash({ streamId, type: event.type, data: event.data, metadata: event.metadata }),
    };
  });
  return { streamId, tenantId, category: streamCategory(streamId), expected, events, wire };
}

export function expectedForSql(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? String(expected) : expected;
}

/** JSON array of { eventId, type, data, metadata, contentHash }: the append function's p_events. */
export function eventsPayload(request: AppendRequest): string {
  const items = request.wire.map(
    (event) =>
      `{"eventId":${JSON.stringify(event.eventId)},"type":${JSON.stringify(event.type)},"data":${event.data},"metadata":${event.metadata},"contentHash":"${event.contentHash}"}`,
  );
  return `[${items.join(',')}]`;
}

/** The append function's positional arguments. */
export function appendParameters(request: AppendRequest): string[] {
  return [request.tenantId, request.streamId, request.category, expectedForSql(request.expected), eventsPayload(request)];
}

/**
 * The statement and arguments that send `request` as one statement: a plain
 * INSERT for a single event or a new stream's first events, else the function.
 */
export function appendQuery(sql: Statements, request: AppendRequest): Statement & { readonly values: unknown[] } {
  const [only, ...more] = request.wire;
  if (more.length > 0 && request.expected === 'no_stream' && request.wire.length <= MAX_PLAIN_FIRST_EVENTS)
    return firstEvents(sql, request);
  if (!only || more.length > 0) return { ...sql.append, values: appendParameters(request) };
  const { tenantId, streamId, category, expected } = request;
  if (expected === 'no_stream') {
    // Revision 0 follows the genesis hash: the whole chain step is known here.
    const hash = chainHash(GENESIS_HASH, 0, only.contentHash);
    return { ...sql.appendFirst, values: [tenantId, streamId, category, only.eventId, only.type, only.data, only.metadata, hash] };
  }
  const exact = typeof expected === 'number';
  return {
    ...sql.appendOne,
    values: [
      tenantId,
      streamId,
      category,
      exact ? 'exact' : expected,
      exact ? expected : null,
      only.eventId,
      only.type,
      only.data,
      only.metadata,
      only.contentHash,
    ],
  };
}

/** A new stream's first events with their chain, which starts at the genesis hash: all of it is known here. */
function firstEvents(sql: Statements, request: AppendRequest): Statement & { readonly values: unknown[] } {
  const values: unknown[] = [request.tenantId, request.streamId, request.category];
  let prevHash = GENESIS_HASH;
  request.wire.forEach((event, revision) => {
    const hash = chainHash(prevHash, revision, event.contentHash);
    values.push(event.eventId, event.type, event.data, event.metadata, prevHash, hash);
    prevHash = hash;
  });
  return { ...sql.appendFirstMany(request.wire.length), values };
}

/** One element of append_batch's argument, built around the already serialised events. */
export function batchElement(request: AppendRequest): string {
  const head = JSON.stringify({
    tenantId: request.tenantId,
    streamId: request.streamId,
    category: request.category,
    expected: expectedForSql(request.expected),
  });
  return `${head.slice(0, -1)},"events":${eventsPayload(request)}}`;
}

/** What runAppend needs from the store. */
export interface AppendBackend {
  submit(request: AppendRequest): Promise<AppendOutcome>;
  findEvents(tenantId: string, eventIds: readonly string[]): Promise<readonly RecordedEvent[]>;
  streamRevision(tenantId: string, streamId: string): Promise<number | undefined>;
}

export const TRANSIENT = new Set(['40P01', '40001']);
/** Retries after a transient failure or after clashing events vanished (their transaction rolled back). */
export const MAX_RETRIES = 3;
/**
 * Retries of an `any` or `stream_exists` append that lost the race for the
 * next revision. Each loss means another append to the stream committed, so
 * this only runs out under sustained contention on one stream by far more
 * writers than a stream ever sees.
 */
export const MAX_RACE_RETRIES = 100;

/**
 * Runs an append and turns refusals into the port's errors. A refused
 * expectation or an event-id clash goes through the shared retry rule first:
 * a retried command usually comes back with a now-stale expectation, and its
 * events are already stored. The append is tried again (it rolled back whole)
 * when it lost the race for the next revision without naming one, when the
 * stream has meanwhile grown into its expectation, when clashing events
 * vanished because their transaction rolled back, or when it was a deadlock victim.
 */
export async function runAppend(request: AppendRequest, backend: AppendBackend): Promise<AppendResult> {
  const storedAlready = async () =>
    resolveRetriedAppend(
      request.streamId,
      request.events,
      await backend.findEvents(
        request.tenantId,
        request.events.map((event) => event.metadata.eventId),
      ),
    );
  let retries = MAX_RETRIES;
  let raceRetries = MAX_RACE_RETRIES;
  for (;;) {
    const outcome = await backend.submit(request);
    if (outcome.ok) return { nextExpectedRevision: outcome.nextExpectedRevision, position: outcome.position };
    const { failure } = outcome;
    if (failure.code === WRONG_EXPECTED_REVISION && failure.detail !== undefined) {
      // The function's refusal: it has already looked for the events and read the actual revision.
      throw wrongRevision(request, Number(failure.detail));
    }
    const race = isRevisionRace(failure);
    if (failure === EXPECTATION_NOT_MET || (race && namesRevision(request.expected))) {
      const retried = await storedAlready();
      if (retried) return retried;
      const actual = (await backend.streamRevision(request.tenantId, request.streamId)) ?? -1;
      if (satisfies(request.expected, actual) && retries-- > 0) continue;
      throw wrongRevision(request, actual);
    }
    if (race && raceRetries-- > 0) continue;
    if (isEventIdClash(failure)) {
      const retried = await storedAlready();
      if (retried) return retried;
      if (retries-- > 0) continue;
    }
    if (failure.code !== undefined && TRANSIENT.has(failure.code) && retries-- > 0) continue;
    throw toError(failure);
  }
}

export function wrongRevision(request: AppendRequest, actual: number): WrongExpectedRevisionError {
  return new WrongExpectedRevisionError(request.streamId, describeExpected(request.expected), actual < 0 ? 'no_stream' : actual);
}

/** Expectations that name one revision (no_stream: -1): losing the race for the next one refutes them. */
export function namesRevision(expected: ExpectedRevision): boolean {
  return typeof expected === 'number' || expected === 'no_stream';
}

export function satisfies(expected: ExpectedRevision, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual < 0;
  if (expected === 'stream_exists') return actual >= 0;
  return actual === expected;
}

/** Another append to the same stream took the revision this one meant to write, and committed. */
export function isRevisionRace(failure: AppendFailure): boolean {
  return failure.code === '23505' && failure.constraint === STREAM_REVISION_KEY;
}

export function isEventIdClash(failure: AppendFailure): boolean {
  return failure.code === EVENT_IDS_ALREADY_STORED || (failure.code === '23505' && failure.constraint === EVENT_ID_KEY);
}

export function toError(failure: AppendFailure): Error {
  if (failure.cause instanceof Error) return failure.cause;
  return Object.assign(new Error(failure.message), { code: failure.code, detail: failure.detail, constraint: failure.constraint });
}
