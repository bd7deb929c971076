import {
  checkExpectedRevision,
  resolveRetriedAppend,
  sealEvents,
  streamCategory,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
} from '@crm/shared/event-sourcing';
import { formatPosition } from './positions';
import { toRecordedEvent, type Statements } from './statements';

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
  const category = streamCategory(streamId);
  let position: number | bigint = 0;
  let revision = -1;
  try {
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
  } catch (error) {
    // UNIQUE(tenant_id, event_id): these ids are stored already. Rows this attempt wrote are
    // still visible here, so a partial overlap resolves as a conflict and the savepoint rolls back.
    if (isDuplicateEventId(error)) {
      const retried = retriedResult();
      if (retried) return retried;
    }
    throw error;
  }
  return { nextExpectedRevision: revision, position: formatPosition(position) };
}

function isDuplicateEventId(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('event_id');
}
