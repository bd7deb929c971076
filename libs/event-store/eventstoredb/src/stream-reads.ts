import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  StreamNotFoundError as EsdbStreamNotFoundError,
  type ReadStreamOptions as EsdbReadStreamOptions,
  type RecordedEvent as EsdbRecordedEvent,
} from '@kurrent/kurrentdb-client';
import type { ReadStreamOptions } from '@crm/shared/event-sourcing';
import { isTombstoned, toReadError, type KurrentClient } from './client';

/**
 * A stream read where "no such stream" is simply no events, as the port has
 * it. A hard-deleted (tombstoned) stream throws the driver's error unless
 * `deleted` is 'empty': the index and snapshot streams of a deleted stream
 * are as good as absent, while a domain stream's caller must learn of it.
 * A node out of reach or not answering is the kernel's StoreUnavailableError
 * (client.ts toReadError): passing, where the driver's own error says nothing
 * the kernel can recognise.
 */
export async function readStreamEvents(
  client: KurrentClient,
  name: string,
  options: EsdbReadStreamOptions,
  deleted: 'throw' | 'empty' = 'empty',
): Promise<EsdbRecordedEvent[]> {
  const events: EsdbRecordedEvent[] = [];
  try {
    for await (const resolved of client.readStream(name, options)) {
      if (resolved.event) events.push(resolved.event);
    }
  } catch (error) {
    if (error instanceof EsdbStreamNotFoundError) return [];
    if (isTombstoned(error) && deleted === 'empty') return [];
    throw toReadError(error);
  }
  return events;
}

/*
 * Heads and single events are what the write path reads before a write (the head it seals after) and after one (the
 * event it wrote): from the leader, so that a connection preferring followers (`nodePreference=follower`) cannot read
 * a head behind its own write, or report a write that landed as missing.
 */

export async function readLastEvent(
  client: KurrentClient,
  name: string,
  deleted: 'throw' | 'empty' = 'empty',
): Promise<EsdbRecordedEvent | undefined> {
  const [last] = await readStreamEvents(
    client,
    name,
    { direction: BACKWARDS, fromRevision: END, maxCount: 1, requiresLeader: true },
    deleted,
  );
  return last;
}

export async function readEventAt(client: KurrentClient, name: string, revision: number): Promise<EsdbRecordedEvent | undefined> {
  const [event] = await readStreamEvents(client, name, {
    direction: FORWARDS,
    fromRevision: BigInt(revision),
    maxCount: 1,
    requiresLeader: true,
  });
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
