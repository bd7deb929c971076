import { DomainError, streamIdOf, type EventStore } from '@crm/shared/event-sourcing';
import type { Regarding } from '@crm/activities/domain';
import { NOT_FOUND, type RecordCategory } from '@crm/shared/kernel';

/** Stream ids of the activities aggregates, `{category}-{id}` as API.md names them. */
export const activityStream = (activityId: string): string => streamIdOf('activity', activityId);
export const interactionStream = (interactionId: string): string => streamIdOf('interaction', interactionId);

/**
 * The record an activity or interaction is about must exist: its stream is `{type}-{id}`
 * (regarding types are stream categories). Unknown, it is refused as every reference is,
 * checked before anything is recorded.
 */
export async function requireRegarding(store: EventStore, regarding: Regarding, tenantId: string): Promise<void> {
  await requireReference(store, regarding.type, regarding.id, tenantId, 'regarding.id');
}

/** The one rule for references (docs/contract.md): an unknown record is 404 with its own NOT_FOUND code, naming the field. */
export async function requireReference(
  store: EventStore,
  category: RecordCategory,
  id: string,
  tenantId: string,
  field: string,
): Promise<void> {
  if ((await store.streamRevision(streamIdOf(category, id), { tenantId })) === undefined) {
    throw new DomainError(NOT_FOUND[category], `${category} ${id} does not exist`, { fields: [field], id });
  }
}
