import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  type AllStreamResolvedEvent,
  type Direction,
  type EventStoreDBClient,
  type ReadPosition,
} from '@eventstore/db-client';
import { matchesFilter, type ReadAllOptions, type ReadAllSlice, type RecordedEvent } from '@crm/shared/event-sourcing';
import { visibleEvent } from './event-mapping';
import { comparePositions, decodePosition, encodePosition, laterPosition } from './positions';
import type { StreamNames } from './stream-names';

/** This store's window onto `$all`. */
export interface AllView {
  readonly client: EventStoreDBClient;
  readonly names: StreamNames;
  /** Exclusive lower bound: events at or before it are not this store's. */
  readonly startAfter: string | undefined;
  readonly pageSize: number;
}

interface Scanned {
  readonly position: string;
  readonly visible: RecordedEvent | undefined;
}

async function readPage(view: AllView, from: string | undefined, direction: Direction, count: number): Promise<Scanned[]> {
  const fromPosition: ReadPosition = from === undefined ? (direction === FORWARDS ? START : END) : decodePosition(from);
  const page: Scanned[] = [];
  const read = view.client.readAll({ fromPosition, direction, maxCount: BigInt(count), resolveLinkTos: false });
  for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
    if (!resolved.event) continue;
    page.push({ position: encodePosition(resolved.event.position), visible: visibleEvent(resolved, view.names) });
  }
  return page;
}

/**
 * `$all` forwards, filtered on the client (driver 6.x reads cannot carry a
 * server-side filter). Reading from a position includes the event there, and
 * the checkpoint only ever lands on visible events, so each page starts with
 * one already seen; comparing positions drops it whatever the server does.
 */
export async function readAllSlice(view: AllView, options: ReadAllOptions): Promise<ReadAllSlice> {
  const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
  const events: RecordedEvent[] = [];
  let checkpoint = options.after;
  let cursor = laterPosition(options.after, view.startAfter);
  if (max <= 0) return { events, checkpoint, isEnd: false };
  for (;;) {
    const count = Math.min(view.pageSize, Math.max(32, max - events.length)) + 1;
    const raw = await readPage(view, cursor, FORWARDS, count);
    // A short page is the end of $all (judged before dropping the re-read cursor event).
    const full = raw.length === count;
    const page = raw.filter((e) => cursor === undefined || comparePositions(e.position, cursor) > 0);
    for (const [index, scanned] of page.entries()) {
      if (!scanned.visible) continue;
      checkpoint = scanned.position;
      if (!matchesFilter(scanned.visible, options.filter)) continue;
      events.push(scanned.visible);
      if (events.length >= max) {
        const moreInPage = page.slice(index + 1).some((e) => e.visible !== undefined);
        return { events, checkpoint, isEnd: !full && !moreInPage };
      }
    }
    const last = raw[raw.length - 1];
    if (!full || last === undefined) return { events, checkpoint, isEnd: true };
    cursor = last.position;
  }
}

/** The newest visible event's position, scanning back from the end (system and internal events sit on top). */
export async function lastVisiblePosition(view: AllView): Promise<string | undefined> {
  let cursor: string | undefined;
  for (;;) {
    const raw = await readPage(view, cursor, BACKWARDS, view.pageSize);
    const page = raw.filter((e) => cursor === undefined || comparePositions(e.position, cursor) < 0);
    for (const scanned of page) {
      if (view.startAfter !== undefined && comparePositions(scanned.position, view.startAfter) <= 0) return undefined;
      if (scanned.visible) return scanned.position;
    }
    const last = raw[raw.length - 1];
    if (raw.length < view.pageSize || last === undefined) return undefined;
    cursor = last.position;
  }
}
