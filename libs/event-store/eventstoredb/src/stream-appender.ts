import { UnsupportedError } from '@kurrent/kurrentdb-client';
import { StoreUnavailableError } from '@crm/shared/kernel';
import {
  allEventIds,
  AppendOutcomeUnknownError,
  AppendTooLargeError,
  assertDistinctEventIds,
  checkExpectedRevision,
  KeyedLock,
  latestPosition,
  resolveRetriedAppend,
  resolveRetriedMultiAppend,
  resolveRetriedParts,
  sealEvents,
  StreamDeletedError,
  validateExpectedRevision,
  validateMultiAppend,
  type AppendResult,
  type EventToAppend,
  type ExpectedRevision,
  type MultiStreamAppendResult,
  type RecordedEvent,
  type StreamAppend,
} from '@crm/shared/event-sourcing';
import { recordEntries, writeAtomically, writeStreamByStream, type SealedPart, type WriteContext } from './append-writes';
import { isDefiniteRefusal, isPassingFailure, isTombstoned, isTooLarge, toStoreError, type KurrentClient } from './client';
import type { EventIdIndex } from './event-index';
import { toRecordedEvent } from './event-mapping';
import { comparePositions, ORIGIN_POSITION } from './positions';
import { isWrongExpectedVersion, toWrongExpectedRevision } from './revisions';
import type { StreamNames } from './stream-names';
import { readLastEvent } from './stream-reads';

export interface AppenderOptions {
  /** Attempts of an `any` / `stream_exists` append that keeps losing races to other writers. */
  readonly attempts: number;
  /** Retries after a write whose reply was lost, before answering "outcome unknown". */
  readonly unknownOutcomeRetries: number;
  readonly retryDelayMs: number;
  readonly maxAppendBytes: number;
  /** 'auto': atomic multi-stream appends when the server has them (25.1+), stream by stream otherwise. */
  readonly multiStreamAppend: 'auto' | 'atomic' | 'stream-by-stream';
}

interface Part {
  readonly name: string;
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedRevision;
}

