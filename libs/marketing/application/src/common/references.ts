import { DomainError, type EventStore } from '@crm/shared/event-sourcing';
import { NOT_FOUND, type RecordCategory } from '@crm/shared/kernel';

/** Enough lookups in flight to hide a server round trip, few enough not to swamp a connection pool. */
const LOOKUPS_IN_FLIGHT = 25;

/** Of these ids, those whose stream has no events, in the order given. */
export async function missingIds(
  store: EventStore,
  ids: readonly string[],
  streamOf: (id: string) => string,
  tenantId: string,
): Promise<string[]> {
  const missing: string[] = [];
  for (let from = 0; from < ids.length; from += LOOKUPS_IN_FLIGHT) {
    const batch = ids.slice(from, from + LOOKUPS_IN_FLIGHT);
    const revisions = await Promise.all(batch.map((id) => store.streamRevision(streamOf(id), { tenantId })));
    batch.forEach((id, index) => {
      if (revisions[index] === undefined) missing.push(id);
    });
  }
  return missing;
}

/**
 * Refuses a command naming records that do not exist, before anything is recorded:
 * 404 with the record's own NOT_FOUND code (the one rule for references), naming
 * the field and every missing id so the caller can fix its input in one go.
 */
export async function requireAll(
  store: EventStore,
  ids: readonly string[],
  category: RecordCategory,
  tenantId: string,
  field: string,
): Promise<void> {
  const missing = await missingIds(store, ids, (id) => `${category}-${id}`, tenantId);
  if (missing.length > 0) {
    throw new DomainError(NOT_FOUND[category], `No ${category} with id ${missing.join(', ')}`, { fields: [field], missingIds: missing });
  }
}

/** The addressed aggregate must exist: a 404 for it comes before any complaint about what the body names. */
export async function requireStream(store: EventStore, category: RecordCategory, id: string, tenantId: string): Promise<void> {
  if ((await store.streamRevision(`${category}-${id}`, { tenantId })) === undefined) {
    throw new DomainError(NOT_FOUND[category], `No ${category} with id ${id}`, { id });
  }
}
