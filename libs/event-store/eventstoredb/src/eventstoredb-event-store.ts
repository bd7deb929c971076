import { EventStoreDBClient, START } from '@eventstore/db-client';
import {
  matchesFilter,
  tenantOf,
  type AppendOptions,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type EventToAppend,
  type ReadAllOptions,
  type ReadAllSlice,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type SnapshotStore,
  type SubscribeOptions,
  type Subscription,
  type TenantScoped,
} from '@crm/shared/event-sourcing';
import { lastVisiblePosition, readAllSlice, type AllView } from './all-reader';
import { catchUpSubscription } from './catch-up-subscription';
import { serverFilterFor } from './esdb-filters';
import { EventIdIndex } from './event-index';
import { toRecordedEvent, visibleEvent } from './event-mapping';
import { comparePositions, decodePosition, laterPosition } from './positions';
import { SnapshotStreams } from './snapshot-streams';
import { StreamAppender } from './stream-appender';
import { StreamNames } from './stream-names';
import { readLastEvent, readStreamEvents, toEsdbReadOptions } from './stream-reads';

export interface EventStoreDbOptions {
  /**
   * Scopes the store inside a shared server. Every physical stream name starts
   * with it, and `$all` reads, subscriptions and `headPosition` only see
   * streams that carry it — the store behaves as if alone on the server. ESDB
   * cannot drop a database, so tests isolate each case this way. It becomes
   * part of ESDB's category (`{prefix}{category}`), hence no '-' or '~'.
   */
  readonly streamPrefix?: string;
  /**
   * A checkpoint of this adapter before which `$all` is not this store's:
   * reads and subscriptions without `after` start there and `headPosition`
   * scans back no further. With a fresh prefix, the position of the server's
   * last event at creation spares rescanning a long-lived server's history.
   */
  readonly startAfter?: string;
  /** Attempts of an `any` / `stream_exists` append that keeps losing races to other processes (default 20). */
  readonly appendAttempts?: number;
  /** Events per `$all` read request (default 512). */
  readonly readPageSize?: number;
  /** Before a subscription has caught up, how long a short batch waits for more (default 250 ms). */
  readonly subscriptionLingerMs?: number;
  /** Parallel requests per append for the event-id index (default 32). */
  readonly indexConcurrency?: number;
}

/**
 * The EventStore port over EventStoreDB / KurrentDB (`@eventstore/db-client`).
 * Stream naming: stream-names.ts; positions: positions.ts; append and the
 * hash chain: stream-appender.ts; `findEvent`'s guarantee: event-index.ts.
 * The connection needs a user that may read `$all` (any user on an insecure node).
 */
export class EventStoreDbEventStore implements EventStore, SnapshotStore {
  private readonly client: EventStoreDBClient;
  private readonly ownsClient: boolean;
  private readonly names: StreamNames;
  private readonly view: AllView;
  private readonly index: EventIdIndex;
  private readonly appender: StreamAppender;
  private readonly snapshots: SnapshotStreams;
  private readonly subscriptions = new Set<Subscription>();

  /** `client`: a driver instance (the caller disposes it) or a connection string such as `esdb://localhost:2113?tls=false`. */
  constructor(
    client: EventStoreDBClient | string,
    private readonly options: EventStoreDbOptions = {},
  ) {
    this.ownsClient = typeof client === 'string';
    this.client = typeof client === 'string' ? EventStoreDBClient.connectionString(client) : client;
    if (options.startAfter !== undefined) decodePosition(options.startAfter);
    this.names = new StreamNames(options.streamPrefix ?? '');
    this.view = {
      client: this.client,
      names: this.names,
      startAfter: options.startAfter,
      pageSize: Math.max(2, options.readPageSize ?? 512),
    };
    this.index = new EventIdIndex(this.client, this.names, options.indexConcurrency ?? 32);
    this.appender = new StreamAppender(this.client, this.names, this.index, Math.max(1, options.appendAttempts ?? 20));
    this.snapshots = new SnapshotStreams(this.client, this.names);
  }

  appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    return this.appender.append(streamId, tenantOf(options), events, options?.expectedRevision ?? 'any');
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]> {
    const name = this.names.stream(tenantOf(options), streamId);
    if (options?.maxCount !== undefined && options.maxCount <= 0) return [];
    const events = await readStreamEvents(this.client, name, toEsdbReadOptions(options));
    return events.map((event) => toRecordedEvent(event, streamId));
  }

  async streamRevision(streamId: string, options?: TenantScoped): Promise<number | undefined> {
    const last = await readLastEvent(this.client, this.names.stream(tenantOf(options), streamId));
    return last === undefined ? undefined : Number(last.revision);
  }

  readAll(options: ReadAllOptions = {}): Promise<ReadAllSlice> {
    return readAllSlice(this.view, options);
  }

  /** ESDB's native catch-up subscription (history, then live) with the server-side part of the filter. */
  subscribeToAll(handler: BatchHandler, options: SubscribeOptions = {}): Subscription {
    const filter = serverFilterFor(this.names, options.filter);
    const subscription = catchUpSubscription(
      {
        head: () => this.headPosition(),
        open: (after) => {
          const from = laterPosition(after, this.options.startAfter);
          return this.client.subscribeToAll({
            fromPosition: from === undefined ? START : decodePosition(from),
            filter,
            resolveLinkTos: false,
          });
        },
        visible: (resolved) => visibleEvent(resolved, this.names),
        matches: (event) => matchesFilter(event, options.filter),
        compare: comparePositions,
      },
      handler,
      { after: options.after, batchSize: Math.max(1, options.batchSize ?? 500), lingerMs: this.options.subscriptionLingerMs ?? 250 },
    );
    this.subscriptions.add(subscription);
    subscription.done.then(
      () => this.subscriptions.delete(subscription),
      () => this.subscriptions.delete(subscription),
    );
    return subscription;
  }

  /** See event-index.ts for what this can and cannot promise on ESDB. */
  findEvent(eventId: string, options?: TenantScoped): Promise<RecordedEvent | undefined> {
    return this.index.find(tenantOf(options), eventId);
  }

  comparePositions(a: string, b: string): number {
    return comparePositions(a, b);
  }

  headPosition(): Promise<string | undefined> {
    return lastVisiblePosition(this.view);
  }

  readSnapshot(streamId: string, options?: TenantScoped): Promise<Snapshot | undefined> {
    return this.snapshots.read(streamId, tenantOf(options));
  }

  writeSnapshot(snapshot: Snapshot): Promise<void> {
    return this.snapshots.write(snapshot);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.ownsClient) await this.client.dispose();
  }
}
