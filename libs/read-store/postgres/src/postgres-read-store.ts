import { createHash } from 'node:crypto';
import {
  aggregateOf,
  emptyAggregate,
  joinState,
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
  type FieldPath,
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
import { commitParams, commitSql } from './commit';
import { checkSchemaName, migrateReadStore } from './schema';
import {
  aggregateColumns,
  indexPrefix,
  indexSql,
  oneOf,
  orderByClause,
  pageClause,
  SqlBuilder,
  statisticsName,
  statisticsSql,
  whereClause,
  type Param,
} from './sql-query';

export interface PostgresReadStoreOptions {
  /** Schema for the `rm_` tables; default `read_model`. May be the event store's schema. */
  readonly schema?: string;
  /** Size of the pool made from a connection string; default 10. */
  readonly poolSize?: number;
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

/**
 * Read models as JSONB (DESIGN.md "Storage", server mode). A batch of
 * documents and the checkpoint commit in ONE statement (data-modifying CTEs),
 * so exactly-once costs a single round trip and no BEGIN/COMMIT.
 */
export class PostgresReadStore implements ReadStore {
  readonly atomic = true;
  readonly schema: string;
  readonly pool: Pool;
  private readonly ownsPool: boolean;
  private readonly commitDurable: string;
  private readonly commitRelaxed: string;
  private readonly commitFencedDurable: string;
  private readonly commitFencedRelaxed: string;
  private closed = false;
  /** Whether the server keeps statistics on expressions (PostgreSQL 14 and later); asked once. */
  private expressionStatistics: Promise<boolean> | undefined;

  private constructor(connection: Pool | string, options: PostgresReadStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? 'read_model');
    this.ownsPool = typeof connection === 'string';
    this.commitDurable = commitSql(this.schema);
    this.commitRelaxed = commitSql(this.schema, false);
    this.commitFencedDurable = commitSql(this.schema, true, true);
    this.commitFencedRelaxed = commitSql(this.schema, false, true);
    this.pool = typeof connection === 'string' ? ownPool(connection, options.poolSize ?? 10) : connection;
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
    const rows = await this.query<DocumentRow>(
      `SELECT id, position, doc FROM ${this.schema}.rm_documents WHERE collection = $1 AND id = $2`,
      [collection, id],
    );
    return rows[0] ? toRecord<D>(rows[0]) : undefined;
  }

  async getMany<D extends object = JsonObject>(
    collection: string,
    ids: readonly string[],
  ): Promise<ReadonlyMap<string, DocumentRecord<D>>> {
    if (ids.length === 0) return new Map();
    const sql = new SqlBuilder();
    const where = `collection = ${sql.param(collection)} AND ${oneOf(sql, 'id', ids, 'text')}`;
    const rows = await this.query<DocumentRow>(`SELECT id, position, doc FROM ${this.schema}.rm_documents WHERE ${where}`, sql.params);
    return new Map(rows.map((row) => [row.id, toRecord<D>(row)]));
  }

  async find<D extends object = JsonObject>(collection: string, query: FindQuery = {}): Promise<readonly DocumentRecord<D>[]> {
    const sql = new SqlBuilder();
    const { where, order, page } = findClauses(sql, collection, query);
    const rows = await this.query<DocumentRow>(
      `SELECT id, position, doc FROM ${this.schema}.rm_documents ${where} ${order} ${page}`,
      sql.params,
    );
    return rows.map((row) => toRecord<D>(row));
  }

  /**
   * Every read in ONE statement (one round trip, one snapshot): each is its own SELECT, as `get` and `find`
   * send it, under UNION ALL, tagged with its place in the batch and its rank in its own order, by which the
   * rows come back.
   */
  async readMany(reads: readonly BatchRead[]): Promise<readonly (readonly DocumentRecord[])[]> {
    if (reads.length === 0) return [];
    const sql = new SqlBuilder();
    const parts = reads.map((read, q) => {
      if (!('find' in read)) {
        const where = `${whereClause(sql, read.collection, [])} AND id = ${sql.param(read.id)}`;
        return `(SELECT ${q} AS q, 1::bigint AS r, id, position, doc FROM ${this.schema}.rm_documents ${where})`;
      }
      const { where, order, page } = findClauses(sql, read.collection, read.find);
      return `(SELECT ${q} AS q, row_number() OVER (${order}) AS r, id, position, doc FROM ${this.schema}.rm_documents ${where} ${order} ${page})`;
    });
    const rows = await this.query<DocumentRow & { q: number }>(
      `SELECT q, id, position, doc FROM (${parts.join(' UNION ALL ')}) AS batch ORDER BY q, r`,
      sql.params,
    );
    const out: DocumentRecord[][] = reads.map(() => []);
    for (const row of rows) out[row.q]?.push(toRecord(row));
    return out;
  }

  async count(collection: string, where?: Where): Promise<number> {
    const sql = new SqlBuilder();
    const clause = whereClause(sql, collection, predicatesOf(where));
    const rows = await this.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.schema}.rm_documents ${clause}`, sql.params);
    return Number(rows[0]?.n ?? 0);
  }

  async aggregate(collection: string, query: AggregateQuery): Promise<readonly AggregateRow[]> {
    const normalized = aggregateOf(query);
    const sql = new SqlBuilder();
    const where = whereClause(sql, collection, normalized.predicates);
    const { columns, groupBy } = aggregateColumns(normalized);
    const rows = await this.query<Record<string, unknown>>(
      `SELECT ${columns} FROM ${this.schema}.rm_documents ${where}${groupBy}`,
      sql.params,
    );
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
    return runUnitOfWork(this, work, async (changes: PendingChanges) => {
      if (!fence) {
        await this.query(durable ? this.commitDurable : this.commitRelaxed, commitParams(changes));
        return;
      }
      const [row] = await this.query<{ fenced: string }>(durable ? this.commitFencedDurable : this.commitFencedRelaxed, [
        ...commitParams(changes),
        fence.lease,
        fence.epoch,
      ]);
      if (Number(row?.fenced ?? 0) === 0) throw new LeaseLostError(fence.lease, fence.epoch);
    });
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

  /** The documents and the collection's own indexes (dropped CONCURRENTLY: queries of other collections do not wait). */
  async dropCollection(collection: string): Promise<void> {
    const prefix = indexPrefix(collection);
    const indexes = await this.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = 'rm_documents' AND starts_with(indexname, $2)`,
      [this.schema, prefix],
    );
    for (const { name } of indexes) await this.pool.query(`DROP INDEX CONCURRENTLY IF EXISTS ${this.schema}.${name}`);
    await this.query(`DELETE FROM ${this.schema}.rm_documents WHERE collection = $1`, [collection]);
  }

  /**
   * A partial expression index over this collection only (see indexSql); it serves equality on the
   * fields. Plain CREATE INDEX: writes to rm_documents wait while one collection's index builds.
   * When an index is new (a collection's first declaration, or the end of a rebuild that loaded a
   * fresh collection) the table is analyzed: until then the planner knows nothing of the collection's
   * documents (a rebuilt list of 37,403 deals looked like 188 rows and a page of it was sorted whole).
   */
  async ensureIndex(collection: string, fields: readonly string[]): Promise<void> {
    this.assertOpen();
    const paths = fields.map(parsePath);
    const indexes = indexSql(this.schema, collection, paths);
    const existing = await this.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = 'rm_documents' AND indexname = ANY ($2::text[])`,
      [this.schema, indexes.map((index) => index.name)],
    );
    const made = new Set(existing.map((row) => row.name));
    const missing = indexes.filter((index) => !made.has(index.name));
    for (const { sql } of missing) await this.pool.query(sql);
    if ((await this.ensureStatistics(paths)) || missing.length > 0) await this.pool.query(`ANALYZE ${this.schema}.rm_documents`);
  }

  /**
   * Expression statistics on each field (statisticsSql), made once per schema (PostgreSQL 14 and later);
   * true when one is new: the table is then analyzed, so the planner has them at once rather than at
   * autovacuum's next turn.
   */
  private async ensureStatistics(fields: readonly FieldPath[]): Promise<boolean> {
    this.expressionStatistics ??= this.query<{ version: string }>(`SELECT current_setting('server_version_num') AS version`, []).then(
      (rows) => Number(rows[0]?.version ?? 0) >= 140_000,
    );
    if (!(await this.expressionStatistics)) return false;
    const names = fields.map(statisticsName);
    const existing = await this.query<{ name: string }>(
      `SELECT s.stxname AS name FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE n.nspname = $1 AND s.stxname = ANY ($2::text[])`,
      [this.schema, names],
    );
    const made = new Set(existing.map((row) => row.name));
    const missing = fields.filter((field) => !made.has(statisticsName(field)));
    for (const field of missing) await this.pool.query(statisticsSql(this.schema, field));
    return missing.length > 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  /** Named statements: PostgreSQL plans each query shape once per connection. */
  private async query<Row extends QueryResultRow>(text: string, values: Param[]): Promise<Row[]> {
    this.assertOpen();
    const name = `rm_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    const result = await this.pool.query<Row>({ name, text, values });
    return result.rows;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the PostgreSQL read store is closed');
  }
}

/** A find's WHERE (filter and keyset), ORDER BY and LIMIT/OFFSET, its parameters added to `sql`. */
function findClauses(sql: SqlBuilder, collection: string, query: FindQuery): { where: string; order: string; page: string } {
  const keys = sortKeysOf(query.orderBy);
  const predicates = predicatesOf(query.where);
  return {
    where: whereClause(sql, collection, predicates, keysetOf(query.after, keys), rangesLeftToRows(predicates, keys, query.through)),
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
function ownPool(connectionString: string, max: number): Pool {
  const pool = new Pool({ connectionString, max, idleTimeoutMillis: 0 });
  pool.on('error', () => undefined);
  return pool;
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
