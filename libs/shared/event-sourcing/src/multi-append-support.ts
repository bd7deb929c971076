import type { RecordedEvent } from './event';
import { assertTenant, resolveRetriedAppend, validateExpectedRevision } from './append-support';
import { IdempotencyConflictError } from './errors';
import type { AppendResult, MultiStreamAppendResult, StreamAppend } from './event-store';

/** The rules of `appendToStreams` every adapter shares, so that all of them agree. */

/**
 * Refuses what no store may accept: no streams, a stream twice or without
 * events, a bad expectation, a repeated id, another tenant's event. A part
 * without events would be a bare check, and a check cannot be held until
 * commit on every store (PostgreSQL takes no lock to read a head), so the
 * port does not offer it: a check on its own is `appendToStream(id, [])`.
 */
export function validateMultiAppend(appends: readonly StreamAppend[], tenantId: string): void {
  validateAppends(appends, tenantId, false);
}

/** `appendInOrder`'s rules: those of `validateMultiAppend`, except that a stream may come back. */
export function validateOrderedAppends(appends: readonly StreamAppend[], tenantId: string): void {
  validateAppends(appends, tenantId, true);
}

function validateAppends(appends: readonly StreamAppend[], tenantId: string, streamsMayRepeat: boolean): void {
  if (appends.length === 0) throw new RangeError('appendToStreams needs at least one stream');
  const streams = new Set<string>();
  const eventIds = new Set<string>();
  for (const append of appends) {
    if (!streamsMayRepeat && streams.has(append.streamId))
      throw new RangeError(`stream ${append.streamId} appears twice in one multi-stream append`);
    streams.add(append.streamId);
    validateExpectedRevision(append.expectedRevision ?? 'any');
    if (append.events.length === 0) throw new RangeError(`stream ${append.streamId} has no events in a multi-stream append`);
    for (const event of append.events) {
      assertTenant(event, tenantId);
      if (eventIds.has(event.metadata.eventId)) throw new Error(`duplicate event id ${event.metadata.eventId} in one append`);
      eventIds.add(event.metadata.eventId);
    }
  }
}

export function allEventIds(appends: readonly StreamAppend[]): string[] {
  return appends.flatMap((append) => append.events.map((event) => event.metadata.eventId));
}

/**
 * Given the stored events that carry any of the incoming ids, decide whether
 * this call is a retry of an earlier one that landed: every event stored, each
 * in its own stream, in order. Then the result is the stored one. Nothing
 * stored: undefined. Anything
 * in between is a conflict, since an atomic append cannot have half-landed.
 */
export function resolveRetriedMultiAppend(
  appends: readonly StreamAppend[],
  stored: readonly RecordedEvent[],
  compare: (a: string, b: string) => number,
): MultiStreamAppendResult | undefined {
  if (stored.length === 0) return undefined;
  const parts = resolveRetriedParts(appends, stored);
  const streams = parts.filter((part): part is AppendResult => part !== undefined);
  if (streams.length !== appends.length) throw new IdempotencyConflictError(firstCommandId(appends));
  return { streams, position: latestPosition(streams, compare) };
}

/**
 * The same, part by part, for a store that writes a multi-stream append one stream at a time (EventStoreDB before
 * 25.1), where an append can stop between two streams (its process died, or another writer moved the next stream on):
 * each part is done (every event stored, in its own stream, in order: its stored result) or not begun (undefined).
 * A part half stored, or stored elsewhere, is a conflict.
 */
export function resolveRetriedParts(appends: readonly StreamAppend[], stored: readonly RecordedEvent[]): (AppendResult | undefined)[] {
  const byId = new Map(stored.map((event) => [event.metadata.eventId, event]));
  const conflict = () => new IdempotencyConflictError(firstCommandId(appends));
  return appends.map((append): AppendResult | undefined => {
    const own = append.events.flatMap((event) => byId.get(event.metadata.eventId) ?? []);
    if (own.length === 0) return undefined;
    if (own.length !== append.events.length) throw conflict();
    try {
      return resolveRetriedAppend(append.streamId, append.events, own) as AppendResult;
    } catch {
      throw conflict();
    }
  });
}

export function latestPosition(results: readonly AppendResult[], compare: (a: string, b: string) => number): string {
  let latest = (results[0] as AppendResult).position;
  for (const result of results) if (compare(result.position, latest) > 0) latest = result.position;
  return latest;
}

function firstCommandId(appends: readonly StreamAppend[]): string {
  return appends[0]?.events[0]?.metadata.commandId ?? 'unknown';
}
