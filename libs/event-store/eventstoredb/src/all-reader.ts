import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  type AllStreamResolvedEvent,
  type Direction,
  type Filter,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import { matchesFilter, type AllFilter, type ReadAllOptions, type ReadAllSlice, type RecordedEvent } from '@crm/shared/event-sourcing';
import { toReadError, type KurrentClient } from './client';
import { serverFilterFor } from './esdb-filters';
import { visibleEvent } from './event-mapping';
import { comparePositions, decodePosition, encodePosition, laterPosition } from './positions';
import type { StreamNames } from './stream-names';

/** This store's window onto `$all`. */
export interface AllView {
  readonly client: KurrentClient;
  readonly names: StreamNames;
  /** Exclusive lower bound: events at or before it are not this store's. */
  readonly startAfter: string | undefined;
  readonly pageSize: number;
}

interface Scanned {
  readonly position: string;
  readonly visible: RecordedEvent | undefined;
}

async function readPage(view: AllView, from: string | undefined, direction: Direction, count: number, filter: Filter): Promise<Scanned[]> {
  const fromPosition: ReadPosition = from === undefined ? (direction === FORWARDS ? START : END) : decodePosition(from);
  const page: Scanned[] = [];
  try {
    const read = view.client.readAll({ fromPosition, direction, maxCount: BigInt(count), resolveLinkTos: false, filter });
    for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
      if (!resolved.event) continue;
      page.push({ position: encodePosition(resolved.event.position), visible: visibleEvent(resolved, view.names) });
    }
  } catch (error) {
    // A node out of reach: the kernel's passing StoreUnavailableError, which a projection lane retries.
    throw toReadError(error);
  }
  return page;
}

/**
 * `$all` forwards, filtered on the server: a projection of one category reads
 * that category's streams in this store's scope, not every tenant's and
 * category's events. The server's filter is a stream-name prefix or regex
 * (esdb-filters.ts); the exact filter runs here on what it lets through.
 *
 * The head is read first. A short page means the server found nothing more
 * up to the end of `$all`, which includes everything up to that head (the log
 * has no late commits), so the checkpoint can move to the head past events
 * the filter skipped. Reading from a position includes the event there;
 * comparing positions drops it whatever the server does.
 */
export async function readAllSlice(view: AllView, options: ReadAllOptions): Promise<ReadAllSlice> {
  const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
  const events: RecordedEvent[] = [];
  let checkpoint = options.after;
  let cursor = laterPosition(options.after, view.startAfter);
  if (max <= 0) return { events, checkpoint, isEnd: false };
  const head = await lastVisiblePosition(view);
  const filter = serverFilterFor(view.names, options.filter);
  for (;;) {
    const count = Math.min(view.pageSize, Math.max(32, max - events.length)) + 1;
    const raw = await readPage(view, cursor, FORWARDS, count, filter);
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
    if (!full || last === undefined) {
      const passed = head !== undefined && (cursor === undefined || comparePositions(head, cursor) > 0);
      return { events, checkpoint: passed ? laterPosition(checkpoint, head) : checkpoint, isEnd: true };
    }
    cursor = last.position;
  }
}

/** The newest visible event's position: a backwards read filtered on the server to this store's domain streams. */
export async function lastVisiblePosition(view: AllView, filter?: AllFilter): Promise<string | undefined> {
  let cursor: string | undefined;
  const serverFilter = serverFilterFor(view.names, filter);
  // The newest match is nearly always ours: look at one first, then at pages.
  for (let size = 1; ; size = view.pageSize) {
    const raw = await readPage(view, cursor, BACKWARDS, size, serverFilter);
    const page = raw.filter((e) => cursor === undefined || comparePositions(e.position, cursor) < 0);
    for (const scanned of page) {
      if (view.startAfter !== undefined && comparePositions(scanned.position, view.startAfter) <= 0) return undefined;
      if (scanned.visible && matchesFilter(scanned.visible, filter)) return scanned.position;
    }
    const last = raw[raw.length - 1];
    if (raw.length < size || last === undefined) return undefined;
    cursor = last.position;
  }
}

/** The first event after `after` that the filter could let through, as the server sees it (undefined: none yet). */
export async function firstCandidateAfter(
  view: AllView,
  after: string | undefined,
  filter: AllFilter | undefined,
): Promise<string | undefined> {
  const cursor = laterPosition(after, view.startAfter);
  const page = await readPage(view, cursor, FORWARDS, 2, serverFilterFor(view.names, filter));
  return page.find((e) => cursor === undefined || comparePositions(e.position, cursor) > 0)?.position;
}
