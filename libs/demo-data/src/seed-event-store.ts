import {
  alreadyStored,
  appendsInOrder,
  type AppendResult,
  WrongExpectedRevisionError,
  type EventStore,
  type OrderedAppends,
  type TenantScoped,
} from '@crm/shared/event-sourcing';
import { type DemoAppend, demoHistory, type DemoHistoryOptions } from './demo-history';
import { demoHistoryBatches } from './history-batches';

export interface SeedOptions extends DemoHistoryOptions {
  /** Appends (to distinct streams) in flight together, so the store's group commit can batch them; default 64. */
  readonly concurrency?: number;
  /**
   * With a store that appends in order (OrderedAppends: SQLite, PostgreSQL, memory), about this many events
   * go in one ordered batch append, i.e. one transaction; default 4000. Other stores use `concurrency`.
   */
  readonly batchEvents?: number;
  /** With an ordered batch append: decide the history on a worker thread, overlapping the writes (same events). */
  readonly inWorker?: boolean;
  /** Called after each group of appends with the events written so far. */
  readonly onProgress?: (events: number) => void;
  /** Asked after each group of appends: true stops the seed there (what is written stays; Ctrl-C in the CLI). */
  readonly stopRequested?: () => boolean;
  /**
   * Asked before each group of appends, the first included: true stops the seed before it, that group unwritten (the
   * CLI asks whether a server has started on the store meanwhile: its reactors would react to the seeded events).
   */
  readonly stopBeforeBatch?: () => boolean | Promise<boolean>;
}

export interface SeedResult {
  /** Events this call wrote. */
  readonly events: number;
  /**
   * Events of the history this call found written already: by another seed of the same history running at the same
   * time (the check up front passed for both), or by its own write whose reply was lost and was sent again. Each such
   * append is taken for a retry and writes nothing. 0 alone.
   */
  readonly writtenElsewhere: number;
  readonly head: string | undefined;
  /** True when `stopRequested` or `stopBeforeBatch` ended the seed before the whole history was written. */
  readonly stopped: boolean;
}

/**
 * Writes `demoHistory(options)` through the store's own append path (revisions checked, hash chain built by
 * the store, personal data sealed by its layer). A store with an ordered batch append takes long runs of
 * commands in one call each, in the history's order; any other store gets concurrent single appends.
 */
export async function seedEventStore(store: EventStore, options: SeedOptions): Promise<SeedResult> {
  // The same seed again on one store would append nothing (its events' ids are recorded already, so the store takes
  // every append for a retry) and report success: refused up front, as the stream of its first append exists.
  const first = demoHistory(options).next().value;
  if (first !== undefined) {
    const revision = await store.streamRevision(
      first.streamId,
      options.tenantId === undefined ? undefined : { tenantId: options.tenantId },
    );
    if (revision !== undefined) throw new WrongExpectedRevisionError(first.streamId, 'no stream', revision);
  }
  const ordered = appendsInOrder(store);
  const { events, writtenElsewhere, stopped } = ordered ? await seedInOrder(ordered, options) : await seedConcurrently(store, options);
  return { events, writtenElsewhere, head: await store.headPosition(), stopped };
}

interface Seeded {
  readonly events: number;
  readonly writtenElsewhere: number;
  readonly stopped: boolean;
}

/** Counts each append's events as written by this call, or by another (its result is a retry's: nothing written). */
class WriteCount {
  events = 0;
  writtenElsewhere = 0;
  add(result: AppendResult, events: number): void {
    if (alreadyStored(result)) this.writtenElsewhere += events;
    else this.events += events;
  }
  get total(): number {
    return this.events + this.writtenElsewhere;
  }
  seeded(stopped: boolean): Seeded {
    return { events: this.events, writtenElsewhere: this.writtenElsewhere, stopped };
  }
}

async function seedInOrder(store: OrderedAppends, options: SeedOptions): Promise<Seeded> {
  const scope: TenantScoped | undefined = options.tenantId === undefined ? undefined : { tenantId: options.tenantId };
  const count = new WriteCount();
  const { events: wanted, seed, start, tenantId, recordedBy } = options;
  // Only the history's own options: they may cross to a worker thread (callbacks cannot).
  const history: DemoHistoryOptions = { events: wanted, seed, start, tenantId, recordedBy };
  for await (const batch of demoHistoryBatches(history, { batchEvents: options.batchEvents, inWorker: options.inWorker })) {
    if (await options.stopBeforeBatch?.()) return count.seeded(true);
    const result = await store.appendInOrder(batch, scope);
    batch.forEach((append, i) => count.add(result.streams[i] as AppendResult, append.events.length));
    options.onProgress?.(count.total);
    // Leaving the loop ends the history's worker thread, if one runs.
    if (options.stopRequested?.()) return count.seeded(true);
  }
  return count.seeded(false);
}

async function seedConcurrently(store: EventStore, options: SeedOptions): Promise<Seeded> {
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const tenantId = options.tenantId;
  let group: DemoAppend[] = [];
  const streams = new Set<string>();
  const count = new WriteCount();
  /** False when asked to stop before the group: nothing of it written. */
  const flush = async (): Promise<boolean> => {
    if (await options.stopBeforeBatch?.()) return false;
    await Promise.all(
      group.map(async (append) => {
        const result = await store.appendToStream(append.streamId, append.events, {
          expectedRevision: append.expectedRevision,
          ...(tenantId === undefined ? {} : { tenantId }),
        });
        count.add(result, append.events.length);
      }),
    );
    group = [];
    streams.clear();
    options.onProgress?.(count.total);
    return true;
  };
  for (const append of demoHistory(options)) {
    // Two appends to one stream in a group could race each other; the second waits for the next group.
    if (streams.has(append.streamId) || group.length >= concurrency) {
      if (!(await flush()) || options.stopRequested?.()) return count.seeded(true);
    }
    group.push(append);
    streams.add(append.streamId);
  }
  return count.seeded(!(await flush()));
}
