import { FORWARDS, jsonEvent, NO_STREAM, START, type EventStoreDBClient } from '@eventstore/db-client';
import { IdempotencyConflictError, type RecordedEvent } from '@crm/shared/event-sourcing';
import { uuidV5 } from '@crm/shared/kernel';
import { tryToRecordedEvent } from './event-mapping';
import { isWrongExpectedVersion } from './revisions';
import type { StreamNames } from './stream-names';
import { readEventAt, readStreamEvents } from './stream-reads';

/**
 * ESDB has no lookup by event id, and its own deduplication only covers the
 * same ids appended again at the same expected revision. `findEvent` and the
 * retry/conflict rules of `resolveRetriedAppend` need more, so every appended
 * event gets a one-event stream `crm~eventid-{tenant}~{eventId}` holding its
 * (streamId, revision). The store writes these entries right after the
 * events, before the append returns and before the next in-process append to
 * that stream starts. What that guarantees:
 *  - an event is findable as soon as the append that wrote it has returned;
 *  - a retried append that finds its ids is answered from the first result,
 *    and one that overlaps partially or targets another stream is refused;
 *  - an append that died between its events and their entries is repaired by
 *    its retry while those events are still the stream's head (see the store);
 * and what it does not:
 *  - two concurrent appends of the same ids to different streams can both
 *    land; the later one learns of it when writing its entries and fails with
 *    IdempotencyConflictError, but its events stay (ESDB cannot take them back).
 */
export interface IndexedEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly metadata: { readonly eventId: string; readonly commandId: string };
}

interface IndexEntry {
  readonly streamId: string;
  readonly revision: number;
}

function isIndexEntry(data: unknown): data is IndexEntry {
  const entry = data as Partial<IndexEntry> | null;
  return typeof entry === 'object' && entry !== null && typeof entry.streamId === 'string' && Number.isSafeInteger(entry.revision);
}

/** Runs `task` over `items`, at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export class EventIdIndex {
  constructor(
    private readonly client: EventStoreDBClient,
    private readonly names: StreamNames,
    private readonly concurrency = 32,
  ) {}

  async find(tenantId: string, eventId: string): Promise<RecordedEvent | undefined> {
    const [entry] = await readStreamEvents(this.client, this.names.eventIndex(tenantId, eventId), {
      direction: FORWARDS,
      fromRevision: START,
      maxCount: 1,
    });
    if (!entry || !isIndexEntry(entry.data)) return undefined;
    const { streamId, revision } = entry.data;
    const stored = await readEventAt(this.client, this.names.stream(tenantId, streamId), revision);
    const event = stored && tryToRecordedEvent(stored, streamId);
    // An entry whose event is gone (stream deleted) finds nothing rather than something else.
    return event && event.metadata.eventId === eventId && event.metadata.tenantId === tenantId ? event : undefined;
  }

  async lookup(tenantId: string, eventIds: readonly string[]): Promise<RecordedEvent[]> {
    const found = await mapLimit(eventIds, this.concurrency, (eventId) => this.find(tenantId, eventId));
    return found.filter((event): event is RecordedEvent => event !== undefined);
  }

  async record(tenantId: string, events: readonly IndexedEvent[]): Promise<void> {
    await mapLimit(events, this.concurrency, (event) => this.recordOne(tenantId, event));
  }

  private async recordOne(tenantId: string, event: IndexedEvent): Promise<void> {
    const { streamId, revision } = event;
    const eventId = event.metadata.eventId;
    // The entry's id is derived from its content: writing the same entry again is ESDB-idempotent,
    // while an entry for the same event id elsewhere is a WrongExpectedVersion on NO_STREAM.
    const entry = jsonEvent({
      id: uuidV5(`eventstoredb-index/${tenantId}/${eventId}/${streamId}/${revision}`),
      type: 'EventIndexed',
      data: { streamId, revision },
    });
    try {
      await this.client.appendToStream(this.names.eventIndex(tenantId, eventId), entry, { expectedRevision: NO_STREAM });
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error;
      const existing = await this.find(tenantId, eventId);
      if (existing?.streamId !== streamId || existing.revision !== revision) throw new IdempotencyConflictError(event.metadata.commandId);
    }
  }
}
