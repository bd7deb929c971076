import {
  allEventIds,
  checkExpectedRevision,
  latestPosition,
  resolveRetriedAppend,
  resolveRetriedMultiAppend,
  sealEvents,
  streamCategory,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type MultiStreamAppendResult,
  type StreamAppend,
} from '@crm/shared/event-sourcing';
import { comparePositions, formatPosition } from './positions';
import { toRecordedEvent, type HeadRow, type Statements } from './statements';

/**
 * One append, run inside the group commit's transaction (and savepoint), so
 * the stream head it reads cannot move before its rows are written. The rules
 * are the shared ones every adapter uses; only the storage is SQLite's.
 */
export function appendInTransaction(
  statements: Statements,
  streamId: string,
  tenantId: string,
  expected: ExpectedRevision,
  events: readonly EventToAppend[],
): AppendResult {
  // A retry of an earlier append is rare, so it is only looked for when something refuses this one.
  const retriedResult = (): AppendResult | undefined => {
    const stored = events.flatMap((event) => {
      const row = statements.eventById.get(tenantId, event.metadata.eventId);
      return row ? [toRecordedEvent(row)] : [];
    });
    return resolveRetriedAppend(streamId, events, stored);
  };

  const head = statements.streamHead.get(tenantId, streamId);
  try {
    checkExpectedRevision(streamId, expected, head?.revision);
  } catch (error) {
    // A retried command usually comes back with an expected revision its first attempt has made stale.
    const retried = retriedResult();
    if (retried) return retried;
    throw error;
  }
  if (events.length === 0) {
    return { nextExpectedRevision: head?.revision ?? -1, position: head ? formatPosition(head.position) : '0' };
  }
  try {
    return insertEvents(statements, streamId, tenantId, head, events);
  } catch (error) {
    // UNIQUE(tenant_id, event_id): these ids are stored already. Rows this attempt wrote are
    // still visible here, so a partial overlap resolves as a conflict and the savepoint rolls back.
    if (isDuplicateEventId(error)) {
      const retried = retriedResult();
      if (retried) return retried;
    }
    throw error;
  }
}

/** Seals the events after the stream's head and inserts them; a no-op reporting the head when there are none. */
function insertEvents(
  statements: Statements,
  streamId: string,
  tenantId: string,
  head: HeadRow | undefined,
  events: readonly EventToAppend[],
): AppendResult {
  if (events.length === 0) {
    return { nextExpectedRevision: head?.revision ?? -1, position: head ? formatPosition(head.position) : '0' };
  }
  const category = streamCategory(streamId);
  let position: number | bigint = 0;
  let revision = -1;
  for (const event of sealEvents(streamId, tenantId, head, events)) {
    const { metadata } = event;
    position = statements.insertEvent.run(
      tenantId,
      streamId,
      category,
      event.revision,
      metadata.eventId,
      event.type,
      JSON.stringify(event.data),
      JSON.stringify(metadata),
    ).lastInsertRowid;
    revision = event.revision;
  }
  return { nextExpectedRevision: revision, position: formatPosition(position) };
}

function isDuplicateEventId(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('event_id');
}

/** The stored result of a call whose events are already in the log (a retry), looked up before anything is written. */
function retriedAppend(statements: Statements, tenantId: string, appends: readonly StreamAppend[]): MultiStreamAppendResult | undefined {
  const stored = allEventIds(appends).flatMap((eventId) => {
    const row = statements.eventById.get(tenantId, eventId);
    return row ? [toRecordedEvent(row)] : [];
  });
  return resolveRetriedMultiAppend(appends, stored, comparePositions);
}

/**
 * Several appends in the same transaction (the group commit's savepoint), in the order given:
 * each part is checked against the head the parts before it left (their rows are visible in
 * this transaction), so a stream may come back (`appendInOrder`; `appendToStreams` names each stream once); the first refusal throws and
 * the rollback takes every row of the call with it. Stored ids are looked for before anything
 * is written, so rows of this very call can never pass for a retry.
 */
export function appendInOrderInTransaction(
  statements: Statements,
  tenantId: string,
  appends: readonly StreamAppend[],
): MultiStreamAppendResult {
  const retried = retriedAppend(statements, tenantId, appends);
  if (retried) return retried;
  const streams = appends.map((append) => {
    const head = statements.streamHead.get(tenantId, append.streamId);
    checkExpectedRevision(append.streamId, append.expectedRevision ?? 'any', head?.revision);
    return insertEvents(statements, append.streamId, tenantId, head, append.events);
  });
  return { streams, position: latestPosition(streams, comparePositions) };
}