/** A write whose reply never came: the server may or may not have carried it out. */
class LostReply extends Error {
  constructor(override readonly cause: unknown) {
    super('the store did not answer a write');
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The write path. The hash chain needs the previous event's hash, so every
 * attempt reads each stream's head, checks the caller's expectation, seals
 * the events after it and writes at exactly that revision: if anyone got in
 * between, the server refuses and nothing is written, so a stored chain can
 * never fork. Every attempt first asks the event-id index whether the events
 * are stored already, which is what makes retries safe:
 *  - a retry of a command that landed gets the first result (or a conflict);
 *  - a write whose reply was lost (connection, deadline, leader change) is
 *    tried again the same way, so the caller learns the true outcome; only
 *    when the store stays unreachable does it hear "outcome unknown" (503),
 *    and its own retry with the same command id is then safe too.
 */
export class StreamAppender {
  private readonly locks = new KeyedLock();
  private atomic: boolean | undefined;

  constructor(
    private readonly client: KurrentClient,
    private readonly names: StreamNames,
    private readonly index: EventIdIndex,
    private readonly options: AppenderOptions,
  ) {
    this.atomic = options.multiStreamAppend === 'auto' ? undefined : options.multiStreamAppend === 'atomic';
  }

  async append(streamId: string, tenantId: string, events: readonly EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    validateExpectedRevision(expected);
    assertDistinctEventIds(events);
    const part: Part = { name: this.names.stream(tenantId, streamId), streamId, events, expected };
    const results = await this.run(tenantId, [part], (stored) => {
      const retried = resolveRetriedAppend(streamId, events, stored);
      return retried && [retried];
    });
    return results[0] as AppendResult;
  }

  async appendMany(tenantId: string, appends: readonly StreamAppend[]): Promise<MultiStreamAppendResult> {
    validateMultiAppend(appends, tenantId);
    const parts = appends.map((append): Part => ({
      name: this.names.stream(tenantId, append.streamId),
      streamId: append.streamId,
      events: append.events,
      expected: append.expectedRevision ?? 'any',
    }));
    const streams = await this.run(tenantId, parts, (stored) => resolveRetriedMultiAppend(appends, stored, comparePositions)?.streams);
    return { streams, position: latestPosition(streams, comparePositions) };
  }

  /** One append per stream at a time in this process (no self-inflicted conflicts); other processes race, and exact revisions settle it. */
  private run(
    tenantId: string,
    parts: readonly Part[],
    retried: (stored: readonly RecordedEvent[]) => readonly AppendResult[] | undefined,
  ) {
    const names = [...new Set(parts.map((part) => part.name))].sort();
    const locked = names.reduceRight<() => Promise<AppendResult[]>>(
      (inner, name) => () => this.locks.run(name, inner),
      () => this.attempt(tenantId, parts, retried),
    );
    return locked();
  }

  private async attempt(
    tenantId: string,
    parts: readonly Part[],
    retried: (stored: readonly RecordedEvent[]) => readonly AppendResult[] | undefined,
  ): Promise<AppendResult[]> {
    const ids = allEventIds(parts.map((part) => ({ streamId: part.streamId, events: part.events })));
    let unknown: LostReply | undefined;
    let races = 0;
    let lostReplies = 0;
    for (;;) {
      try {
        const { stored, revisions } = await this.index.inspect(tenantId, ids);
        const context = this.context(tenantId, revisions);
        // Stream by stream (a server without multi-stream appends, or one not yet asked), an append may have stopped
        // between two streams: a crash, or another writer moving the next stream on. The streams it wrote are done, and
        // the others are written now, each checked against the caller's expectation. Before, such an append was taken
        // for a conflict, and no retry could ever complete it.
        const done = parts.length > 1 && this.atomic !== true ? resolveRetriedParts(parts, stored) : [];
        const found = done.length > 0 ? (done.every((result) => result !== undefined) ? done : undefined) : retried(stored);
        if (found) {
          // Landed earlier: on a server without multi-stream appends its entries may still be missing.
          if (this.atomic !== true) await recordEntries(context, stored);
          return [...found];
        }
        if (done.some((result) => result !== undefined)) await recordEntries(context, stored);
        const pending = parts.filter((_, i) => done[i] === undefined);
        const heads = await Promise.all(pending.map((part) => this.headOf(part)));
        pending.forEach((part, i) => checkExpectedRevision(part.streamId, part.expected, heads[i]?.revision));
        if (ids.length === 0) {
          return heads.map((head) => ({ nextExpectedRevision: head?.revision ?? -1, position: head?.position ?? ORIGIN_POSITION }));
        }
        const sealed: SealedPart[] = pending.map((part, i) => {
          const head = heads[i];
          const chainHead = head && { revision: head.revision, hash: head.metadata.hash };
          return { name: part.name, streamId: part.streamId, head, sealed: sealEvents(part.streamId, tenantId, chainHead, part.events) };
        });
        const written = await this.write(context, sealed);
        return parts.map((_, i) => done[i] ?? (written.shift() as AppendResult));
      } catch (error) {
        if (error instanceof LostReply || (unknown && !isDefiniteRefusal(error) && !isPortError(error))) {
          unknown = error instanceof LostReply ? error : unknown;
          if (lostReplies++ < this.options.unknownOutcomeRetries) {
            await pause(this.options.retryDelayMs * 4 ** (lostReplies - 1));
            continue;
          }
          throw new AppendOutcomeUnknownError(
            parts.map((part) => part.streamId),
            error instanceof LostReply ? error.cause : error,
          );
        }
        // Nothing of this attempt was written: a follower refused to write (an election moved the leader; the driver
        // reconnects to the new one), or a read before the writes found the store out of reach. Look again, a few times.
        if (isPassing(error) && lostReplies++ < this.options.unknownOutcomeRetries) {
          await pause(this.options.retryDelayMs * 4 ** (lostReplies - 1));
          continue;
        }
        if (isWrongExpectedVersion(error) && races++ < this.options.attempts) {
          // Someone wrote in between (or our own lost write landed): look again; an exact expectation then refuses.
          await pause(Math.random() * 2 ** Math.min(races, 6));
          continue;
        }
        throw this.translate(error, parts, unknown);
      }
    }
  }

  private async write(context: WriteContext, parts: readonly SealedPart[]): Promise<AppendResult[]> {
    if (this.atomic !== false) {
      try {
        const results = await writeAtomically(context, parts);
        this.atomic = true;
        return results;
      } catch (error) {
        if (!(error instanceof UnsupportedError) || this.atomic === true) throw error;
        // EventStoreDB before 25.1: no multi-stream appends; the fallback keeps every retry safe, but not several streams atomic.
        this.atomic = false;
      }
    }
    return writeStreamByStream(context, parts);
  }

  private context(tenantId: string, indexRevisions: ReadonlyMap<string, number | undefined>): WriteContext {
    return {
      client: this.client,
      index: this.index,
      tenantId,
      maxAppendBytes: this.options.maxAppendBytes,
      indexRevisions,
      send: async (write) => {
        try {
          return await write();
        } catch (error) {
          throw isDefiniteRefusal(error) || error instanceof UnsupportedError ? error : new LostReply(error);
        }
      },
    };
  }

  private async headOf(part: Part): Promise<RecordedEvent | undefined> {
    const last = await readLastEvent(this.client, part.name, 'throw');
    return last && toRecordedEvent(last, part.streamId);
  }

  private translate(error: unknown, parts: readonly Part[], unknown: LostReply | undefined): unknown {
    if (isPassing(error)) {
      // Out of reach still. After a lost reply the earlier write may have landed: the caller hears "outcome unknown";
      // else nothing was written, and the store is simply unavailable for now (503, Retry-After; the kernel's passing error).
      const streamIds = parts.map((part) => part.streamId);
      return unknown ? new AppendOutcomeUnknownError(streamIds, error) : toStoreError(error);
    }
    if (isTombstoned(error)) {
      const named = (error as { streamName?: string; stream?: string }).streamName ?? (error as { stream?: string }).stream;
      return new StreamDeletedError((parts.find((part) => part.name === named) ?? parts[0])?.streamId ?? String(named));
    }
    if (isTooLarge(error)) {
      const limit = (error as { maxAppendSize?: number; maxSize?: number }).maxAppendSize ?? (error as { maxSize?: number }).maxSize;
      return new AppendTooLargeError(Number.NaN, limit ?? this.options.maxAppendBytes);
    }
    if (isWrongExpectedVersion(error)) {
      // Still losing races after every attempt: the caller hears of the stream that kept moving.
      const part = (parts.find((p) => p.name === error.streamName) ?? parts[0]) as Part;
      return toWrongExpectedRevision(part.streamId, part.expected, error);
    }
    return error;
  }
}

/**
 * A failure that wrote nothing and may pass: the driver's (a follower's NotLeaderError on a write; any passing failure
 * on a read) or a read's, already the kernel's StoreUnavailableError (stream-reads.ts). Writes' other failures never
 * get here bare: `send` makes them lost replies.
 */
function isPassing(error: unknown): boolean {
  return error instanceof StoreUnavailableError || isPassingFailure(error);
}

/** Errors this adapter raises itself: a decision, not a failure of the connection. */
function isPortError(error: unknown): boolean {
  return (
    error instanceof Error &&
    ['WrongExpectedRevisionError', 'IdempotencyConflictError', 'AppendTooLargeError', 'StreamDeletedError', 'RangeError'].includes(
      error.name,
    )
  );
}
