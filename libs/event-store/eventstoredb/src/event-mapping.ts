import {
  jsonEvent,
  type AllStreamResolvedEvent,
  type EventData,
  type JSONType,
  type RecordedEvent as EsdbRecordedEvent,
} from '@kurrent/kurrentdb-client';
import type { EventMetadata, RecordedEvent, SealedEvent } from '@crm/shared/event-sourcing';
import { isUuid, uuidV5 } from '@crm/shared/kernel';
import { decodeMetadata, encodeMetadata } from './metadata-codec';
import { encodePosition } from './positions';
import type { StreamNames } from './stream-names';

/**
 * ESDB requires UUID event ids and deduplicates appends by them, so our event
 * id is the ESDB id whenever it is a UUID (it is, for ids derived from command
 * ids); any other id is mapped to a name-based UUID, which keeps it stable.
 */
export function esdbEventId(eventId: string): string {
  return isUuid(eventId) ? eventId.toLowerCase() : uuidV5(`eventstoredb-event/${eventId}`);
}

/**
 * The envelope travels as string-valued metadata (metadata-codec.ts), plus
 * `$correlationId` and `$causationId`, the names KurrentDB's own
 * `$by_correlation_id` projection reads.
 */
export function toEventData(event: SealedEvent): EventData {
  const m = event.metadata;
  return jsonEvent({
    id: esdbEventId(m.eventId),
    type: event.type,
    data: event.data as JSONType,
    metadata: { ...encodeMetadata(m), $correlationId: m.correlationId, $causationId: m.causationId },
  });
}

/** Our envelope out of KurrentDB metadata, or undefined when the event was not written by this adapter. */
export function readMetadata(raw: unknown): EventMetadata | undefined {
  return decodeMetadata(raw);
}

/** Undefined when the ESDB event is not one of ours (binary, foreign metadata, no data object). */
export function tryToRecordedEvent(event: EsdbRecordedEvent, streamId: string): RecordedEvent | undefined {
  const metadata = readMetadata(event.metadata);
  if (!event.isJson || metadata === undefined || typeof event.data !== 'object' || event.data === null) return undefined;
  if (!event.position) {
    throw new Error('EventStoreDB did not return event positions on a stream read; the adapter needs server 22.6 or later');
  }
  return {
    streamId,
    type: event.type,
    data: event.data as RecordedEvent['data'],
    revision: Number(event.revision),
    position: encodePosition(event.position),
    metadata,
  };
}

/** For reads of a stream we own: anything but our own events there is corruption, not noise. */
export function toRecordedEvent(event: EsdbRecordedEvent, streamId: string): RecordedEvent {
  const recorded = tryToRecordedEvent(event, streamId);
  if (!recorded) throw new Error(`event ${event.id} in ${event.streamId}@${event.revision} was not written by this event store`);
  return recorded;
}

/**
 * Whether a `$all` event belongs to this store's view: a domain stream in its
 * scope (not system, internal, foreign or another prefix), with our envelope.
 * Undefined means "invisible": neither delivered nor used as a checkpoint.
 */
export function visibleEvent(resolved: AllStreamResolvedEvent, names: StreamNames): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || event.type.startsWith('$')) return undefined;
  const identity = names.parse(event.streamId);
  if (!identity) return undefined;
  const recorded = tryToRecordedEvent(event, identity.streamId);
  return recorded && recorded.metadata.tenantId === identity.tenantId ? recorded : undefined;
}
