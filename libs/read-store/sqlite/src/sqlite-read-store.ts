import Database from 'better-sqlite3';
import { isSqliteBusy } from '@crm/shared/kernel';
import {
  aggregateOf,
  emptyAggregate,
  joinState,
  indexKeysOf,
  keysetOf,
  LeaseLostError,
  leaseOf,
  nextLease,
  pageOf,
  predicatesOf,
  runUnitOfWork,
  sortAggregateRows,
  sortKeysOf,
  splitState,
  type AggregateQuery,
  type AggregateRow,
  type DocumentRecord,
  type Fence,
  type FindQuery,
  type JsonObject,
  type Lease,
  type PendingChanges,
  type ProjectionState,
  type ReadStore,
  type ReadStoreTransaction,
  type TransactionOptions,
  type Scalar,
  type Where,
} from '@crm/shared/read-model';
import { migrateReadStore } from './schema';
import { aggregateSql, createTableSql, findQuerySql, indexSql, tableNameOf, tableOf, whereClause, type Param } from './sql-query';
import {
  prepareDocumentStatements,
  prepareStatements,
  StatementCache,
  type DocumentRow,
  type DocumentStatements,
  type LeaseTableRow,
  type StateRow,
  type Statements,
} from './statements';

const SYNCHRONOUS_NORMAL = 1;
/** The connection's own busy timeout when the store waits for the write lock on timers (see `write`). */
const LOCK_PROBE_MS = 5;
const LOCK_RETRY_MS = 10;
/**
 * A write that held the file's lock this long (an index build, a drop, a large batch) lets the other connections in
 * before this store's next write: that one waits OTHERS_TURN_MS first. Back to back, such writes would otherwise
 * keep the lock: another process probes every LOCK_RETRY_MS and would almost never meet the gap between them.
 */
const LONG_HOLD_MS = 20;
const OTHERS_TURN_MS = 3 * LOCK_RETRY_MS;

export interface SqliteReadStoreOptions {
  /** Close the connection in close(); leave it false when the connection is shared (e.g. `SqliteEventStore.db`). */
  readonly closeDatabase?: boolean;
  /**
   * How long a write waits, on timers, for a write lock another connection holds (default 0: only the
   * connection's own busy timeout, SQLite's busy handler, waits). openSqliteReadStore sets it.
   */
  readonly lockWaitMs?: number;
}

export interface OpenSqliteReadStoreOptions {
  readonly file: string;
  /** FULL (default) survives power loss; NORMAL only process crashes (a read model can be rebuilt). */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection's write lock before it fails with SQLITE_BUSY (default 5 s). */
  readonly busyTimeoutMs?: number;
}

