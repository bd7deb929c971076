import { positionOrdinal } from '@crm/projections/runtime';
import type { AllFilter, EventStore, RecordedEvent } from '@crm/shared/event-sourcing';

export interface ExportFilter {
  /** Any of these types (none: every type). */
  readonly types: readonly string[];
  /** Streams of any of these categories (none: every category). */
  readonly categories: readonly string[];
  /** occurredAt at or after this instant (ms). */
  readonly from?: number;
  /** occurredAt before this instant (ms). */
  readonly to?: number;
  readonly tenantId?: string;
}

export interface ExportResult {
  readonly exported: number;
  /** The head when the export started: nothing after it is exported, so the file is one consistent cut. */
  readonly head: string | undefined;
}

/** One envelope per line, in `$all` order: the event as the store recorded it, metadata included. */
export function ndjsonLine(event: RecordedEvent): string {
  const { streamId, type, data, revision, position, metadata } = event;
  return `${JSON.stringify({ streamId, type, data, revision, position, metadata })}\n`;
}

/**
 * Streams `$all` page by page into `write` (which should respect
 * backpressure): memory stays one page whatever the size of the log. Types
 * and categories are filtered by the store (in SQL where it can), the time
 * window here, since occurredAt is not guaranteed to follow positions.
 */
export async function exportEvents(
  store: EventStore,
  filter: ExportFilter,
  write: (text: string) => Promise<void>,
  onPage?: (done: number | undefined, total: number | undefined) => void,
  pageSize = 1000,
): Promise<ExportResult> {
  const head = await store.headPosition();
  const storeFilter: AllFilter = {
    ...(filter.types.length > 0 ? { eventTypes: filter.types } : {}),
    ...(filter.categories.length > 0 ? { categories: filter.categories } : {}),
    ...(filter.tenantId === undefined ? {} : { tenantId: filter.tenantId }),
  };
  const inWindow = (event: RecordedEvent) => {
    if (filter.from === undefined && filter.to === undefined) return true;
    const at = Date.parse(event.metadata.occurredAt);
    return (filter.from === undefined || at >= filter.from) && (filter.to === undefined || at < filter.to);
  };
  const total = positionOrdinal(head);
  let after: string | undefined;
  let exported = 0;
  while (head !== undefined) {
    const slice = await store.readAll({ after, maxCount: pageSize, filter: storeFilter });
    let text = '';
    let past = false;
    for (const event of slice.events) {
      if (store.comparePositions(event.position, head) > 0) {
        past = true;
        break;
      }
      if (!inWindow(event)) continue;
      text += ndjsonLine(event);
      exported += 1;
    }
    if (text) await write(text);
    if (past || slice.isEnd || slice.checkpoint === undefined || slice.checkpoint === after) break;
    after = slice.checkpoint;
    if (store.comparePositions(after, head) >= 0) break;
    onPage?.(positionOrdinal(after), total);
  }
  return { exported, head };
}
