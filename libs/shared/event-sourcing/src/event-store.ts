import type { EventToAppend, RecordedEvent } from './event';

/** EventStoreDB's expected-revision vocabulary; a number is the exact revision of the stream's last event. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface TenantScoped {
  /** Stream identity is (tenant, streamId); defaults to DEFAULT_TENANT. */
  readonly tenantId?: string;
}

export interface AppendOptions extends TenantScoped {
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  readonly nextExpectedRevision: number;
  /** Global position of the last event appended (or of the stream head for an empty append). */
  readonly position: string;
}

/** One stream's part of an atomic multi-stream append (`appendToStreams`). */
export interface StreamAppend {
  readonly streamId: string;
  /** At least one: a bare check is `appendToStream(streamId, [])` (see validateMultiAppend). */
  readonly events: readonly EventToAppend[];
  /** Defaults to 'any'. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface MultiStreamAppendResult {
  /** One result per StreamAppend, in the order they were given. */
  readonly streams: readonly AppendResult[];
  /** The latest of the streams' positions: what a reader must reach to see the whole append. */
  readonly position: string;
}

export interface ReadStreamOptions extends TenantScoped {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive starting revision; defaults to the start (forwards) or the end (backwards). */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface AllFilter {
  /** Only these event types. */
  readonly eventTypes?: readonly string[];
  /** Only streams of these categories (`{category}-{id}`). */
  readonly categories?: readonly string[];
  /** Only this tenant's events. */
  readonly tenantId?: string;
}

export interface ReadAllOptions {
  /** Exclusive: read what comes after this checkpoint; from the beginning when absent. */
  readonly after?: string;
  readonly maxCount?: number;
  readonly filter?: AllFilter;
}

export interface ReadAllSlice {
  readonly events: readonly RecordedEvent[];
  /**
   * Where the next read resumes. It can move past `events` when filtered-out
   * events were scanned, so a filtered reader never rescans them.
   */
  readonly checkpoint: string | undefined;
  /** True when nothing visible remains after `checkpoint` at the time of reading. */
  readonly isEnd: boolean;
}

export interface SubscribeOptions {
  readonly after?: string;
  readonly filter?: AllFilter;
  readonly batchSize?: number;
}

/** Receives history then live events in `$all` order; the next batch waits for the returned promise. */
export type BatchHandler = (events: readonly RecordedEvent[], checkpoint: string) => Promise<void> | void;

export interface Subscription {
  /** Resolves the first time the subscription has delivered everything that existed. */
  readonly caughtUp: Promise<void>;
  /** Resolves when the subscription stops; rejects with the handler's or the store's error. */
  readonly done: Promise<void>;
  readonly checkpoint: () => string | undefined;
  stop(): Promise<void>;
}

/**
 * The port every adapter implements, with EventStoreDB's semantics
 * (DESIGN.md "EventStore port"). All adapters pass the same contract suite.
 */
export interface EventStore {
  appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several streams of one tenant at once, all or nothing: every
   * stream's expectation holds and all events are written, or nothing is
   * (WrongExpectedRevisionError names the first stream that refused). Each
   * stream keeps its own hash chain. A retry with the same event ids returns
   * the first result and writes nothing; any partial overlap with stored
   * events is an IdempotencyConflictError. A stream may appear only once.
   */
  appendToStreams(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]>;
  /** Revision of the stream's last event, or undefined when the stream has none. */
  streamRevision(streamId: string, options?: TenantScoped): Promise<number | undefined>;
  readAll(options?: ReadAllOptions): Promise<ReadAllSlice>;
  subscribeToAll(handler: BatchHandler, options?: SubscribeOptions): Subscription;
  /** The event with this id, whatever its stream; how a retried command finds its first result. */
  findEvent(eventId: string, options?: TenantScoped): Promise<RecordedEvent | undefined>;
  /** Orders two checkpoints of this adapter: negative, zero or positive. */
  comparePositions(a: string, b: string): number;
  /** Global position of the newest event, or undefined when the store is empty. */
  headPosition(): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * Optional capability of an adapter: appends run in the order given, all or
 * nothing, and a stream MAY appear more than once (each append is checked
 * against the head the appends before it left). Same checks as
 * `appendToStreams` otherwise (expectations, hash chain, a retry with the same
 * ids returns the stored result, a partial overlap is an
 * IdempotencyConflictError). For bulk writers (the demo seed): a long run of
 * commands commits in one transaction, in log order. SQLite, PostgreSQL and
 * the in-memory store have it; see `appendsInOrder`.
 */
export interface OrderedAppends {
  appendInOrder(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult>;
}

/** The store's ordered batch append, when it has one. */
export function appendsInOrder(store: EventStore): (EventStore & OrderedAppends) | undefined {
  return typeof (store as Partial<OrderedAppends>).appendInOrder === 'function' ? (store as EventStore & OrderedAppends) : undefined;
}

export interface Snapshot<State = unknown> {
  readonly streamId: string;
  readonly tenantId: string;
  /** Revision of the last event folded into `state`. */
  readonly revision: number;
  /** Decider's snapshot version: a snapshot of another version is ignored. */
  readonly version: number;
  readonly state: State;
}

/** Optional companion of an EventStore; snapshots are a cache, never the record. */
export interface SnapshotStore {
  readSnapshot(streamId: string, options?: TenantScoped): Promise<Snapshot | undefined>;
  writeSnapshot(snapshot: Snapshot): Promise<void>;
}
