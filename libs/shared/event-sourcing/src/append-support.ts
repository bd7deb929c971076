import { DEFAULT_TENANT, type EventMetadata, type EventToAppend, type RecordedEvent } from './event';
import { IdempotencyConflictError, WrongExpectedRevisionError } from './errors';
import type { AppendResult, ExpectedRevision } from './event-store';
import { chainHash, contentHash, GENESIS_HASH } from './hash-chain';

/** Building blocks every adapter uses, so that all of them agree on the rules. */

export interface StreamHead {
  readonly revision: number;
  readonly hash: string;
}

export function describeExpected(expected: ExpectedRevision): string {
  return typeof expected === 'number' ? String(expected) : expected;
}

/** Throws WrongExpectedRevisionError unless the stream's current revision satisfies `expected`. */
export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, current: number | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamId, describeExpected(expected), current ?? 'no_stream');
}

export function validateExpectedRevision(expected: ExpectedRevision): void {
  if (typeof expected === 'number' && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw new RangeError(`expected revision must be a non-negative integer, got ${expected}`);
  }
}

export function tenantOf(options: { readonly tenantId?: string } | undefined): string {
  return options?.tenantId ?? DEFAULT_TENANT;
}

/** Events carry their tenant; an append into another tenant's stream is a programming error. */
export function assertTenant(event: EventToAppend, tenantId: string): void {
  if (event.metadata.tenantId !== tenantId) {
    throw new Error(`event ${event.metadata.eventId} belongs to tenant ${event.metadata.tenantId}, not ${tenantId}`);
  }
}

export interface SealedEvent {
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
  readonly revision: number;
  readonly metadata: EventMetadata;
}

/** Numbers the events after `head` and links them into the stream's hash chain. */
export function sealEvents(
  streamId: string,
  tenantId: string,
  head: StreamHead | undefined,
  events: readonly EventToAppend[],
): SealedEvent[] {
  let revision = head ? head.revision : -1;
  let prevHash = head ? head.hash : GENESIS_HASH;
  return events.map((event) => {
    assertTenant(event, tenantId);
    revision += 1;
    const hash = chainHash(prevHash, revision, contentHash({ streamId, type: event.type, data: event.data, metadata: event.metadata }));
    const sealed: SealedEvent = {
      streamId,
      type: event.type,
      data: event.data,
      revision,
      metadata: { ...event.metadata, prevHash, hash },
    };
    prevHash = hash;
    return sealed;
  });
}

export function assertDistinctEventIds(events: readonly EventToAppend[]): void {
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.metadata.eventId)) throw new Error(`duplicate event id ${event.metadata.eventId} in one append`);
    seen.add(event.metadata.eventId);
  }
}

/**
 * Given the already-stored events that carry the incoming event ids, decide
 * whether this append is a retry of an earlier one (same ids, same stream, in
 * order): then return the earlier result and append nothing. Any partial or
 * cross-stream overlap is a conflict.
 */
/** Marks a retried append's result (see alreadyStored); not enumerable, so results compare and serialise as before. */
const ALREADY_STORED = Symbol('alreadyStored');

/**
 * True when `result` is a retried append's (resolveRetriedAppend): its events were in the stream already, by
 * their ids, and nothing was written. Stores hand that result back as it is, through any layer.
 */
export function alreadyStored(result: AppendResult): boolean {
  return (result as { [ALREADY_STORED]?: boolean })[ALREADY_STORED] === true;
}

export function resolveRetriedAppend(
  streamId: string,
  incoming: readonly EventToAppend[],
  stored: readonly RecordedEvent[],
): AppendResult | undefined {
  if (stored.length === 0) return undefined;
  const byId = new Map(stored.map((event) => [event.metadata.eventId, event]));
  const matches = incoming.map((event) => byId.get(event.metadata.eventId));
  const first = matches[0];
  const consecutive =
    first !== undefined &&
    matches.every((event, index) => event !== undefined && event.streamId === streamId && event.revision === first.revision + index);
  if (!consecutive) throw new IdempotencyConflictError(incoming[0]?.metadata.commandId ?? 'unknown');
  const last = matches[matches.length - 1] as RecordedEvent;
  return Object.defineProperty({ nextExpectedRevision: last.revision, position: last.position }, ALREADY_STORED, { value: true });
}
