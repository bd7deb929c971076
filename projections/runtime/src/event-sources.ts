import type { EventStore, ReadAllOptions, ReadAllSlice } from '@crm/shared/event-sourcing';
import { innerStore, personalDataLayer } from '@crm/shared/personal-data';
import type { AnyProjection } from '@crm/shared/read-model';

/**
 * Where a projection reads its events: as stored when it reads no personal field (`readsPersonalData: false`),
 * so no data key is looked up and nothing decrypted for it; through the personal-data layer, opened, otherwise.
 */
export function eventSourceOf(eventStore: EventStore, projection: AnyProjection): EventStore {
  return projection.readsPersonalData === false ? innerStore(eventStore) : eventStore;
}

/**
 * `readAll` for one scan that feeds several projections (a rebuild of many): the pages as stored, with only the
 * events of the types some projection that reads personal data handles opened. A projection that reads none may
 * still be handed an opened event (another one needed it); it does not look at those fields either way.
 */
export function scanReaderOf(
  eventStore: EventStore,
  projections: readonly AnyProjection[],
): (options: ReadAllOptions) => Promise<ReadAllSlice> {
  const layer = personalDataLayer(eventStore);
  const readers = projections.filter((projection) => projection.readsPersonalData !== false);
  if (!layer || readers.length === projections.length) return (options) => eventStore.readAll(options);
  const { inner } = layer;
  if (readers.length === 0) return (options) => inner.readAll(options);
  const opened = new Set<string>(readers.flatMap((projection) => projection.eventTypes));
  return async (options) => {
    const slice = await inner.readAll(options);
    return { ...slice, events: await layer.openAll(slice.events, (event) => opened.has(event.type)) };
  };
}
