import { DomainError, StreamNotFoundError, type EventStore } from '@crm/shared/event-sourcing';

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
 * Refuses a command naming records that do not exist, before anything is recorded;
 * the error names every missing id so the caller can fix its input in one go.
 */
export async function requireAll(
  store: EventStore,
  ids: readonly string[],
  streamOf: (id: string) => string,
  tenantId: string,
  refusal: { readonly code: string; readonly what: string; readonly details?: Readonly<Record<string, unknown>> },
): Promise<void> {
  const missing = await missingIds(store, ids, streamOf, tenantId);
  if (missing.length > 0) {
    throw new DomainError(refusal.code, `No ${refusal.what} with id ${missing.join(', ')}`, { ...refusal.details, missingIds: missing });
  }
}

/** The addressed aggregate must exist: a 404 for it comes before any complaint about what the body names. */
export async function requireStream(store: EventStore, streamId: string, tenantId: string): Promise<void> {
  if ((await store.streamRevision(streamId, { tenantId })) === undefined) throw new StreamNotFoundError(streamId);
}
