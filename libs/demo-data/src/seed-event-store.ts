import type { EventStore } from '@crm/shared/event-sourcing';
import { type DemoAppend, demoHistory, type DemoHistoryOptions } from './demo-history';

export interface SeedOptions extends DemoHistoryOptions {
  /** Appends (to distinct streams) in flight together, so the store's group commit can batch them; default 64. */
  readonly concurrency?: number;
  /** Called after each group of appends with the events written so far. */
  readonly onProgress?: (events: number) => void;
}

export interface SeedResult {
  readonly events: number;
  readonly head: string | undefined;
}

/** Writes `demoHistory(options)` through the store's own append path (revisions checked, hash chain built by the store). */
export async function seedEventStore(store: EventStore, options: SeedOptions): Promise<SeedResult> {
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const tenantId = options.tenantId;
  let group: DemoAppend[] = [];
  const streams = new Set<string>();
  let events = 0;
  const flush = async () => {
    await Promise.all(
      group.map((append) =>
        store.appendToStream(append.streamId, append.events, {
          expectedRevision: append.expectedRevision,
          ...(tenantId === undefined ? {} : { tenantId }),
        }),
      ),
    );
    group = [];
    streams.clear();
    options.onProgress?.(events);
  };
  for (const append of demoHistory(options)) {
    // Two appends to one stream in a group could race each other; the second waits for the next group.
    if (streams.has(append.streamId) || group.length >= concurrency) await flush();
    group.push(append);
    streams.add(append.streamId);
    events += append.events.length;
  }
  await flush();
  return { events, head: await store.headPosition() };
}
