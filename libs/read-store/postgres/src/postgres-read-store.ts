import { createHash } from 'node:crypto';
import {
  aggregateOf,
  emptyAggregate,
  joinState,
  indexKeysOf,
  keysetOf,
  LeaseLostError,
  pageOf,
  parsePath,
  predicatesOf,
  rangesLeftToRows,
  runUnitOfWork,
  sortAggregateRows,
  sortKeysOf,
  type AggregateQuery,
  type AggregateRow,
  type BatchRead,
  type DocumentRecord,
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
import { Pool, type QueryResultRow } from 'pg';
import { POSTGRES_LONG_STATEMENT_TIMEOUT_MS, postgresPoolSettings, hearConnectionErrors, rollBackOrDiscard } from '@crm/shared/kernel';
import { commitStatement } from './commit';
import { statementTimeoutOn } from './connections';
import { checkSchemaName, hasLz4, migrateReadStore } from './schema';
import {
  aggregateColumns,
  createTableSql,
  indexSql,
  keyedIndexSql,
  oneOf,
  orderByClause,
  pageClause,
  SqlBuilder,
  tableNameOf,
  tableOf,
  whereClause,
  type Param,
} from './sql-query';

export interface PostgresReadStoreOptions {
  /** Schema for the `rm_` tables; default `read_model`. May be the event store's schema. */
  readonly schema?: string;
  /** Size of the pool made from a connection string; default 10. */
  readonly poolSize?: number;
  /**
   * How long a connection may take to open, or a request wait for one of the pool's (default 30 s): a server that
   * takes the connection and never answers is then a store unavailable (503), not a request that never ends.
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long a statement may wait for its answer (default 30 s, POSTGRES_QUERY_TIMEOUT_MS): a server that stops
   * answering on a connection already open is then a store unavailable (503) too, and the connection is thrown away.
   * Migrations, index builds, ANALYZE, dropping a collection and non-durable (rebuild) commits get
   * POSTGRES_LONG_STATEMENT_TIMEOUT_MS instead. Only for a pool the store makes.
   */
  readonly queryTimeoutMs?: number;
}

interface DocumentRow {
  readonly id: string;
  readonly position: string | null;
  readonly doc: object;
}

interface LeaseRow {
  readonly name: string;
  readonly owner: string;
  readonly epoch: string;
  readonly expires_at: Date;
}

interface StateRow {
  readonly name: string;
  readonly checkpoint: string | null;
  readonly details: object;
}

/** Attempts a batch that creates its collection's table makes when other creators race it (see createAndCommit). */
const CREATE_ATTEMPTS = 5;

/**
 * Read models as JSONB (DESIGN.md "Storage", server mode), a table per
 * collection (`tableNameOf`). A batch of documents and the checkpoint commit
 * in ONE statement (data-modifying CTEs), so exactly-once costs a single round
 * trip and no BEGIN/COMMIT; only a batch that writes a collection's first
 * documents creates its table first, in the same transaction.
 */
export class PostgresReadStore implements ReadStore {
  readonly atomic = true;
  readonly schema: string;
  readonly pool: Pool;
  private readonly ownsPool: boolean;
  private closed = false;
  /** Collections whose table this store has seen; one dropped elsewhere is forgotten when a statement misses it. */
  private readonly tables = new Set<string>();
  /** Whether the server compresses with lz4; asked once. */
  private lz4: Promise<boolean> | undefined;
  /** Indexed collections: rows this store has written since the table was last analyzed, and the table's rows then. */
  private readonly churn = new Map<string, { changed: number; rows: number }>();
  /** ANALYZEs run one after another, off every request's and commit's path; close() waits for the last. */
  private analyzing: Promise<void> = Promise.resolve();
  private readonly analyzeQueued = new Set<string>();

  private constructor(connection: Pool | string, options: PostgresReadStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? 'read_model');
    this.ownsPool = typeof connection === 'string';
    this.pool =
      typeof connection === 'string'
        ? ownPool(connection, options.poolSize ?? 10, options.connectTimeoutMs, options.queryTimeoutMs)
        : connection;
  }

  /** Connects (or reuses a pool, e.g. the event store's) and migrates the schema. */
  static async open(connection: Pool | string, options: PostgresReadStoreOptions = {}): Promise<PostgresReadStore> {
    const store = new PostgresReadStore(connection, options);
    try {
      await migrateReadStore(store.pool, store.schema);
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async get<D extends object = JsonObject>(collection: string, id: string): Promise<DocumentRecord<D> | undefined> {
    const rows = await this.read<DocumentRow>(collection, () => [
      `SELECT id, position, doc FROM ${this.table(collection)} WHERE id = $1`,
      [id],
    ]);
    return rows[0] ? toRecord<D>(rows[0]) : undefined;
  }

  async getMany<D extends object = JsonObject>(
    collection: string,
    ids: readonly string[],
  ): Promise<ReadonlyMap<string, DocumentRecord<D>>> {
    if (ids.length === 0) return new Map();
    const rows = await this.read<DocumentRow>(collection, () => {
      const sql = new SqlBuilder();
      return [`SELECT id, position, doc FROM ${this.table(collection)} WHERE ${oneOf(sql, 'id', ids, 'text')}`, sql.params];
    });
    return new Map(rows.map((row) => [row.id, toRecord<D>(row)]));
  }

  async find<D extends object = JsonObject>(collection: string, query: FindQuery = {}): Promise<readonly DocumentRecord<D>[]> {
    const rows = await this.read<DocumentRow>(collection, () => {
      const sql = new SqlBuilder();
      const { where, order, page } = findClauses(sql, query);
      return [`SELECT id, position, doc FROM ${this.table(collection)} ${where} ${order} ${page}`, sql.params];
    });
    return rows.map((row) => toRecord<D>(row));
  }

  /**
   * Every read in ONE statement (one round trip, one snapshot): each is its own SELECT, as `get` and `find`
   * send it, under UNION ALL, tagged with its place in the batch and its rank in its own order, by which the
   * rows come back.
   */
  async readMany(reads: readonly BatchRead[]): Promise<readonly (readonly DocumentRecord[])[]> {
    const out: DocumentRecord[][] = reads.map(() => []);
    for (const read of reads) if ('find' in read) findClauses(new SqlBuilder(), read.find); // a malformed one refused, as find does
    // A collection with no table (never written, or dropped) answers nothing; one dropped meanwhile: asked again without it.
    for (let attempt = 0; ; attempt += 1) {
      const present = await this.existing(reads.map((read) => read.collection));
      const sql = new SqlBuilder();
      const parts = reads.flatMap((read, q) => {
        if (!present.has(read.collection)) return [];
        const table = this.table(read.collection);
        if (!('find' in read))
          return [`(SELECT ${q} AS q, 1::bigint AS r, id, position, doc FROM ${table} WHERE id = ${sql.param(read.id)})`];
        const { where, order, page } = findClauses(sql, read.find);
        return [`(SELECT ${q} AS q, row_number() OVER (${order}) AS r, id, position, doc FROM ${table} ${where} ${order} ${page})`];
      });
      if (parts.length === 0) return out;
      try {
        const rows = await this.query<DocumentRow & { q: number }>(
          `SELECT q, id, position, doc FROM (${parts.join(' UNION ALL ')}) AS batch ORDER BY q, r`,
          sql.params,
        );
        for (const row of rows) out[row.q]?.push(toRecord(row));
        return out;
      } catch (error) {
        if (!isMissingTable(error) || attempt > 0) throw error;
        for (const read of reads) this.tables.delete(read.collection);
      }
    }
  }

  async count(collection: string, where?: Where): Promise<number> {
    const rows = await this.read<{ n: string }>(collection, () => {
      const sql = new SqlBuilder();
      return [`SELECT count(*) AS n FROM ${this.table(collection)} ${whereClause(sql, predicatesOf(where))}`, sql.params];
    });
    return Number(rows[0]?.n ?? 0);
  }

  async aggregate(collection: string, query: AggregateQuery): Promise<readonly AggregateRow[]> {
    const normalized = aggregateOf(query);
    const rows = await this.read<Record<string, unknown>>(collection, () => {
      const sql = new SqlBuilder();
      const where = whereClause(sql, normalized.predicates);
      const { columns, groupBy } = aggregateColumns(normalized);
      return [`SELECT ${columns} FROM ${this.table(collection)} ${where}${groupBy}`, sql.params];
    });
    const result = rows.map((row): AggregateRow => ({
      group: Object.fromEntries(normalized.groupBy.map((path, i) => [path.text, scalarOf(row[`g${i}`])])),
      count: Number(row['n']),
      sums: Object.fromEntries(normalized.sum.map((path, i) => [path.text, Number(row[`s${i}`] ?? 0)])),
    }));
    if (normalized.groupBy.length === 0) return result.length > 0 ? result : [emptyAggregate(normalized)];
    return sortAggregateRows(result, normalized.groupBy);
  }

  transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    const durable = options.durable !== false;
    const fence = options.fence;
    // A non-durable commit is a rebuild's batch (or other work its caller redoes): it may rightly be large and slow.
    const timeout = durable ? undefined : POSTGRES_LONG_STATEMENT_TIMEOUT_MS;
    return runUnitOfWork(this, work, async (changes: PendingChanges) => {
      const collections = [...new Set(changes.documents.map((write) => write.collection))];
      const present = await this.existing(collections);
      const statement = commitStatement(this.schema, changes, { durable, ...(fence ? { fence } : {}) }, (c) => present.has(c));
      const missing = statement.written.filter((collection) => !present.has(collection));
      const [row] =
        missing.length === 0
          ? await this.query<{ fenced?: string }>(statement.text, statement.values, timeout).catch((error: unknown) => {
              // A table dropped by another process: forgotten, so the next attempt (the runner retries) sees it gone.
              if (isMissingTable(error)) for (const collection of collections) this.tables.delete(collection);
              throw error;
            })
          : await this.createAndCommit(missing, statement.text, statement.values, fence !== undefined, timeout);
      if (fence && Number(row?.fenced ?? 0) === 0) throw new LeaseLostError(fence.lease, fence.epoch);
      this.noteWrites(changes);
    });
  }

  /**
   * The planner's statistics follow the documents: a collection whose table has taken more writes since it was
   * last analyzed than 1,000 rows and half the table (counted here, this store's own writes) is analyzed again, in
   * the background. Without it a serving collection built from an empty table (a
   * first start, catching up from the beginning of the log) keeps the statistics of its empty table wherever
   * autovacuum is off or has not come round yet: the planner takes a list of 37,403 deals for 50 rows, reads them
   * all through a bitmap scan and sorts them (250 ms at 1M events) instead of walking the order's index (0.4 ms).
   * Only indexed collections are counted (`ensureIndex`): a rebuild's fresh collection, loaded before its indexes
   * exist, is analyzed once they are.
   */
  private noteWrites(changes: PendingChanges): void {
    if (this.churn.size === 0) return;
    for (const { collection } of changes.documents) {
      const churn = this.churn.get(collection);
      if (churn === undefined) continue;
      churn.changed += 1;
      if (churn.changed < ANALYZE_AFTER_ROWS + ANALYZE_AFTER_SHARE * churn.rows || this.analyzeQueued.has(collection)) continue;
      this.analyzeQueued.add(collection);
      this.analyzing = this.analyzing.then(() => this.analyzeInBackground(collection));
    }
  }

  private async analyzeInBackground(collection: string): Promise<void> {
    this.analyzeQueued.delete(collection);
    const churn = this.churn.get(collection);
    if (this.closed || churn === undefined) return;
    churn.changed = 0; // writes committed while it runs count toward the next one
    try {
      churn.rows = await this.analyze(collection);
    } catch {
      // Dropped meanwhile (a switch), or the server away: the next writes try again; autovacuum may do it anyway.
    }
  }

  /** ANALYZE the collection's table; returns its rows as the planner now counts them. */
  private async analyze(collection: string): Promise<number> {
    await this.pool.query(long(`ANALYZE ${this.table(collection)}`));
    return this.plannedRows(collection);
  }

  /**
   * A collection's first documents: its table is created in the same transaction as the batch, so a refused or
   * fenced-off batch leaves no table behind. Two processes creating it at once: the second waits for the first
   * and fails on the catalog's unique key; the batch then goes again on the table that now exists. With several at
   * once, a second attempt may meet another creator still in flight (the one that failed first went again before the
   * others committed or rolled back): each attempt waits for one creator, so a few suffice (before, one; the contract
   * spec's six concurrent transactions failed with `type "rmd_c" already exists` on a loaded machine).
   */
  private async createAndCommit(
    missing: readonly string[],
    text: string,
    values: Param[],
    fenced: boolean,
    timeoutMs: number | undefined,
  ): Promise<readonly { fenced?: string }[]> {
    const lz4 = await this.hasLz4();
    for (let attempt = 0; ; attempt += 1) {
      const client = await this.pool.connect();
      const restore = timeoutMs === undefined ? () => undefined : statementTimeoutOn(client, timeoutMs);
      let discard: Error | undefined;
      try {
        await client.query('BEGIN');
        // Creators of one table take turns (a transaction lock, in one order): the second then finds the table made,
        // instead of meeting the catalog's unique keys half-way (`type "rmd_c" already exists`, 42710, which the
        // retry below did not know; a loaded run of the contract spec failed on it).
        for (const collection of [...missing].sort()) {
          await client.query(`SELECT pg_advisory_xact_lock(hashtext('crm.read_store.create'), hashtext($1))`, [
            `${this.schema}.${collection}`,
          ]);
        }
        for (const collection of missing) await client.query(createTableSql(this.schema, collection, lz4));
        const { rows } = await client.query<{ fenced?: string }>({ name: statementName(text), text, values });
        if (fenced && Number(rows[0]?.fenced ?? 0) === 0) await client.query('ROLLBACK');
        else {
          await client.query('COMMIT');
          for (const collection of missing) this.tables.add(collection);
        }
        return rows;
      } catch (error) {
        // No answer in time (or no connection): the client is thrown away rather than handed back mid-transaction.
        discard = await rollBackOrDiscard(client, error);
        const raced = ['23505', '42P07', '42710'].includes(String((error as { code?: unknown }).code));
        if (!raced || attempt >= CREATE_ATTEMPTS) throw error;
      } finally {
        restore();
        client.release(discard);
      }
    }
  }

  /** One statement: the row lock makes concurrent askers take turns; expiry is the server's clock. */
  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const rows = await this.query<LeaseRow>(
      `INSERT INTO ${this.schema}.rm_leases AS l (name, owner, epoch, expires_at)
       VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET
         epoch = CASE WHEN l.owner = excluded.owner THEN l.epoch ELSE l.epoch + 1 END,
         owner = excluded.owner,
         expires_at = excluded.expires_at
       WHERE l.owner = excluded.owner OR l.expires_at <= clock_timestamp()
       RETURNING name, owner, epoch, expires_at`,
      [name, owner, Math.max(1, Math.floor(ttlMs))],
    );
    return rows[0] ? leaseRecord(rows[0]) : undefined;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.query(`UPDATE ${this.schema}.rm_leases SET expires_at = to_timestamp(0) WHERE name = $1 AND owner = $2`, [name, owner]);
  }

  async listLeases(): Promise<readonly Lease[]> {
    const rows = await this.query<LeaseRow>(
      `SELECT name, owner, epoch, expires_at FROM ${this.schema}.rm_leases ORDER BY name COLLATE "C"`,
      [],
    );
    return rows.map(leaseRecord);
  }

  async loadCheckpoint(name: string): Promise<string | undefined> {
    return (await this.loadState(name))?.checkpoint;
  }

  saveCheckpoint(name: string, checkpoint: string): Promise<void> {
    return this.transaction((tx) => tx.saveCheckpoint(name, checkpoint));
  }

  async loadState(name: string): Promise<ProjectionState | undefined> {
    const rows = await this.query<StateRow>(`SELECT name, checkpoint, details FROM ${this.schema}.rm_projection_states WHERE name = $1`, [
      name,
    ]);
    return rows[0] ? joinState(rows[0].name, rows[0].checkpoint, rows[0].details) : undefined;
  }

  async listStates(): Promise<readonly ProjectionState[]> {
    const rows = await this.query<StateRow>(
      `SELECT name, checkpoint, details FROM ${this.schema}.rm_projection_states ORDER BY name COLLATE "C"`,
      [],
    );
    return rows.map((row) => joinState(row.name, row.checkpoint, row.details));
  }

  /** The collection's table, with its documents and indexes: one DROP TABLE, whatever its size. */
  async dropCollection(collection: string): Promise<void> {
    this.assertOpen();
    this.tables.delete(collection);
    this.churn.delete(collection);
    await this.pool.query(long(`DROP TABLE IF EXISTS ${this.table(collection)}`));
  }

  /**
   * The collection's expression indexes for these fields (see indexSql), its table created first if
   * need be. An index build holds only this collection's writes. When an index is new (a collection's
   * first declaration, or the end of a rebuild that loaded a fresh collection) the table is analyzed:
   * until then the planner knows nothing of its documents (a rebuilt list of 37,403 deals looked like
   * 188 rows and a page of it was sorted whole); ANALYZE keeps statistics on the indexes' expressions.
   */
  async ensureIndex(collection: string, fields: readonly string[]): Promise<void> {
    this.assertOpen();
    if (!(await this.existing([collection])).has(collection)) {
      await this.createTable(collection);
    }
    const keys = indexKeysOf(fields);
    const plain = keys.every((key) => key.kind === 'field' && key.direction === 'asc');
    const indexes = plain ? indexSql(this.schema, collection, fields.map(parsePath)) : [keyedIndexSql(this.schema, collection, keys)];
    const existing = await this.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexname = ANY ($3::text[])`,
      [this.schema, tableNameOf(collection), indexes.map((index) => index.name)],
    );
    const made = new Set(existing.map((row) => row.name));
    const missing = indexes.filter((index) => !made.has(index.name));
    for (const { sql } of missing) await this.pool.query(long(sql));
    if (missing.length > 0) this.churn.set(collection, { changed: 0, rows: await this.analyze(collection) });
    else if (!this.churn.has(collection)) this.churn.set(collection, { changed: 0, rows: await this.plannedRows(collection) });
  }

  /** The table's rows as its statistics last counted them (0 when never analyzed). */
  private async plannedRows(collection: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = $1::regclass`,
      [this.table(collection)],
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async createTable(collection: string): Promise<void> {
    try {
      await this.pool.query(createTableSql(this.schema, collection, await this.hasLz4()));
    } catch (error) {
      // Created by another process at the same moment: there it is.
      const code = (error as { code?: unknown }).code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
    this.tables.add(collection);
  }

  private hasLz4(): Promise<boolean> {
    this.lz4 ??= hasLz4(this.pool);
    return this.lz4;
  }

  private table(collection: string): string {
    return tableOf(this.schema, collection);
  }

  /** Which of these collections have a table: those seen before, and the others asked of the catalog in one statement. */
  private async existing(collections: readonly string[]): Promise<ReadonlySet<string>> {
    const unknown = [...new Set(collections.filter((collection) => !this.tables.has(collection)))];
    if (unknown.length > 0) {
      const rows = await this.query<{ name: string }>(
        `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND tablename = ANY ($2::text[])`,
        [this.schema, unknown.map(tableNameOf)],
      );
      const found = new Set(rows.map((row) => row.name));
      for (const collection of unknown) if (found.has(tableNameOf(collection))) this.tables.add(collection);
    }
    return new Set(collections.filter((collection) => this.tables.has(collection)));
  }

  /** A read of one collection: none when it has no table (never written, or dropped, here or by another process). */
  private async read<Row extends QueryResultRow>(collection: string, statement: () => [string, Param[]]): Promise<Row[]> {
    const [text, values] = statement(); // first: a malformed query is refused whether or not the collection exists
    if (!(await this.existing([collection])).has(collection)) return [];
    try {
      return await this.query<Row>(text, values);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      this.tables.delete(collection);
      return [];
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.analyzing;
    if (this.ownsPool) await this.pool.end();
  }

  /** Named statements: PostgreSQL plans each query shape once per connection. */
  private async query<Row extends QueryResultRow>(text: string, values: Param[], timeoutMs?: number): Promise<Row[]> {
    this.assertOpen();
    const result = await this.pool.query<Row>({
      name: statementName(text),
      text,
      values,
      ...(timeoutMs === undefined ? {} : { query_timeout: timeoutMs }),
    });
    return result.rows;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the PostgreSQL read store is closed');
  }
}

/**
 * autovacuum's rule for analyzing a table again (so many rows written plus a share of the table), with a larger floor
 * and share: row counts within half of the truth choose the same plans, and a table growing from empty to 100,000
 * documents is analyzed about a dozen times, not forty.
 */
const ANALYZE_AFTER_ROWS = 1000;
const ANALYZE_AFTER_SHARE = 0.5;

const statementName = (text: string) => `rm_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;

/** undefined_table: a collection's table dropped (by another process) after it was looked up. */
function isMissingTable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '42P01';
}

/** A find's WHERE (filter and keyset), ORDER BY and LIMIT/OFFSET, its parameters added to `sql`. */
function findClauses(sql: SqlBuilder, query: FindQuery): { where: string; order: string; page: string } {
  const keys = sortKeysOf(query.orderBy);
  const predicates = predicatesOf(query.where);
  return {
    where: whereClause(sql, predicates, keysetOf(query.after, keys), rangesLeftToRows(predicates, keys, query.through)),
    order: orderByClause(keys),
    page: pageClause(sql, pageOf(query)),
  };
}

/**
 * The store's own connections are kept while idle (the driver closes them after 10 s by default). A connection
 * carries its prepared statements and their plans, and a new one pays for all of them again: its first statement
 * on the documents table loads the catalog entries of every collection's index (about 20 ms at 1M events), and each
 * statement is planned for each of its first five executions (1–2 ms each). Asked after 15 s idle, a KPI quarter at
 * 1M answered in 105 ms and then 24–36 ms for several requests, against 8–9 ms warm. A kept connection the server
 * closes (a restart, `pg_terminate_backend`) reports an error on the pool: the pool drops it and opens another when
 * asked; without a listener that error would end the process.
 */
function ownPool(connectionString: string, max: number, connectTimeoutMs?: number, queryTimeoutMs?: number): Pool {
  return hearConnectionErrors(
    new Pool(postgresPoolSettings({ connectionString, max, connectTimeoutMs, queryTimeoutMs, idleTimeoutMs: 0 })),
  );
}

/** A statement that may rightly run long (an index build, ANALYZE, DROP TABLE): POSTGRES_LONG_STATEMENT_TIMEOUT_MS. */
function long(text: string): { text: string; query_timeout: number } {
  return { text, query_timeout: POSTGRES_LONG_STATEMENT_TIMEOUT_MS };
}

function leaseRecord(row: LeaseRow): Lease {
  return { name: row.name, owner: row.owner, epoch: Number(row.epoch), expiresAt: row.expires_at.toISOString() };
}

function toRecord<D extends object>(row: DocumentRow): DocumentRecord<D> {
  return { id: row.id, doc: row.doc as D, position: row.position ?? undefined };
}

function scalarOf(value: unknown): Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}
