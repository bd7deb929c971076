import { streamCategory, type EventToAppend, type RecordedEvent } from './event';
import {
  assertDistinctEventIds,
  checkExpectedRevision,
  resolveRetriedAppend,
  sealEvents,
  tenantOf,
  validateExpectedRevision,
} from './append-support';
import type {
  AllFilter,
  AppendOptions,
  AppendResult,
  BatchHandler,
  EventStore,
  MultiStreamAppendResult,
  OrderedAppends,
  ReadAllOptions,
  ReadAllSlice,
  ReadStreamOptions,
  Snapshot,
  SnapshotStore,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  TenantScoped,
} from './event-store';
import { AppendSignal, pollingSubscription } from './polling-subscription';
import { latestPosition, resolveRetriedMultiAppend, validateMultiAppend, validateOrderedAppends } from './multi-append-support';

const positionOf = (index: number): string => String(index + 1);

export function matchesFilter(event: RecordedEvent, filter: AllFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.tenantId !== undefined && event.metadata.tenantId !== filter.tenantId) return false;
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter.categories && !filter.categories.includes(streamCategory(event.streamId))) return false;
  return true;
}

/** The reference adapter for unit tests; positions are 1-based decimal strings. */
export class InMemoryEventStore implements EventStore, OrderedAppends, SnapshotStore {
  private readonly all: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byEventId = new Map<string, RecordedEvent>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly signal = new AppendSignal();

  private key(tenantId: string, streamId: string): string {
    return `${tenantId}\u0000${streamId}`;
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    const tenantId = tenantOf(options);
    const expected = options?.expectedRevision ?? 'any';
    validateExpectedRevision(expected);
    assertDistinctEventIds(events);
    const retried = resolveRetriedAppend(streamId, events, this.storedAmong(tenantId, events));
    if (retried) return retried;
    checkExpectedRevision(streamId, expected, this.lastOf(tenantId, streamId)?.revision);
    const result = this.write(tenantId, streamId, events);
    this.signal.notify();
    return result;
  }

