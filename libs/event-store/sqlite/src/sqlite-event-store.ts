import Database from 'better-sqlite3';
import {
  AppendedKinds,
  AppendSignal,
  assertDistinctEventIds,
  pollingSubscription,
  tenantOf,
  validateExpectedRevision,
  validateMultiAppend,
  validateOrderedAppends,
  type AllFilter,
  type Appended,
  type AppendNotifications,
  type AppendOptions,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type EventToAppend,
  type MultiStreamAppendResult,
  type OrderedAppends,
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
import { AllQueries } from './all-query';
import { appendInOrderInTransaction, appendInTransaction } from './append';
import { GroupCommit, type GroupCommitStats, type SubmitOptions } from './group-commit';
import { comparePositions, formatPosition, parsePosition } from './positions';
import { configureConnection, migrate, type ConnectionOptions } from './schema';
import { limitOf, prepareStatements, toRecordedEvent, toSnapshot, type EventRow, type Statements } from './statements';

export interface SqliteEventStoreOptions extends ConnectionOptions {
  /** How often an idle subscription re-reads, to see writers in other processes (in-process appends wake it at once). */
  readonly pollIntervalMs?: number;
  /** Close the connection in close(); leave it false when the connection is shared. */
  readonly closeDatabase?: boolean;
}

/**
 * How long one attempt at the write lock waits in SQLite's busy handler (holding the event loop), and the pause
 * between attempts: another process's commit usually ends within the first, a long transaction is waited out
 * on timers (GroupCommit).
 */
const LOCK_PROBE_MS = 5;
const LOCK_RETRY_MS = 10;

export interface OpenSqliteEventStoreOptions extends Omit<SqliteEventStoreOptions, 'closeDatabase'> {
  readonly file: string;
}

/** Opens (creating if needed) the SQLite file and a store that owns its connection. */
export function openSqliteEventStore(options: OpenSqliteEventStoreOptions): SqliteEventStore {
  const db = new Database(options.file);
  try {
    return new SqliteEventStore(db, { ...options, closeDatabase: true });
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The embedded event store (DESIGN.md "Storage"). Writes go through group
 * commit; reads are synchronous better-sqlite3 calls behind the async port.
 * Built on a connection that others may share: `db` is public so a read-model
 * store can commit its documents and checkpoints in its own transactions.
 */
export class SqliteEventStore implements EventStore, OrderedAppends, SnapshotStore, AppendNotifications {
  private readonly statements: Statements;
  private readonly allQueries: AllQueries;
  private readonly commits: GroupCommit;
  private readonly signal = new AppendSignal();
  private readonly appendListeners = new Set<(appended: Appended | undefined) => void>();
  /** What the operations of the group being committed appended (recorded as each succeeds in its savepoint). */
  private readonly appendedKinds = new AppendedKinds();
  private readonly pollIntervalMs: number;
  private readonly closeDatabase: boolean;
  private readonly subscriptions = new Set<Subscription>();
  private readonly readAllSnapshot: Database.Transaction<
    (after: number, limit: number, filter: AllFilter | undefined) => { rows: EventRow[]; head: number }
  >;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    readonly db: Database.Database,
    options: SqliteEventStoreOptions = {},
  ) {
    configureConnection(db, options);
    migrate(db);
    // From here the group commit waits for another process's write lock on a timer (see GroupCommit), not in SQLite.
    const busyWaitMs = Math.max(0, options.busyTimeoutMs ?? 5000);
    db.pragma(`busy_timeout = ${Math.min(LOCK_PROBE_MS, busyWaitMs)}`);
    this.statements = prepareStatements(db);
    this.allQueries = new AllQueries(db);
    // The head before and after each group, read with the write lock held: the span its wake-up describes.
    const head = () => formatPosition(this.statements.headPosition.get() ?? 0);
    this.commits = new GroupCommit(
      db,
      () => this.appended(),
      { busyWaitMs, retryEveryMs: LOCK_RETRY_MS },
      { begin: () => this.appendedKinds.begin(head()), end: () => this.appendedKinds.end(head()) },
    );
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.closeDatabase = options.closeDatabase ?? false;
    // One read transaction, so the head that bounds the checkpoint belongs to the same snapshot as the rows.
    this.readAllSnapshot = db.transaction((after: number, limit: number, filter: AllFilter | undefined) => {
      const { statement, params } = this.allQueries.build(after, limit, filter);
      const rows = statement.all(...params);
      return { rows, head: this.statements.headPosition.get() ?? 0 };
    });
  }

  appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    try {
      this.assertOpen();
      const tenantId = tenantOf(options);
      const expected = options?.expectedRevision ?? 'any';
      validateExpectedRevision(expected);
      assertDistinctEventIds(events);
      return this.commits.submit(() => {
        const result = appendInTransaction(this.statements, streamId, tenantId, expected, events);
        // After its success only: an append refused in its savepoint wrote nothing.
        this.appendedKinds.add(streamId, events);
        return result;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** One group-commit operation: its savepoint (or transaction) commits all of it or none. */
  appendToStreams(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult> {
    return this.appendAll(appends, options, validateMultiAppend);
  }

  /** One group-commit operation, parts in the order given (a stream may come back): all of it or none. */
  appendInOrder(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult> {
    return this.appendAll(appends, options, validateOrderedAppends);
  }

  /** Both multi-part appends: validated by their own rules, then written part after part in one savepoint. */
  private appendAll(
    appends: readonly StreamAppend[],
    options: TenantScoped | undefined,
    validate: (appends: readonly StreamAppend[], tenantId: string) => void,
  ): Promise<MultiStreamAppendResult> {
    try {
      this.assertOpen();
      const tenantId = tenantOf(options);
      validate(appends, tenantId);
      return this.commits.submit(() => {
        const result = appendInOrderInTransaction(this.statements, tenantId, appends);
        for (const append of appends) this.appendedKinds.add(append.streamId, append.events);
        return result;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Called after every commit of appends on this connection, with what they appended (categories and types):
   * a reader on another connection (the read-side worker thread) can be woken at once instead of waiting for
   * its next poll, and only its subscriptions that could match.
   */
  onAppended(listener: (appended: Appended | undefined) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Wakes this connection's subscriptions now, as an append here would: told of one made elsewhere (`undefined`: of unknown kinds). */
  wake(appended?: Appended): void {
    this.signal.notify(appended);
  }

  /**
   * After a commit: subscriptions that could match what it appended read now. A commit of data keys or
   * snapshots only appended no event and wakes nobody; one whose event appends all rolled back in their
   * savepoints may wake some for nothing (their next read finds no event), never too few.
   */
  private appended(): void {
    if (this.appendedKinds.isEmpty) return;
    const appended = this.appendedKinds.take();
    this.signal.notify(appended);
    for (const listener of this.appendListeners) {
      try {
        listener(appended);
      } catch {
        // a listener's failure is not the append's
      }
    }
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]> {
    this.assertOpen();
    const tenantId = tenantOf(options);
    const limit = limitOf(options?.maxCount);
    const rows =
      options?.direction === 'backwards'
        ? this.statements.streamBackwards.all(tenantId, streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
        : this.statements.streamForwards.all(tenantId, streamId, options?.fromRevision ?? 0, limit);
    return rows.map(toRecordedEvent);
  }

  async streamRevision(streamId: string, options?: TenantScoped): Promise<number | undefined> {
    this.assertOpen();
    return this.statements.streamHead.get(tenantOf(options), streamId)?.revision;
  }

  async readAll(options: ReadAllOptions = {}): Promise<ReadAllSlice> {
    this.assertOpen();
    const after = options.after === undefined ? 0 : parsePosition(options.after);
    const limit = limitOf(options.maxCount);
    const { rows, head } = this.readAllSnapshot(after, limit, options.filter);
    const last = rows[rows.length - 1];
    // A short page means every event up to the head was scanned, matching or not: resume past them all.
    const short = limit === -1 || rows.length < limit;
    const scanned = short ? Math.max(after, head) : (last?.position ?? after);
    return {
      events: rows.map(toRecordedEvent),
      checkpoint: scanned === after ? options.after : formatPosition(scanned),
      isEnd: scanned >= head,
    };
  }

  subscribeToAll(handler: BatchHandler, options?: SubscribeOptions): Subscription {
    this.assertOpen();
    const source = {
      readAll: (o: ReadAllOptions) => this.readAll(o),
      signal: this.signal,
      pollIntervalMs: this.pollIntervalMs,
      comparePositions,
    };
    const subscription = pollingSubscription(source, handler, options);
    this.subscriptions.add(subscription);
    const forget = () => void this.subscriptions.delete(subscription);
    subscription.done.then(forget, forget);
    return subscription;
  }

  async findEvent(eventId: string, options?: TenantScoped): Promise<RecordedEvent | undefined> {
    this.assertOpen();
    const row = this.statements.eventById.get(tenantOf(options), eventId);
    return row ? toRecordedEvent(row) : undefined;
  }

  comparePositions(a: string, b: string): number {
    return comparePositions(a, b);
  }

  async headPosition(): Promise<string | undefined> {
    this.assertOpen();
    const head = this.statements.headPosition.get();
    return head === null || head === undefined ? undefined : formatPosition(head);
  }

  async readSnapshot(streamId: string, options?: TenantScoped): Promise<Snapshot | undefined> {
    this.assertOpen();
    const tenantId = tenantOf(options);
    const row = this.statements.readSnapshot.get(tenantId, streamId);
    return row ? toSnapshot(tenantId, streamId, row) : undefined;
  }

  /** Rides the next group commit: a snapshot written right after an append shares its fsync. */
  async writeSnapshot(snapshot: Snapshot): Promise<void> {
    this.assertOpen();
    const state = JSON.stringify(snapshot.state);
    const { tenantId, streamId, revision, version } = snapshot;
    await this.commits.submit(() => this.statements.writeSnapshot.run(tenantId, streamId, revision, version, state));
  }

  /**
   * Runs `work` (synchronous statements on `db`) in the next group commit, in a savepoint of its own
   * when the group holds others: a table kept beside the events (the data keys) shares their fsync.
   * With `deferSync`, a group of such work alone commits without a sync of its own (`SubmitOptions`).
   */
  inWriteGroup<T>(work: () => T, options?: SubmitOptions): Promise<T> {
    try {
      this.assertOpen();
      return this.commits.submit(work, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Write transactions committed so far and the operations they carried: group commit made visible. */
  get stats(): GroupCommitStats {
    return this.commits.stats();
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    // Subscriptions finish their current batch first; their handlers may still use the store.
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    this.closed = true;
    this.commits.flushNow();
    this.signal.notify();
    if (this.closeDatabase) this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the SQLite event store is closed');
  }
}
