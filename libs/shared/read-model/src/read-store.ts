import type { CheckpointStore } from '@crm/shared/event-sourcing';
import type { DocumentRecord, JsonObject } from './document';
import type { AggregateQuery, AggregateRow, FindQuery, Where } from './query';

/** Why a projection stopped: the event it could not apply and the error it threw. */
export interface ProjectionFailure {
  readonly eventId: string;
  readonly position: string;
  readonly type: string;
  readonly streamId: string;
  readonly message: string;
  /** ISO time the failure was recorded. */
  readonly at: string;
}

/**
 * What the runner keeps per projection (and per rebuild in progress) next to
 * the documents. Reactors use only `name` + `checkpoint`, through the
 * `CheckpointStore` face of the read store.
 */
export interface ProjectionState {
  readonly name: string;
  /** The last `$all` position fully applied (exclusive resume point). */
  readonly checkpoint?: string;
  /** The projection code version that built `collection`. */
  readonly version?: number;
  /** Counts builds of this projection, so every rebuild gets a fresh physical collection. */
  readonly generation?: number;
  /** The physical collection the projection writes to and queries read. */
  readonly collection?: string;
  readonly error?: ProjectionFailure;
  readonly updatedAt?: string;
  /** A rebuild built by another process and waiting for the projection's owner to switch to it. */
  readonly ready?: boolean;
  /** Collections a switch replaced, dropped once readers had time to move on (`<name>~retired`). */
  readonly retired?: readonly { readonly collection: string; readonly dropAfter: string }[];
  /**
   * The last event the build folded: a log that does not hold it at that position is not the log the build was made
   * from (an older backup restored and written to since, past the build's checkpoint), so the build is made again.
   */
  readonly seen?: SeenEvent;
}

export interface SeenEvent {
  readonly eventId: string;
  readonly tenantId: string;
  readonly position: string;
}

export interface ReadStoreReader {
  get<D extends object = JsonObject>(collection: string, id: string): Promise<DocumentRecord<D> | undefined>;
  /** Only the ids that exist are in the map. */
  getMany<D extends object = JsonObject>(collection: string, ids: readonly string[]): Promise<ReadonlyMap<string, DocumentRecord<D>>>;
}

/**
 * A unit of work: writes are buffered and committed together when the work
 * function returns, atomically where the adapter can; reads see the buffered
 * writes over committed data. It is not a lock: one writer per collection
 * (the runner's rule) is what keeps read-modify-write safe.
 */
export interface ReadStoreTransaction extends ReadStoreReader {
  /** `position` is the event last applied; the runner uses it to make replays no-ops. */
  put(collection: string, id: string, doc: object, position?: string): void;
  delete(collection: string, id: string): void;
  /** Sets the checkpoint, keeping the rest of the state. */
  saveCheckpoint(name: string, checkpoint: string): void;
  /** Replaces the whole state. */
  saveState(state: ProjectionState): void;
  deleteState(name: string): void;
}

/**
 * One writer per projection (or reactor) across processes: whoever holds the lease runs it. Each
 * takeover by another owner raises the epoch; commits fenced with an older epoch are refused.
 */
export interface Lease {
  readonly name: string;
  readonly owner: string;
  readonly epoch: number;
  /** ISO time; the owner renews before then, or another may take over. */
  readonly expiresAt: string;
}

/** A commit made only while `lease` is still at `epoch`: checked in the same transaction as the writes. */
export interface Fence {
  readonly lease: string;
  readonly epoch: number;
}

/** How a transaction commits. */
export interface TransactionOptions {
  /** Refuse the commit (LeaseLostError, nothing written) unless the lease is still at this epoch. */
  readonly fence?: Fence;
  /**
   * False lets the commit return before it is on disk (SQLite synchronous=NORMAL,
   * PostgreSQL synchronous_commit=off): a crash may lose it, with whatever else
   * committed just before it, but never only part of it, and the next durable
   * commit makes it durable too. For work the caller redoes from its own
   * checkpoint after a crash, as a rebuild does. Default true; an adapter may
   * ignore it and always commit durably.
   */
  readonly durable?: boolean;
}

/** One read of a batch (`ReadStore.readMany`): a document by id, or a find. */
export type BatchRead = { readonly collection: string; readonly id: string } | { readonly collection: string; readonly find: FindQuery };

/** The records of each read, in order: `store.readMany` where the adapter has it, else each `get` and `find`. */
export function readBatch(
  store: Pick<ReadStore, 'get' | 'find' | 'readMany'>,
  reads: readonly BatchRead[],
): Promise<readonly (readonly DocumentRecord[])[]> {
  if (reads.length === 0) return Promise.resolve([]);
  if (store.readMany) return store.readMany(reads);
  return Promise.all(
    reads.map(async (read) => {
      if ('find' in read) return store.find(read.collection, read.find);
      const record = await store.get(read.collection, read.id);
      return record === undefined ? [] : [record];
    }),
  );
}

/** The read side's port (DESIGN.md "Projections"); every adapter passes the read-store contract suite. */
export interface ReadStore extends ReadStoreReader, CheckpointStore {
  /**
   * True when `transaction` commits documents and states all-or-nothing
   * (SQLite, PostgreSQL, memory, MongoDB on a replica set). Otherwise the
   * runner relies on each document's position to make a replayed event a no-op.
   */
  readonly atomic: boolean;
  find<D extends object = JsonObject>(collection: string, query?: FindQuery): Promise<readonly DocumentRecord<D>[]>;
  /**
   * Several reads at once, answered as `get` (none or one record) and `find` answer them, in the order given.
   * Optional: an adapter whose reads each cost a round trip answers them in one; `readBatch` falls back to
   * the single reads (in parallel) for the others.
   */
  readMany?(reads: readonly BatchRead[]): Promise<readonly (readonly DocumentRecord[])[]>;
  count(collection: string, where?: Where): Promise<number>;
  aggregate(collection: string, query: AggregateQuery): Promise<readonly AggregateRow[]>;
  transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options?: TransactionOptions): Promise<T>;
  loadState(name: string): Promise<ProjectionState | undefined>;
  listStates(): Promise<readonly ProjectionState[]>;
  /**
   * Takes or renews the lease for `ttlMs`: free, expired or already `owner`'s, it is `owner`'s after
   * the call (the epoch goes up when the owner changes); held by another and live, undefined.
   */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined>;
  /** Gives the lease up at once (it expires now) if `owner` holds it, so a standby need not wait out the TTL. */
  releaseLease(name: string, owner: string): Promise<void>;
  /** Every lease, for health and the CLI. */
  listLeases(): Promise<readonly Lease[]>;
  /** Removes every document of the collection; a no-op when it has none. */
  dropCollection(collection: string): Promise<void>;
  /** Idempotent; a hint, so an adapter whose general index already serves the fields may do nothing. */
  ensureIndex(collection: string, fields: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