  async appendToStreams(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult> {
    const tenantId = tenantOf(options);
    validateMultiAppend(appends, tenantId);
    // Every stream named once: an ordered append whose streams do not come back.
    return this.appendAll(tenantId, appends);
  }

  /** In the order given, a stream possibly more than once; every check (against the heads the earlier parts leave) before any write. */
  async appendInOrder(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult> {
    const tenantId = tenantOf(options);
    validateOrderedAppends(appends, tenantId);
    return this.appendAll(tenantId, appends);
  }

  /** Every check before any write: that is all "atomic" takes in a single-threaded store. */
  private appendAll(tenantId: string, appends: readonly StreamAppend[]): MultiStreamAppendResult {
    const stored = this.storedAmong(
      tenantId,
      appends.flatMap((append) => append.events),
    );
    const retried = resolveRetriedMultiAppend(appends, stored, (a, b) => this.comparePositions(a, b));
    if (retried) return retried;
    const heads = new Map<string, number | undefined>();
    for (const append of appends) {
      const head = heads.has(append.streamId) ? heads.get(append.streamId) : this.lastOf(tenantId, append.streamId)?.revision;
      checkExpectedRevision(append.streamId, append.expectedRevision ?? 'any', head);
      heads.set(append.streamId, (head ?? -1) + append.events.length);
    }
    const streams = appends.map((append) => this.write(tenantId, append.streamId, append.events));
    this.signal.notify();
    return { streams, position: latestPosition(streams, (a, b) => this.comparePositions(a, b)) };
  }

  private storedAmong(tenantId: string, events: readonly EventToAppend[]): RecordedEvent[] {
    return events.flatMap((event) => this.byEventId.get(`${tenantId}/${event.metadata.eventId}`) ?? []);
  }

  private lastOf(tenantId: string, streamId: string): RecordedEvent | undefined {
    const stream = this.streams.get(this.key(tenantId, streamId));
    return stream?.[stream.length - 1];
  }

  private headOf(tenantId: string, streamId: string): AppendResult {
    const last = this.lastOf(tenantId, streamId);
    return { nextExpectedRevision: last?.revision ?? -1, position: last?.position ?? '0' };
  }

  private write(tenantId: string, streamId: string, events: readonly EventToAppend[]): AppendResult {
    const last = this.lastOf(tenantId, streamId);
    if (events.length === 0) return this.headOf(tenantId, streamId);
    const stream = this.streams.get(this.key(tenantId, streamId)) ?? [];
    const head = last ? { revision: last.revision, hash: last.metadata.hash } : undefined;
    const base = this.all.length;
    const recorded = sealEvents(streamId, tenantId, head, events).map((sealed, i): RecordedEvent => ({
      ...sealed,
      data: JSON.parse(JSON.stringify(sealed.data)) as RecordedEvent['data'],
      position: positionOf(base + i),
    }));
    for (const event of recorded) {
      this.all.push(event);
      stream.push(event);
      this.byEventId.set(`${tenantId}/${event.metadata.eventId}`, event);
    }
    this.streams.set(this.key(tenantId, streamId), stream);
    const tail = recorded[recorded.length - 1] as RecordedEvent;
    return { nextExpectedRevision: tail.revision, position: tail.position };
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]> {
    const stream = this.streams.get(this.key(tenantOf(options), streamId)) ?? [];
    const max = options?.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (options?.direction === 'backwards') {
      const from = options.fromRevision ?? Number.MAX_SAFE_INTEGER;
      return stream
        .filter((event) => event.revision <= from)
        .reverse()
        .slice(0, max);
    }
    const from = options?.fromRevision ?? 0;
    return stream.filter((event) => event.revision >= from).slice(0, max);
  }

  async streamRevision(streamId: string, options?: TenantScoped): Promise<number | undefined> {
    const stream = this.streams.get(this.key(tenantOf(options), streamId));
    return stream?.[stream.length - 1]?.revision;
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllSlice> {
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    let index = options.after === undefined ? 0 : Number(options.after);
    const events: RecordedEvent[] = [];
    while (index < this.all.length && events.length < max) {
      const event = this.all[index] as RecordedEvent;
      if (matchesFilter(event, options.filter)) events.push(event);
      index += 1;
    }
    const scanned = index === 0 ? options.after : positionOf(index - 1);
    return { events, checkpoint: scanned, isEnd: index >= this.all.length };
  }

  subscribeToAll(handler: BatchHandler, options?: SubscribeOptions): Subscription {
    return pollingSubscription({ readAll: (o) => this.readAll(o), signal: this.signal, pollIntervalMs: 1000 }, handler, options);
  }

  async findEvent(eventId: string, options?: TenantScoped): Promise<RecordedEvent | undefined> {
    return this.byEventId.get(`${tenantOf(options)}/${eventId}`);
  }

  comparePositions(a: string, b: string): number {
    return Math.sign(Number(a) - Number(b));
  }

  async headPosition(): Promise<string | undefined> {
    return this.all.length === 0 ? undefined : positionOf(this.all.length - 1);
  }

  async readSnapshot(streamId: string, options?: TenantScoped): Promise<Snapshot | undefined> {
    return this.snapshots.get(this.key(tenantOf(options), streamId));
  }

  async writeSnapshot(snapshot: Snapshot): Promise<void> {
    // Persistent stores keep snapshots as JSON; so does this one, so a non-JSON state fails here too.
    this.snapshots.set(this.key(snapshot.tenantId, snapshot.streamId), JSON.parse(JSON.stringify(snapshot)) as Snapshot);
  }

  async close(): Promise<void> {
    this.signal.notify();
  }

  /** Test hook: rewrite a stored event behind the store's back, as an attacker with disk access could. */
  tamper(streamId: string, revision: number, data: Record<string, unknown>, tenantId = 'default'): void {
    const stream = this.streams.get(this.key(tenantId, streamId)) ?? [];
    const index = stream.findIndex((event) => event.revision === revision);
    const original = stream[index];
    if (!original) throw new Error(`no event ${streamId}@${revision}`);
    const forged = { ...original, data };
    stream[index] = forged;
    this.all[this.all.indexOf(original)] = forged;
  }
}
