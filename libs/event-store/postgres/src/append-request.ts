import {
  assertDistinctEventIds,
  contentHash,
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
import { EVENT_IDS_ALREADY_STORED, WRONG_EXPECTED_REVISION } from './sql/append-functions.sql';

/** One append, checked and serialised once, ready for the single or the batched statement. */
export interface AppendRequest {
  readonly streamId: string;
  readonly tenantId: string;
  readonly category: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly EventToAppend[];
  /** JSON array of { eventId, type, data, metadata, contentHash }: the append function's p_events. */
  readonly payload: string;
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

export function prepareAppend(streamId: string, events: readonly EventToAppend[], options: AppendOptions | undefined): AppendRequest {
  const tenantId = tenantOf(options);
  const expected = options?.expectedRevision ?? 'any';
  validateExpectedRevision(expected);
  assertDistinctEventIds(events);
  const wire = events.map((event) => {
    // Same refusal, same wording as sealEvents, which the server-side chain replaces here.
    assertTenant(event, tenantId);
    return {
      eventId: event.metadata.eventId,
      type: event.type,
      data: event.data,
      metadata: event.metadata,
      contentHash: contentHash({ streamId, type: event.type, data: event.data, metadata: event.metadata }),
    };
  });
  return { streamId, tenantId, category: streamCategory(streamId), expected, events, payload: JSON.stringify(wire) };
}

export function expectedForSql(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? String(expected) : expected;
}

/** The append function's positional arguments. */
export function appendParameters(request: AppendRequest): string[] {
  return [request.tenantId, request.streamId, request.category, expectedForSql(request.expected), request.payload];
}

/** One element of append_batch's argument, built around the already serialised payload. */
export function batchElement(request: AppendRequest): string {
  const head = JSON.stringify({
    tenantId: request.tenantId,
    streamId: request.streamId,
    category: request.category,
    expected: expectedForSql(request.expected),
  });
  return `${head.slice(0, -1)},"events":${request.payload}}`;
}

const TRANSIENT = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 4;

/**
 * Runs an append and turns refusals into the port's errors. An event-id clash
 * goes through the shared retry rule. The append is retried (it rolled back
 * whole) when the clashing events vanished because their transaction rolled
 * back, when it lost a race to create a stream, or when it was a deadlock victim.
 */
export async function runAppend(
  request: AppendRequest,
  submit: (request: AppendRequest) => Promise<AppendOutcome>,
  findEvents: (tenantId: string, eventIds: readonly string[]) => Promise<readonly RecordedEvent[]>,
): Promise<AppendResult> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await submit(request);
    if (outcome.ok) return { nextExpectedRevision: outcome.nextExpectedRevision, position: outcome.position };
    const { failure } = outcome;
    const retryable = attempt < MAX_ATTEMPTS;
    if (failure.code === WRONG_EXPECTED_REVISION) {
      const actual = Number(failure.detail);
      throw new WrongExpectedRevisionError(request.streamId, describeExpected(request.expected), actual < 0 ? 'no_stream' : actual);
    }
    if (isEventIdClash(failure)) {
      const stored = await findEvents(
        request.tenantId,
        request.events.map((event) => event.metadata.eventId),
      );
      const retried = resolveRetriedAppend(request.streamId, request.events, stored);
      if (retried) return retried;
      if (retryable) continue;
    }
    if (failure.code !== undefined && (TRANSIENT.has(failure.code) || isStreamCreationRace(failure)) && retryable) continue;
    throw toError(failure);
  }
}

/** Two appends created the same stream at once; the loser rolled back and, retried, finds the stream. */
function isStreamCreationRace(failure: AppendFailure): boolean {
  return failure.code === '23505' && (failure.constraint === 'events_stream_revision_key' || failure.constraint === 'streams_pkey');
}

function isEventIdClash(failure: AppendFailure): boolean {
  return failure.code === EVENT_IDS_ALREADY_STORED || (failure.code === '23505' && failure.constraint === 'events_event_id_key');
}

function toError(failure: AppendFailure): Error {
  if (failure.cause instanceof Error) return failure.cause;
  return Object.assign(new Error(failure.message), { code: failure.code, detail: failure.detail, constraint: failure.constraint });
}
