import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  StreamNotFoundError as EsdbStreamNotFoundError,
  type EventStoreDBClient,
  type ReadStreamOptions as EsdbReadStreamOptions,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import type { ReadStreamOptions } from '@crm/shared/event-sourcing';

/** A stream read where "no such stream" is simply no events, as the port has it. */
export async function readStreamEvents(
  client: EventStoreDBClient,
  name: string,
  options: EsdbReadStreamOptions,
): Promise<EsdbRecordedEvent[]> {
  const events: EsdbRecordedEvent[] = [];
  try {
    for await (const resolved of client.readStream(name, options)) {
      if (resolved.event) events.push(resolved.event);
    }
  } catch (error) {
    if (error instanceof EsdbStreamNotFoundError) return [];
    throw error;
  }
  return events;
}

export async function readLastEvent(client: EventStoreDBClient, name: string): Promise<EsdbRecordedEvent | undefined> {
  const [last] = await readStreamEvents(client, name, { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
  return last;
}

export async function readEventAt(client: EventStoreDBClient, name: string, revision: number): Promise<EsdbRecordedEvent | undefined> {
  const [event] = await readStreamEvents(client, name, { direction: FORWARDS, fromRevision: BigInt(revision), maxCount: 1 });
  return event !== undefined && Number(event.revision) === revision ? event : undefined;
}

/** The port's stream read options in the driver's terms; revisions are BigInt on the wire. */
export function toEsdbReadOptions(options: ReadStreamOptions | undefined): EsdbReadStreamOptions {
  const backwards = options?.direction === 'backwards';
  const from = options?.fromRevision;
  return {
    direction: backwards ? BACKWARDS : FORWARDS,
    fromRevision: from === undefined ? (backwards ? END : START) : BigInt(from),
    ...(options?.maxCount === undefined ? {} : { maxCount: BigInt(options.maxCount) }),
  };
}
