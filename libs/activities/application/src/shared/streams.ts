import { DomainError, streamIdOf, type EventStore } from '@crm/shared/event-sourcing';
import type { Regarding } from '@crm/activities/domain';

/** Stream ids of the activities aggregates, `{category}-{id}` as API.md names them. */
export const activityStream = (activityId: string): string => streamIdOf('activity', activityId);
export const interactionStream = (interactionId: string): string => streamIdOf('interaction', interactionId);

/**
 * The record an activity or interaction is about must exist: its stream is `{type}-{id}`
 * (regarding types are stream categories). Unknown, it is bad input naming the field
 * and the record, checked before anything is recorded.
 */
export async function requireRegarding(store: EventStore, regarding: Regarding, tenantId: string, prefix: string): Promise<void> {
  const streamId = streamIdOf(regarding.type, regarding.id);
  if ((await store.streamRevision(streamId, { tenantId })) === undefined) {
    throw new DomainError(`${prefix}.UNKNOWN_REGARDING`, `regarding ${regarding.type} ${regarding.id} does not exist`, {
      fields: ['regarding'],
      regarding,
    });
  }
}