/** Opens (creating if needed) a read store in its own SQLite file. */
export function openSqliteReadStore(options: OpenSqliteReadStoreOptions): SqliteReadStore {
  const db = new Database(options.file);
  try {
    db.pragma('journal_mode = WAL');
    // Writes wait for another connection's write lock on timers (SqliteReadStore.write), not in SQLite's busy handler.
    const lockWaitMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
    db.pragma(`busy_timeout = ${Math.min(LOCK_PROBE_MS, lockWaitMs)}`);
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('secure_delete = ON'); // a purged person's text leaves no freed page behind (docs/personal-data.md)
    return new SqliteReadStore(db, { closeDatabase: true, lockWaitMs });
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Read models as JSON text in SQLite (DESIGN.md "Storage", embedded mode).
 * On the event store's own connection, a projection's documents and its
 * checkpoint commit in one transaction of the same file: exactly-once.
 * Every batch is one synchronous `BEGIN IMMEDIATE` transaction of prepared
 * statements, so nothing else on the connection can interleave with it.
 */
export class SqliteReadStore implements ReadStore {
  readonly atomic = true;
  private readonly statements: Statements;
  private readonly cache: StatementCache;
  private readonly commitChanges: Database.Transaction<(changes: PendingChanges, fence?: Fence) => void>;
  private readonly takeLease: Database.Transaction<(name: string, owner: string, ttlMs: number) => LeaseTableRow | undefined>;
  /** Collections whose table this connection has seen, with their document statements. */
  private readonly tables = new Map<string, DocumentStatements>();
  private readonly closeDatabase: boolean;
  private readonly lockWaitMs: number;
  /** Set by a write transaction's body: once it ran, BEGIN had the lock, and a refusal is not one to wait out. */
  private began = false;
  /** Set while a write waits for another connection's write lock: the other writes wait behind it. */
  private lockHeldElsewhere: Promise<void> | undefined;
  /** After a long write, the next one waits until then (see LONG_HOLD_MS). */
  private othersTurnUntil = 0;
  private closed = false;

  constructor(
    readonly db: Database.Database,
    options: SqliteReadStoreOptions = {},
  ) {
    migrateReadStore(db);
    this.statements = prepareStatements(db);
    this.cache = new StatementCache(db);
    this.closeDatabase = options.closeDatabase ?? false;
    this.lockWaitMs = Math.max(0, options.lockWaitMs ?? 0);
    this.commitChanges = db.transaction((changes: PendingChanges, fence?: Fence) => {
      this.began = true;
      // Under the write lock (IMMEDIATE): a takeover cannot slip in between this check and the writes.
      if (fence && this.statements.leaseEpoch.get(fence.lease) !== fence.epoch) throw new LeaseLostError(fence.lease, fence.epoch);
      this.apply(changes);
    });
    this.takeLease = db.transaction((name: string, owner: string, ttlMs: number) => {
      this.began = true;
      const row = this.statements.loadLease.get(name);
      const current = row && { owner: row.owner, epoch: row.epoch, expiresAtMs: row.expires_at };
      const next = nextLease(current, owner, Date.now(), ttlMs);
      if (!next) return undefined;
      this.statements.saveLease.run(name, next.owner, next.epoch, next.expiresAtMs);
      return { name, owner: next.owner, epoch: next.epoch, expires_at: next.expiresAtMs };
    });
  }

  async get<D extends object = JsonObject>(collection: string, id: string): Promise<DocumentRecord<D> | undefined> {
    const row = this.read(collection, undefined, (docs) => docs.get.get(id));
    return row ? toRecord<D>(row) : undefined;
  }

  async getMany<D extends object = JsonObject>(
    collection: string,
    ids: readonly string[],
  ): Promise<ReadonlyMap<string, DocumentRecord<D>>> {
    const rows = ids.length === 0 ? [] : this.read(collection, [], (docs) => docs.getMany.all(JSON.stringify(ids)));
    return new Map(rows.map((row) => [row.id, toRecord<D>(row)]));
  }

  async find<D extends object = JsonObject>(collection: string, query: FindQuery = {}): Promise<readonly DocumentRecord<D>[]> {
    const keys = sortKeysOf(query.orderBy);
    const keyset = keysetOf(query.after, keys);
    const predicates = predicatesOf(query.where);
    const page = pageOf(query);
    const { sql, params } = findQuerySql(collection, predicates, keys, page, keyset, query.through);
    return this.query<DocumentRow>(collection, sql, params).map((row) => toRecord<D>(row));
  }

  async count(collection: string, where?: Where): Promise<number> {
    const clause = whereClause(predicatesOf(where));
    return (
      this.query<{ n: number }>(collection, `SELECT count(*) AS n FROM ${tableOf(collection)} ${clause.sql}`, clause.params)[0]?.n ?? 0
    );
  }

  async aggregate(collection: string, query: AggregateQuery): Promise<readonly AggregateRow[]> {
    const normalized = aggregateOf(query);
    const { sql, params } = aggregateSql(collection, whereClause(normalized.predicates), normalized);
    const rows = this.query<Record<string, string | number | null>>(collection, sql, params).map((row): AggregateRow => ({
      group: Object.fromEntries(normalized.groupBy.map((path, i) => [path.text, scalarOf(row[`g${i}`])])),
      count: Number(row['n']),
      sums: Object.fromEntries(normalized.sum.map((path, i) => [path.text, Number(row[`s${i}`] ?? 0)])),
    }));
    if (normalized.groupBy.length === 0) return rows.length > 0 ? rows : [emptyAggregate(normalized)];
    return sortAggregateRows(rows, normalized.groupBy);
  }

  transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    return runUnitOfWork(this, work, (changes) =>
      this.write(() => {
        try {
          if (options.durable === false) this.commitRelaxed(changes, options.fence);
          else this.commitChanges.immediate(changes, options.fence);
        } catch (error) {
          // A table created in the rolled-back transaction is gone again.
          for (const collection of new Set(changes.documents.map((write) => write.collection))) this.forget(collection);
          throw error;
        }
      }),
    );
  }

  /** In one IMMEDIATE transaction, so two processes asking at once take turns. */
  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const row = await this.write(() => this.takeLease.immediate(name, owner, ttlMs));
    return row && leaseRecord(row);
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.write(() => this.statements.releaseLease.run(name, owner));
  }

  async listLeases(): Promise<readonly Lease[]> {
    this.assertOpen();
    return this.statements.listLeases.all().map(leaseRecord);
  }

  async loadCheckpoint(name: string): Promise<string | undefined> {
    this.assertOpen();
    return this.statements.loadState.get(name)?.checkpoint ?? undefined;
  }

  async saveCheckpoint(name: string, checkpoint: string): Promise<void> {
    await this.write(() => this.statements.saveCheckpoint.run(name, checkpoint));
  }

  async loadState(name: string): Promise<ProjectionState | undefined> {
    this.assertOpen();
    const row = this.statements.loadState.get(name);
    return row ? stateOf(row) : undefined;
  }

  async listStates(): Promise<readonly ProjectionState[]> {
    this.assertOpen();
    return this.statements.listStates.all().map(stateOf);
  }

  /** The collection's table, with its documents and indexes. */
  async dropCollection(collection: string): Promise<void> {
    await this.write(() => {
      this.forget(collection);
      this.db.exec(`DROP TABLE IF EXISTS ${tableOf(collection)}`);
    });
  }

  /** An expression index on this collection's table (see indexSql). */
  async ensureIndex(collection: string, fields: readonly string[]): Promise<void> {
    await this.write(() => {
      this.documents(collection, true);
      this.db.exec(indexSql(collection, indexKeysOf(fields)));
    });
  }

  /**
   * A write, made again after a pause while another connection (a `crm-cli rebuild` building indexes, another
   * process's lanes) holds the file's write lock, for up to `lockWaitMs`. The wait is on timers, not in SQLite's busy
   * handler: better-sqlite3 is synchronous, and a busy handler holds the event loop for as long as the other writer
   * holds the lock, every request of the API and every lease renewal with it (a lock held 2 s by another process
   * stalled /health/live for 2 s). The first try has the connection's short busy timeout, for a lock held a moment;
   * then one write at a time probes, without a busy handler, every LOCK_RETRY_MS, and the others queue behind it.
   * Only a refusal before anything ran is waited out (a transaction's BEGIN IMMEDIATE, a single statement).
   */
  private async write<T>(attempt: () => T): Promise<T> {
    const since = performance.now();
    if (since < this.othersTurnUntil) await new Promise((resolve) => setTimeout(resolve, this.othersTurnUntil - since));
    while (this.lockHeldElsewhere) await this.lockHeldElsewhere;
    const refused = (error: unknown) => this.began || !isSqliteBusy(error) || performance.now() - since >= this.lockWaitMs;
    try {
      return this.attempt(attempt);
    } catch (error) {
      if (refused(error)) throw error;
    }
    let freed: (() => void) | undefined;
    this.lockHeldElsewhere = new Promise<void>((resolve) => (freed = resolve));
    try {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
        const busyTimeout = this.db.pragma('busy_timeout', { simple: true }) as number;
        this.db.pragma('busy_timeout = 0');
        try {
          return this.attempt(attempt);
        } catch (error) {
          if (refused(error)) throw error;
        } finally {
          if (this.db.open) this.db.pragma(`busy_timeout = ${busyTimeout}`);
        }
      }
    } finally {
      this.lockHeldElsewhere = undefined;
      freed?.();
    }
  }

  private attempt<T>(write: () => T): T {
    this.assertOpen();
    this.began = false;
    const started = performance.now();
    try {
      return write();
    } finally {
      const ended = performance.now();
      if (ended - started >= LONG_HOLD_MS) this.othersTurnUntil = ended + OTHERS_TURN_MS;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.closeDatabase) this.db.close();
  }

  private query<Row>(collection: string, sql: string, params: Param[]): Row[] {
    return this.read(collection, [], () => this.cache.statement<Row>(collection, sql).all(...params));
  }

  /**
   * The collection's statements; its table is created first when `create` (writes), else
   * undefined while it does not exist (a collection nothing was written to reads as empty).
   */
  private documents(collection: string, create: boolean): DocumentStatements | undefined {
    let statements = this.tables.get(collection);
    if (statements) return statements;
    if (create) this.db.exec(createTableSql(collection));
    else if (this.statements.tableExists.get(tableNameOf(collection)) === undefined) return undefined;
    statements = prepareDocumentStatements(this.db, collection);
    this.tables.set(collection, statements);
    return statements;
  }

  /** A read of a collection that may not exist (never written, or dropped by another connection): then `empty`. */
  private read<T>(collection: string, empty: T, work: (docs: DocumentStatements) => T): T {
    this.assertOpen();
    const docs = this.documents(collection, false);
    if (!docs) return empty;
    try {
      return work(docs);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      this.forget(collection);
      return empty;
    }
  }

  private forget(collection: string): void {
    this.tables.delete(collection);
    this.cache.forget(collection);
  }

  /**
   * In WAL mode, synchronous=NORMAL commits without an fsync: a power loss may
   * roll the commit back (whole), and the next FULL commit on this file syncs it
   * with its own. The connection may be shared with the event store, so the
   * level goes back at once; better-sqlite3 being synchronous, nothing else on
   * the connection runs in between.
   */
  private commitRelaxed(changes: PendingChanges, fence: Fence | undefined): void {
    const level = this.statements.synchronous.get() as number;
    if (level <= SYNCHRONOUS_NORMAL || this.statements.journalMode.get() !== 'wal') {
      this.commitChanges.immediate(changes, fence);
      return;
    }
    this.db.pragma(`synchronous = ${SYNCHRONOUS_NORMAL}`);
    try {
      this.commitChanges.immediate(changes, fence);
    } finally {
      this.db.pragma(`synchronous = ${level}`);
    }
  }

  private apply(changes: PendingChanges): void {
    const { saveState, saveCheckpoint, deleteState } = this.statements;
    let collection: string | undefined;
    let docs: DocumentStatements | undefined;
    for (const write of changes.documents) {
      if (write.collection !== collection) {
        collection = write.collection;
        docs = this.documents(collection, true) as DocumentStatements;
      }
      if (write.json === null) docs?.remove.run(write.id);
      else docs?.upsert.run(write.id, write.position ?? null, write.json);
    }
    for (const write of changes.states) {
      if (write.kind === 'delete') deleteState.run(write.name);
      else if (write.kind === 'checkpoint') saveCheckpoint.run(write.name, write.checkpoint);
      else {
        const { checkpoint, details } = splitState(write.state);
        saveState.run(write.state.name, checkpoint, details);
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the SQLite read store is closed');
  }
}

/** By message, not `instanceof Error`: the driver's errors may come from another realm (Jest's VM contexts). */
function isMissingTable(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /no such table/.test(message);
}

function toRecord<D extends object>(row: DocumentRow): DocumentRecord<D> {
  return { id: row.id, doc: JSON.parse(row.doc) as D, position: row.position ?? undefined };
}

function leaseRecord(row: LeaseTableRow): Lease {
  return leaseOf(row.name, { owner: row.owner, epoch: row.epoch, expiresAtMs: row.expires_at });
}

function stateOf(row: StateRow): ProjectionState {
  return joinState(row.name, row.checkpoint, row.details);
}

/** Group keys arrive as JSON text (see aggregateSql); anything but a scalar groups as absent, as in memory. */
function scalarOf(json: string | number | null | undefined): Scalar {
  if (typeof json !== 'string') return null;
  const value: unknown = JSON.parse(json);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}
