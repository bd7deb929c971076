import { BACKWARDS, END, jsonEvent, type EventData } from '@kurrent/kurrentdb-client';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { uuidV5 } from '@crm/shared/kernel';
import type { KurrentClient } from './client';
import { tryToRecordedEvent } from './event-mapping';
import type { StreamNames } from './stream-names';
import { readEventAt, readStreamEvents } from './stream-reads';

/**
 * KurrentDB has no lookup by event id, and its own deduplication only covers
 * the same ids appended again at the same expected revision. `findEvent` and
 * the retry rules need more, so every event gets a small stream
 * `crm~eventid-{tenant}~{eventId}` saying where it is: (streamId, revision).
 *
 * On KurrentDB 25.1+ the entries are written in the same atomic multi-stream
 * append as the events (an `EventIndexed` per event, expecting no stream):
 * an entry exists exactly when its event does, and an id already in use makes
 * the whole append fail. On servers without multi-stream appends (24.x) the
 * appender first writes an `EventClaimed` entry (where the first event of the
 * append will go), then the events, then `EventIndexed` entries (see
 * stream-appender.ts): a claim is an intent that `find` verifies, never an
 * answer by itself, and an `EventIndexed` entry only ever follows its event.
 *
 * The index is read before every append attempt (whether the events are
 * stored, and the revision the next entry must expect): from the leader, like
 * the heads the appender seals after (stream-reads.ts), so that a connection
 * preferring followers cannot miss an entry its own last attempt wrote.
 */
export type EntryKind = 'EventIndexed' | 'EventClaimed';

export interface IndexEntry {
  readonly kind: EntryKind;
  readonly streamId: string;
  readonly revision: number;
}

export interface IndexedEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly metadata: { readonly eventId: string };
}

function entryOf(type: string, data: unknown): IndexEntry | undefined {
  if (type !== 'EventIndexed' && type !== 'EventClaimed') return undefined;
  const entry = data as Partial<IndexEntry> | null;
  if (typeof entry !== 'object' || entry === null || typeof entry.streamId !== 'string' || !Number.isSafeInteger(entry.revision))
    return undefined;
  return { kind: type, streamId: entry.streamId, revision: entry.revision as number };
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
    private readonly client: KurrentClient,
    private readonly names: StreamNames,
    private readonly concurrency = 32,
  ) {}

  streamOf(tenantId: string, eventId: string): string {
    return this.names.eventIndex(tenantId, eventId);
  }

  /** The entry for one event, as written beside it; its id follows from its content, so writing it again is idempotent. */
  entry(tenantId: string, kind: EntryKind, event: IndexedEvent): EventData {
    const { streamId, revision } = event;
    const eventId = event.metadata.eventId;
    const id = uuidV5(`eventstoredb-index/${tenantId}/${eventId}/${streamId}/${revision}${kind === 'EventClaimed' ? '/claim' : ''}`);
    return jsonEvent({ id, type: kind, data: { streamId, revision } });
  }

  /** Every entry of an event's index stream, newest first, and the stream's revision (undefined: none yet). */
  async entries(tenantId: string, eventId: string): Promise<{ entries: IndexEntry[]; revision: number | undefined }> {
    const stored = await readStreamEvents(this.client, this.streamOf(tenantId, eventId), {
      direction: BACKWARDS,
      fromRevision: END,
      requiresLeader: true,
    });
    const entries = stored.flatMap((event) => entryOf(event.type, event.data) ?? []);
    return { entries, revision: stored[0] === undefined ? undefined : Number(stored[0].revision) };
  }

  /** The event with this id, wherever an entry says it is and it really is; claims that did not land find nothing. */
  async find(tenantId: string, eventId: string): Promise<RecordedEvent | undefined> {
    return (await this.inspect(tenantId, [eventId])).stored[0];
  }

  /**
   * The stored events among `eventIds`, and each index stream's revision (what
   * the next entry must expect). An append that landed on a server without
   * multi-stream appends may lack the entries of all but its first event (it
   * died before writing them): the events after a found one, in its stream,
   * are read to fill them in.
   */
  async inspect(
    tenantId: string,
    eventIds: readonly string[],
  ): Promise<{ stored: RecordedEvent[]; revisions: Map<string, number | undefined> }> {
    const revisions = new Map<string, number | undefined>();
    const found = await mapLimit(eventIds, this.concurrency, async (eventId) => {
      const { entries, revision } = await this.entries(tenantId, eventId);
      revisions.set(eventId, revision);
      for (const entry of entries) {
        const event = await this.eventAt(tenantId, entry.streamId, entry.revision);
        if (event && event.metadata.eventId === eventId && event.metadata.tenantId === tenantId) return event;
      }
      return undefined;
    });
    const wanted = new Set(eventIds);
    const byId = new Map(found.flatMap((event) => (event ? [[event.metadata.eventId, event] as const] : [])));
    if (byId.size === 0 || byId.size === wanted.size) return { stored: [...byId.values()], revisions };
    for (const event of [...byId.values()]) {
      const following = await readStreamEvents(this.client, this.names.stream(tenantId, event.streamId), {
        fromRevision: BigInt(event.revision),
        maxCount: BigInt(eventIds.length),
        requiresLeader: true,
      });
      for (const raw of following) {
        const recorded = tryToRecordedEvent(raw, event.streamId);
        if (recorded && wanted.has(recorded.metadata.eventId) && recorded.metadata.tenantId === tenantId) {
          byId.set(recorded.metadata.eventId, recorded);
        }
      }
    }
    return { stored: [...byId.values()], revisions };
  }

  private async eventAt(tenantId: string, streamId: string, revision: number): Promise<RecordedEvent | undefined> {
    const stored = await readEventAt(this.client, this.names.stream(tenantId, streamId), revision);
    return stored && tryToRecordedEvent(stored, streamId);
  }
}
