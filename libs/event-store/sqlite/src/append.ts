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
  const stored = events.flatMap((event) => {
    const row = statements.eventById.get(tenantId, event.metadata.eventId);
    return row ? [toRecordedEvent(row)] : [];
  });
  const retried = resolveRetriedAppend(streamId, events, stored);
  if (retried) return retried;

  const head = statements.streamHead.get(tenantId, streamId);
  checkExpectedRevision(streamId, expected, head?.revision);
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
