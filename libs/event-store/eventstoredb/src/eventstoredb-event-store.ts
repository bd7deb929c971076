import { AccessDeniedError, InvalidArgumentError, KurrentDBClient, START, UnsupportedError } from '@kurrent/kurrentdb-client';
import {
  matchesFilter,
  StreamDeletedError,
  tenantOf,
  type AppendOptions,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type EventToAppend,
  type MultiStreamAppendResult,
  type ReadAllOptions,
  type ReadAllSlice,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type SnapshotStore,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
  type TenantScoped,
} from '@crm/shared/event-sourcing';
import { firstCandidateAfter, lastVisiblePosition, readAllSlice, type AllView } from './all-reader';
import { DEFAULT_MAX_APPEND_BYTES } from './append-size';
import { catchUpSubscription } from './catch-up-subscription';
import { isTombstoned, type KurrentClient } from './client';
import { serverFilterFor } from './esdb-filters';
import { EventIdIndex } from './event-index';
import { toRecordedEvent, visibleEvent } from './event-mapping';
import { comparePositions, decodePosition, encodePosition, laterPosition } from './positions';
import { SnapshotStreams } from './snapshot-streams';
import { StreamAppender, type AppenderOptions } from './stream-appender';
import { StreamNames } from './stream-names';
import { readLastEvent, readStreamEvents, toEsdbReadOptions } from './stream-reads';

export interface EventStoreDbOptions {
  /**
   * Scopes the store inside a shared server. Every physical stream name starts
   * with it, and `$all` reads, subscriptions and `headPosition` only see
   * streams that carry it — the store behaves as if alone on the server. The
   * server cannot drop a database, so tests isolate each case this way. It
   * becomes part of the server's category (`{prefix}{category}`), hence no '-' or '~'.
   */
  readonly streamPrefix?: string;
  /**
   * A checkpoint of this adapter before which `$all` is not this store's:
   * reads and subscriptions without `after` start there and `headPosition`
   * scans back no further.
   */
  readonly startAfter?: string;
  /** Attempts of an `any` / `stream_exists` append that keeps losing races to other processes (default 20). */
  readonly appendAttempts?: number;
  /** After a write whose reply was lost, how often to look again before answering "outcome unknown" (default 3). */
  readonly unknownOutcomeRetries?: number;
  /** First pause before such a retry, growing fourfold (default 100 ms). */
  readonly retryDelayMs?: number;
  /** The server's MaxAppendSize: larger appends are refused before they are sent (default 1 MiB, the server's default). */
  readonly maxAppendBytes?: number;
  /** Atomic multi-stream appends (KurrentDB 25.1+), stream by stream (EventStoreDB 24.x), or whichever the server offers (default). */
  readonly multiStreamAppend?: AppenderOptions['multiStreamAppend'];
  /** Events per `$all` read request (default 512). */
  readonly readPageSize?: number;
  /** Before a subscription has caught up, how long a short batch waits for more (default 250 ms). */
  readonly subscriptionLingerMs?: number;
  /** Live and idle, how often a filtered subscription checks whether it may move past other events (default 500 ms). */
  readonly subscriptionProbeMs?: number;
  /** A dropped subscription is opened again this many times in a row before it fails (default 10). */
  readonly resubscribeAttempts?: number;
  /** Parallel requests when reading the event-id index (default 32). */
  readonly indexConcurrency?: number;
}

/**
 * The EventStore port over KurrentDB (`@kurrent/kurrentdb-client`, formerly
 * EventStoreDB and `@eventstore/db-client`). Stream naming: stream-names.ts;
 * positions: positions.ts; envelope: metadata-codec.ts; append, the hash
 * chain and retries: stream-appender.ts; `findEvent`: event-index.ts.
 * The connection needs a user that may read `$all` (any user on an insecure node).
 */
export class EventStoreDbEventStore implements EventStore, SnapshotStore {
  private readonly client: KurrentClient;
  private readonly ownsClient: boolean;
  private readonly names: StreamNames;
  private readonly view: AllView;
  private readonly index: EventIdIndex;
  private readonly appender: StreamAppender;
  private readonly snapshots: SnapshotStreams;
  private readonly subscriptions = new Set<Subscription>();

  /**
   * `client`: a driver instance (the caller disposes it) or a connection string such as `kurrentdb://localhost:2113?tls=false`.
   * Either must throw on a refused append (the driver's default): `throwOnAppendFailure=false` is refused here.
   */
  constructor(
    client: KurrentClient | string,
    private readonly options: EventStoreDbOptions = {},
  ) {
    this.ownsClient = typeof client === 'string';
    this.client = typeof client === 'string' ? KurrentDBClient.connectionString(client) : client;
    refuseQuietAppendFailures(this.client, this.ownsClient);
    if (options.startAfter !== undefined) decodePosition(options.startAfter);
    this.names = new StreamNames(options.streamPrefix ?? '');
    this.view = {
      client: this.client,
      names: this.names,
      startAfter: options.startAfter,
      pageSize: Math.max(2, options.readPageSize ?? 512),
    };
    this.index = new EventIdIndex(this.client, this.names, options.indexConcurrency ?? 32);
    const maxAppendBytes = options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES;
    this.appender = new StreamAppender(this.client, this.names, this.index, {
      attempts: Math.max(1, options.appendAttempts ?? 20),
      unknownOutcomeRetries: Math.max(0, options.unknownOutcomeRetries ?? 3),
      retryDelayMs: Math.max(0, options.retryDelayMs ?? 100),
      maxAppendBytes,
      multiStreamAppend: options.multiStreamAppend ?? 'auto',
    });
    this.snapshots = new SnapshotStreams(this.client, this.names, maxAppendBytes);
  }

  appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    return this.appender.append(streamId, tenantOf(options), events, options?.expectedRevision ?? 'any');
  }

  /** Atomic on KurrentDB 25.1+ (`multiStreamAppend`); on 24.x checked up front, then written stream by stream (stream-appender.ts). */
  appendToStreams(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult> {
    return this.appender.appendMany(tenantOf(options), appends);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]> {
    const name = this.names.stream(tenantOf(options), streamId);
    if (options?.maxCount !== undefined && options.maxCount <= 0) return [];
    const events = await this.deleted(streamId, () => readStreamEvents(this.client, name, toEsdbReadOptions(options), 'throw'));
    return events.map((event) => toRecordedEvent(event, streamId));
  }

  async streamRevision(streamId: string, options?: TenantScoped): Promise<number | undefined> {
    const last = await this.deleted(streamId, () => readLastEvent(this.client, this.names.stream(tenantOf(options), streamId), 'throw'));
    return last === undefined ? undefined : Number(last.revision);
  }

  readAll(options: ReadAllOptions = {}): Promise<ReadAllSlice> {
    return readAllSlice(this.view, options);
  }

  /** The server's catch-up subscription (history, then live), filtered on the server, with its checkpoint events. */
  subscribeToAll(handler: BatchHandler, options: SubscribeOptions = {}): Subscription {
    const subscription = catchUpSubscription(
      {
        head: () => this.headPosition(),
        open: (after, onCheckpoint) => {
          const from = laterPosition(after, this.options.startAfter);
          const filter = {
            ...serverFilterFor(this.names, options.filter),
            checkpointInterval: 1,
            checkpointReached: (_: unknown, position: { commit: bigint; prepare: bigint }) => onCheckpoint(encodePosition(position)),
          };
          return this.client.subscribeToAll({
            fromPosition: from === undefined ? START : decodePosition(from),
            filter,
            resolveLinkTos: false,
          });
        },
        visible: (resolved) => visibleEvent(resolved, this.names),
        matches: (event) => matchesFilter(event, options.filter),
        compare: comparePositions,
        probe: async (checkpoint) => {
          const head = await lastVisiblePosition(this.view);
          if (head === undefined || (checkpoint !== undefined && comparePositions(head, checkpoint) <= 0)) return undefined;
          const candidate = await firstCandidateAfter(this.view, checkpoint, options.filter);
          return candidate === undefined || comparePositions(candidate, head) > 0 ? head : undefined;
        },
        transient: (error) =>
          !(error instanceof AccessDeniedError || error instanceof InvalidArgumentError || error instanceof UnsupportedError),
      },
      handler,
      {
        after: options.after,
        batchSize: Math.max(1, options.batchSize ?? 500),
        lingerMs: this.options.subscriptionLingerMs ?? 250,
        probeMs: this.options.subscriptionProbeMs ?? 500,
        resubscribeDelayMs: 100,
        resubscribeAttempts: this.options.resubscribeAttempts ?? 10,
      },
    );
    this.subscriptions.add(subscription);
    const forget = () => void this.subscriptions.delete(subscription);
    subscription.done.then(forget, forget);
    return subscription;
  }

  /** See event-index.ts for what this can and cannot promise. */
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

  /** A hard-deleted stream is the port's StreamDeletedError, named by its stream id. */
  private async deleted<T>(streamId: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (isTombstoned(error)) throw new StreamDeletedError(streamId);
      throw error;
    }
  }
}

/**
 * With `throwOnAppendFailure=false` (a connection-string option, or a client built with it) the driver answers an
 * append refused for its expected revision with `{ success: false }` instead of WrongExpectedVersionError. The
 * appender's exact revisions, retries and index all rest on the refusal being thrown: refused at construction (the
 * write path also checks `success` where it writes at an exact state, see client.ts `appended`, for clients that
 * do not say).
 */
function refuseQuietAppendFailures(client: KurrentClient, owned: boolean): void {
  if ((client as { throwOnAppendFailure?: unknown }).throwOnAppendFailure !== false) return;
  if (owned) void client.dispose().catch(() => undefined);
  throw new Error(
    'KurrentDB event store: throwOnAppendFailure=false is not supported (a refused append must throw WrongExpectedVersionError); ' +
      'remove it from the connection string',
  );
}
