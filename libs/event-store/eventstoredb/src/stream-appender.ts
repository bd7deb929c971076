import { BACKWARDS, END, type AppendResult as EsdbAppendResult, type EventStoreDBClient } from '@eventstore/db-client';
import {
  assertDistinctEventIds,
  checkExpectedRevision,
  resolveRetriedAppend,
  sealEvents,
  validateExpectedRevision,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
  type SealedEvent,
} from '@crm/shared/event-sourcing';
import type { EventIdIndex } from './event-index';
import { toEventData, toRecordedEvent } from './event-mapping';
import { KeyedLock } from './keyed-lock';
import { encodePosition, ORIGIN_POSITION } from './positions';
import { isWrongExpectedVersion, toEsdbExpectedRevision, toWrongExpectedRevision } from './revisions';
import type { StreamNames } from './stream-names';
import { readEventAt, readLastEvent, readStreamEvents } from './stream-reads';

interface Target {
  readonly name: string;
  readonly streamId: string;
  readonly tenantId: string;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The write path. The hash chain needs the previous event's hash, so every
 * attempt reads the stream head, checks the caller's expectation against it,
 * seals the events after it and appends at exactly that revision: if anyone
 * got in between, ESDB refuses and nothing is written, so a stored chain can
 * never fork. Only `any` and `stream_exists` are retried (bounded, with
 * jitter); an exact or `no_stream` expectation fails as the caller asked.
 *
 * The head is read from the server every time rather than cached: ESDB answers
 * a re-append of the same ids at the same revision with success even when its
 * content (say `occurredAt`) differs, so hashes computed here are not
 * necessarily the ones stored.
 */
export class StreamAppender {
  private readonly locks = new KeyedLock();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly names: StreamNames,
    private readonly index: EventIdIndex,
    private readonly attempts: number,
  ) {}

  async append(streamId: string, tenantId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    validateExpectedRevision(expected);
    assertDistinctEventIds(events);
    const target: Target = { name: this.names.stream(tenantId, streamId), streamId, tenantId };
    // One append per stream at a time in this process: no self-inflicted conflicts, and the index
    // entries of one append exist before the next append to the stream looks for them.
    return this.locks.run(target.name, () => this.appendInTurn(target, events, expected));
  }

  private async appendInTurn(target: Target, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    for (let attempt = 1; ; attempt += 1) {
      // The first attempt asks the index whether these ids are stored already, in parallel with the head read.
      const [stored, last] = await Promise.all([
        attempt === 1
          ? this.index.lookup(
              target.tenantId,
              events.map((event) => event.metadata.eventId),
            )
          : [],
        readLastEvent(this.client, target.name),
      ]);
      const retried = resolveRetriedAppend(target.streamId, events, stored);
      if (retried) return retried;
      const head = last && toRecordedEvent(last, target.streamId);
      const recovered = await this.recoverLandedAppend(target, events, head);
      if (recovered) return recovered;
      checkExpectedRevision(target.streamId, expected, head?.revision);
      if (events.length === 0) return { nextExpectedRevision: head?.revision ?? -1, position: head?.position ?? ORIGIN_POSITION };

      const sealed = sealEvents(target.streamId, target.tenantId, head && { revision: head.revision, hash: head.metadata.hash }, events);
      let result: EsdbAppendResult;
      try {
        result = await this.client.appendToStream(target.name, sealed.map(toEventData), {
          expectedRevision: toEsdbExpectedRevision(head?.revision ?? 'no_stream'),
        });
      } catch (error) {
        if (!isWrongExpectedVersion(error)) throw error;
        const retry = (expected === 'any' || expected === 'stream_exists') && attempt < this.attempts;
        if (!retry) throw toWrongExpectedRevision(target.streamId, expected, error);
        await pause(Math.random() * 2 ** Math.min(attempt, 6));
        continue;
      }
      await this.index.record(target.tenantId, sealed);
      return { nextExpectedRevision: Number(result.nextExpectedRevision), position: await this.positionOf(target, sealed, result) };
    }
  }

  /**
   * The head is one of the incoming events: an earlier attempt of this append
   * landed, but its index entries did not (it died in between) or it is a
   * twin racing us. Answer from what is stored and write the missing entries.
   */
  private async recoverLandedAppend(
    target: Target,
    events: readonly EventToAppend[],
    head: RecordedEvent | undefined,
  ): Promise<AppendResult | undefined> {
    const ids = new Set(events.map((event) => event.metadata.eventId));
    if (!head || !ids.has(head.metadata.eventId)) return undefined;
    const tail = await readStreamEvents(this.client, target.name, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: BigInt(events.length),
    });
    const stored = tail.map((event) => toRecordedEvent(event, target.streamId)).filter((event) => ids.has(event.metadata.eventId));
    const result = resolveRetriedAppend(target.streamId, events, stored);
    if (result) await this.index.record(target.tenantId, stored);
    return result;
  }

  private async positionOf(target: Target, sealed: readonly SealedEvent[], result: EsdbAppendResult): Promise<string> {
    if (result.position) return encodePosition(result.position);
    // Servers before 22.6 may omit it: read the last event back (by revision, not "the head", which may have moved).
    const revision = Number(result.nextExpectedRevision);
    const last = await readEventAt(this.client, target.name, revision);
    if (!last) throw new Error(`event ${sealed[sealed.length - 1]?.metadata.eventId} vanished from ${target.name}@${revision}`);
    return toRecordedEvent(last, target.streamId).position;
  }
}
