import {
  AppendSignal,
  pollingSubscription,
  tenantOf,
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
import { Pool } from 'pg';
import { POSTGRES_LONG_STATEMENT_TIMEOUT_MS, postgresPoolSettings, hearConnectionErrors } from '@crm/shared/kernel';
import { prepareAppend, runAppend, type AppendBackend } from './append-request';
import { AppendWriter, groupCommitSettings, type GroupCommitOptions } from './append-writer';
import { runMultiAppend, type MultiAppendBackend } from './multi-append';
import { NotificationListener } from './notification-listener';
import { insertedEvents, runOrderedAppend, type OrderedAppendBackend, type StreamHead } from './ordered-append';
import { comparePositions } from './positions';
import { toRecordedEvent, toSnapshot, type EventRow, type SnapshotRow } from './rows';
import { schemaNames, type SchemaNames } from './sql/identifiers';
import { migrationSql } from './sql/migration.sql';
import { statements, type Statements } from './sql/statements';
import { readVisible, visibleHead } from './visible-reads';
import { appendedFromPayload } from './notifications';

export interface PostgresEventStoreOptions {
  /** Schema holding the store's tables and functions; default `event_store`. */
  readonly schema?: string;
  /** Size of the pool the store creates from a connection string; default 10. */
  readonly poolSize?: number;
  /**
   * How long a connection may take to open, or a request wait for one of the pool's (default 30 s): a server that
   * takes the connection and never answers is then a store unavailable (503), not a request that never ends.
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long a statement may wait for its answer (default 30 s, POSTGRES_QUERY_TIMEOUT_MS): a server that stops
   * answering on a connection already open is then a store unavailable (503) too, and the connection is thrown away.
   * An append that timed out may still have committed: its retry with the same event ids finds it. The migration
   * gets POSTGRES_LONG_STATEMENT_TIMEOUT_MS instead. Only for a pool the store makes.
   */
  readonly queryTimeoutMs?: number;
  /** Subscribers re-read this often when no notification arrives; default 250 ms. */
  readonly pollIntervalMs?: number;
  /** Wake subscribers through LISTEN/NOTIFY on a dedicated connection; default true. */
  readonly listen?: boolean;
  /** Batch concurrent appends into one statement and one commit; default on. `false`: one statement per append. */
  readonly groupCommit?: boolean | GroupCommitOptions;
  /** How long readAll and headPosition wait for events held back by an older in-flight transaction; default 1000 ms. */
  readonly visibilityWaitMs?: number;
}

/**
 * The PostgreSQL adapter of the EventStore port (DESIGN.md "Storage"). An
 * append is one statement (a plain INSERT for a single event, else a plpgsql
 * function); $all is ordered by (transaction id, position) and read only below
 * the oldest in-flight transaction, so no subscriber ever skips an event that
 * commits late.
 */
export class PostgresEventStore implements EventStore, OrderedAppends, SnapshotStore {
  readonly pool: Pool;
  readonly schema: string;
  private readonly names: SchemaNames;
  private readonly sql: Statements;
  private readonly ownsPool: boolean;
  private readonly writer: AppendWriter;
  private readonly appends: AppendBackend = {
    submit: (request) => this.writer.submit(request),
    findEvents: (tenantId, eventIds) => this.findEvents(tenantId, eventIds),
    streamRevision: (tenantId, streamId) => this.streamRevision(streamId, { tenantId }),
  };
  private readonly multiAppends: MultiAppendBackend = {
    send: async (tenantId, payload) => (await this.pool.query({ ...this.sql.appendToStreams, values: [tenantId, payload] })).rows,
    findEvents: (tenantId, eventIds) => this.findEvents(tenantId, eventIds),
    streamRevision: (tenantId, streamId) => this.streamRevision(streamId, { tenantId }),
  };
  private readonly orderedAppends: OrderedAppendBackend = {
    heads: async (tenantId, streamIds) => {
      const { rows } = await this.pool.query<{ stream_id: string; revision: string; hash: string }>({
        ...this.sql.heads,
        values: [tenantId, streamIds],
      });
      return new Map(rows.map((row): [string, StreamHead] => [row.stream_id, { revision: Number(row.revision), hash: row.hash }]));
    },
    insert: async (tenantId, payload) => {
      const { rows } = await this.pool.query<Parameters<typeof insertedEvents>[0]>({
        ...this.sql.appendInOrder,
        values: [tenantId, payload],
      });
      const row = rows[0];
      if (!row) throw new Error('the ordered append returned no row');
      return insertedEvents(row);
    },
    findEvents: (tenantId, eventIds) => this.findEvents(tenantId, eventIds),
  };
  private readonly signal = new AppendSignal();
  private readonly listener: NotificationListener | undefined;
  private readonly subscriptions = new Set<Subscription>();
  private readonly pollIntervalMs: number;
  private readonly visibilityWaitMs: number;
  private closed = false;

  constructor(connection: Pool | string, options: PostgresEventStoreOptions = {}) {
    this.names = schemaNames(options.schema ?? 'event_store');
    this.schema = this.names.schema;
    this.sql = statements(this.names);
    this.ownsPool = typeof connection === 'string';
    this.pool =
      typeof connection === 'string'
        ? ownPool(connection, options.poolSize ?? 10, options.connectTimeoutMs, options.queryTimeoutMs)
        : connection;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.visibilityWaitMs = options.visibilityWaitMs ?? 1000;
    this.writer = new AppendWriter(this.pool, this.sql, groupCommitSettings(options.groupCommit, this.pool.options.max ?? 10));
    this.listener =
      options.listen === false
        ? undefined
        : new NotificationListener({
            config: this.pool.options,
            channel: this.names.channel,
            onNotify: (payload) => this.signal.notify(appendedFromPayload(payload)),
          });
  }

  /** A store on a migrated schema. */
  static async open(connection: Pool | string, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(connection, options);
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Creates or updates the schema; safe to run again and from several processes at once. */
  async migrate(): Promise<void> {
    // May rightly take long (an index built on a large log), or wait for another process's migration.
    const migration = { text: migrationSql(this.names), query_timeout: POSTGRES_LONG_STATEMENT_TIMEOUT_MS }; // a per-query setting the driver's types omit
    await this.pool.query(migration);
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    const request = prepareAppend(streamId, events, options);
    const result = await runAppend(request, this.appends);
    if (events.length > 0)
      this.signal.notify({ categories: [request.category], types: [...new Set(request.wire.map((event) => event.type))] });
    return result;
  }

  /** One statement, one transaction; it does not join group commit, being rare and several streams wide. */
  async appendToStreams(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult> {
    const result = await runMultiAppend(appends, options, this.multiAppends);
    this.signal.notify();
    return result;
  }

  /**
   * OrderedAppends: the parts in the order given, a stream possibly more than once, in one multi-row INSERT
   * (one transaction); for bulk writers such as the demo seed. It does not join group commit either.
   */
  async appendInOrder(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult> {
    const result = await runOrderedAppend(appends, options, this.orderedAppends);
    this.signal.notify();
    return result;
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]> {
    const backwards = options?.direction === 'backwards';
    const from = options?.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    const statement = backwards ? this.sql.readBackwards : this.sql.readForwards;
    const { rows } = await this.pool.query<EventRow>({
      ...statement,
      values: [tenantOf(options), streamId, from, options?.maxCount ?? null],
    });
    return rows.map(toRecordedEvent);
  }

  async streamRevision(streamId: string, options?: TenantScoped): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ revision: string }>({ ...this.sql.streamRevision, values: [tenantOf(options), streamId] });
    const row = rows[0];
    return row === undefined ? undefined : Number(row.revision);
  }

  readAll(options: ReadAllOptions = {}): Promise<ReadAllSlice> {
    return readVisible(this.pool, this.sql, options, { maxWaitMs: this.visibilityWaitMs, aborted: () => this.closed });
  }

  subscribeToAll(handler: BatchHandler, options?: SubscribeOptions): Subscription {
    void this.listener?.start();
    let stopped = false;
    const inner = pollingSubscription(
      {
        // Bounded by the poll interval, so stop() and new notifications are never kept waiting long.
        readAll: (o) => readVisible(this.pool, this.sql, o, { maxWaitMs: this.pollIntervalMs, aborted: () => stopped || this.closed }),
        signal: this.signal,
        pollIntervalMs: this.pollIntervalMs,
      },
      handler,
      options,
    );
    const subscription: Subscription = {
      ...inner,
      stop: async () => {
        stopped = true;
        await inner.stop();
      },
    };
    this.subscriptions.add(subscription);
    void inner.done.catch(() => undefined).finally(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async findEvent(eventId: string, options?: TenantScoped): Promise<RecordedEvent | undefined> {
    return (await this.findEvents(tenantOf(options), [eventId]))[0];
  }

  comparePositions(a: string, b: string): number {
    return comparePositions(a, b);
  }

  headPosition(): Promise<string | undefined> {
    return visibleHead(this.pool, this.sql, { maxWaitMs: this.visibilityWaitMs, aborted: () => this.closed });
  }

  async readSnapshot(streamId: string, options?: TenantScoped): Promise<Snapshot | undefined> {
    const { rows } = await this.pool.query<SnapshotRow>({ ...this.sql.readSnapshot, values: [tenantOf(options), streamId] });
    const row = rows[0];
    return row === undefined ? undefined : toSnapshot(row);
  }

  async writeSnapshot(snapshot: Snapshot): Promise<void> {
    const { tenantId, streamId, revision, version, state } = snapshot;
    await this.pool.query({ ...this.sql.writeSnapshot, values: [tenantId, streamId, revision, version, JSON.stringify(state ?? null)] });
  }

  /** Stops subscriptions, lets queued appends finish, and ends the pool if the store created it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.writer.drained();
    await this.listener?.close();
    this.signal.notify();
    if (this.ownsPool) await this.pool.end();
  }

  private async findEvents(tenantId: string, eventIds: readonly string[]): Promise<readonly RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>({ ...this.sql.findEvents, values: [tenantId, eventIds] });
    return rows.map(toRecordedEvent);
  }
}

/**
 * A pool of its own (as the PostgreSQL read store's): idle connections are kept, with the statements they have
 * prepared, instead of closed after the driver's 10 s; one the server closes (a restart, `pg_terminate_backend`)
 * is reported on the pool, which drops it and opens another when asked; unheard, that error would end the process.
 */
function ownPool(connectionString: string, max: number, connectTimeoutMs?: number, queryTimeoutMs?: number): Pool {
  return hearConnectionErrors(
    new Pool(postgresPoolSettings({ connectionString, max, connectTimeoutMs, queryTimeoutMs, idleTimeoutMs: 0 })),
  );
}
