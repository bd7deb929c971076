import { ANY, NO_STREAM, type AppendStreamRequest, type AppendStreamState, type EventData } from '@kurrent/kurrentdb-client';
import type { AppendResult, RecordedEvent, SealedEvent } from '@crm/shared/event-sourcing';
import { assertAppendFits } from './append-size';
import { appended, type KurrentClient } from './client';
import type { EventIdIndex } from './event-index';
import { esdbEventId, toEventData, toRecordedEvent } from './event-mapping';
import { mapLimit } from './event-index';
import { encodePosition } from './positions';
import { exactStateAfter } from './revisions';
import { readEventAt } from './stream-reads';

/** One stream of an append, sealed after the head it was read at. */
export interface SealedPart {
  readonly name: string;
  readonly streamId: string;
  readonly head: RecordedEvent | undefined;
  readonly sealed: readonly SealedEvent[];
}

export interface WriteContext {
  readonly client: KurrentClient;
  readonly index: EventIdIndex;
  readonly tenantId: string;
  readonly maxAppendBytes: number;
  /** Revision of each event's index stream as last read (undefined: it does not exist). */
  readonly indexRevisions: ReadonlyMap<string, number | undefined>;
  /**
   * Every driver call after the first write of an attempt goes through this, so a lost reply can be told from a
   * refusal: the writes, and the read-back of what they wrote (a failure there leaves a written append unanswered).
   */
  send<T>(write: () => Promise<T>): Promise<T>;
}

const indexState = (revision: number | undefined): AppendStreamState => (revision === undefined ? NO_STREAM : BigInt(revision));

/**
 * KurrentDB 25.1+: the events of every stream and an `EventIndexed` entry per
 * event in one `multiStreamAppend`, each stream at the exact revision it was
 * read at. All of it is written or none; a lost reply followed by a retry of
 * the same request can land at most once, since both expect the same states.
 */
export async function writeAtomically(context: WriteContext, parts: readonly SealedPart[]): Promise<AppendResult[]> {
  const { index, tenantId } = context;
  const requests: AppendStreamRequest[] = parts.map((part) => ({
    streamName: part.name,
    events: part.sealed.map(toEventData),
    expectedState: exactStateAfter(part.head?.revision),
  }));
  for (const event of parts.flatMap((part) => part.sealed)) {
    requests.push({
      streamName: index.streamOf(tenantId, event.metadata.eventId),
      events: [index.entry(tenantId, 'EventIndexed', event)],
      expectedState: indexState(context.indexRevisions.get(event.metadata.eventId)),
    });
  }
  assertAppendFits(
    requests.flatMap((request) => request.events as EventData[]),
    context.maxAppendBytes,
  );
  await context.send(() => context.client.multiStreamAppend(requests));
  // The reply carries one log position for the whole append; each stream's result names its own last event.
  return Promise.all(parts.map((part) => resultOf(context, part)));
}

/**
 * Servers without multi-stream appends (EventStoreDB 24.x), one stream at a
 * time: a claim on the first event's index stream (where the append will go),
 * the events at exactly that revision, then an `EventIndexed` entry per event.
 * A retry finds a landed append through its claim before writing anything
 * (stream-appender.ts), and an earlier attempt whose reply was lost can only
 * land at the revision it claimed, the one a new attempt would write too: so
 * no crash point, lost reply or race can write a command's events twice, and
 * an `EventIndexed` entry never names an event that is not there.
 */
export async function writeStreamByStream(context: WriteContext, parts: readonly SealedPart[]): Promise<AppendResult[]> {
  const results: AppendResult[] = [];
  for (const part of parts) results.push(await writeOneStream(context, part));
  return results;
}

async function writeOneStream(context: WriteContext, part: SealedPart): Promise<AppendResult> {
  const { client, index, tenantId } = context;
  const events = part.sealed.map(toEventData);
  assertAppendFits(events, context.maxAppendBytes);
  const anchor = part.sealed[0] as SealedEvent;
  const anchorId = anchor.metadata.eventId;
  const claimStream = index.streamOf(tenantId, anchorId);
  const claimState = indexState(context.indexRevisions.get(anchorId));
  // `appended`: with `throwOnAppendFailure=false` the driver answers a refused expectation with `{ success: false }`.
  await context.send(async () =>
    appended(
      claimStream,
      claimState,
      await client.appendToStream(claimStream, index.entry(tenantId, 'EventClaimed', anchor), { streamState: claimState }),
    ),
  );
  const state = exactStateAfter(part.head?.revision);
  const written = await context.send(async () =>
    appended(part.name, state, await client.appendToStream(part.name, events, { streamState: state })),
  );
  await recordEntries(context, part.sealed);
  const last = part.sealed[part.sealed.length - 1] as SealedEvent;
  if (written.position) return { nextExpectedRevision: last.revision, position: encodePosition(written.position) };
  return resultOf(context, part);
}

/** `EventIndexed` entries for events that are stored; idempotent, so a retry may write them again. */
export async function recordEntries(context: WriteContext, events: readonly SealedEvent[] | readonly RecordedEvent[]): Promise<void> {
  const { client, index, tenantId } = context;
  await mapLimit(events, 16, (event) =>
    context.send(() =>
      client.appendToStream(index.streamOf(tenantId, event.metadata.eventId), index.entry(tenantId, 'EventIndexed', event), {
        streamState: ANY,
      }),
    ),
  );
}

/**
 * The last event of a part as stored, read back by revision (not "the head", which may have moved since), and
 * checked to be the one written. Through `send`: the append is written by now, so a read that fails is a reply
 * lost, which the appender looks at again (and finds the events through the index), not a failure of the command.
 */
async function resultOf(context: WriteContext, part: SealedPart): Promise<AppendResult> {
  const last = part.sealed[part.sealed.length - 1] as SealedEvent;
  const stored = await context.send(() => readEventAt(context.client, part.name, last.revision));
  if (!stored || stored.id.toLowerCase() !== esdbEventId(last.metadata.eventId)) {
    throw new Error(`event ${last.metadata.eventId} is not at ${part.name}@${last.revision} after its append`);
  }
  return { nextExpectedRevision: last.revision, position: toRecordedEvent(stored, part.streamId).position };
}
