import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { foldEvents, InMemoryReadStore, type AnyProjection, type DocumentRecord } from '@crm/shared/read-model';

/**
 * Each projection's documents for a history, folded batch by batch, each batch
 * starting from what the ones before left (through JSON, as a store hands it
 * back), as the runner does; under the projections' logical collection names.
 */
export async function foldInBatches(
  projections: readonly AnyProjection[],
  events: readonly RecordedEvent[],
  size: number,
): Promise<InMemoryReadStore> {
  const store = new InMemoryReadStore();
  const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
  for (const projection of projections) {
    const handled = events.filter((event) => projection.eventTypes.includes(event.type));
    const documents = new Map<string, DocumentRecord<object>>();
    for (let start = 0; start < handled.length; start += size) {
      const folded = foldEvents(projection, documents, handled.slice(start, start + size), compare);
      if (folded.failure) throw folded.failure.error;
      for (const [id, record] of folded.changed) {
        if (record) documents.set(id, JSON.parse(JSON.stringify(record)) as DocumentRecord<object>);
        else documents.delete(id);
      }
    }
    await store.transaction((tx) => documents.forEach((record, id) => tx.put(projection.collection, id, record.doc, record.position)));
  }
  return store;
}
