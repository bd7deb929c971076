import { Pool } from 'pg';
import { isErasedKey, type KeyStore, type SubjectKeyRef } from '@crm/shared/personal-data';
import { hearConnectionErrors, postgresPoolSettings, rollBackOrDiscard } from '@crm/shared/kernel';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresKeyStoreOptions {
  readonly schema?: string;
  /** Size of the pool made from a connection string; default 4. */
  readonly poolSize?: number;
  /**
   * A new key's commit does not wait for its WAL to be flushed (`synchronous_commit = off` for that transaction).
   * Only where the events sealed with the keys are appended to the same PostgreSQL server, synchronously: their
   * commit flushes the WAL up to its own record, the key's included (WAL is flushed in order), so the key is durable
   * before any event that needs it is acknowledged; a crash in between loses the key and nothing sealed with it.
   * A key's deletion (erasure) always waits for its flush. Not for keys beside events kept elsewhere (KurrentDB).
   */
  readonly deferSync?: boolean;
  /**
   * How long a statement may wait for its answer (default 30 s, POSTGRES_QUERY_TIMEOUT_MS): a server that stops
   * answering on a connection already open is then a store unavailable (503), and the connection is thrown away.
   * Only for a pool the store makes.
   */
  readonly queryTimeoutMs?: number;
}

/** Wrapped data keys in their own table (`<schema>.personal_data_keys`), apart from the events. */
export class PostgresKeyStore implements KeyStore {
  /** Insert a key, or return the stored one when another writer came first (the no-op update makes RETURNING give it). */
  private readonly insert: string;
  /** The same as a statement of its own; deferred, it sets synchronous_commit off for its implicit transaction (the INSERT reads the CTE, so it runs first). */
  private readonly insertAlone: string;

  private constructor(
    readonly pool: Pool,
    readonly schema: string,
    private readonly ownsPool: boolean,
    private readonly deferSync: boolean,
  ) {
    const upsert = (rows: string) =>
      `INSERT INTO ${this.table} (tenant_id, subject_ref, wrapped) ${rows}
       ON CONFLICT (tenant_id, subject_ref) DO UPDATE SET tenant_id = EXCLUDED.tenant_id
       RETURNING wrapped`;
    this.insert = upsert('VALUES ($1, $2, $3)');
    this.insertAlone = deferSync
      ? `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)) ${upsert('SELECT $1, $2, $3::bytea FROM relaxed')}`
      : this.insert;
  }

  static async open(connection: string | Pool, options: PostgresKeyStoreOptions = {}): Promise<PostgresKeyStore> {
    const schema = options.schema ?? 'crm';
    if (!IDENTIFIER.test(schema)) throw new Error(`schema ${JSON.stringify(schema)} must be a lower-case SQL identifier`);
    // A pool of its own hears the errors of the connections the server closes (hearConnectionErrors); a pool given is
    // its owner's to set up so (the PostgreSQL event store's is).
    const pool =
      typeof connection === 'string'
        ? hearConnectionErrors(
            new Pool(
              postgresPoolSettings({ connectionString: connection, max: options.poolSize ?? 4, queryTimeoutMs: options.queryTimeoutMs }),
            ),
          )
        : connection;
    const store = new PostgresKeyStore(pool, schema, typeof connection === 'string', options.deferSync === true);
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch((error: { code?: string }) => {
      // Two processes creating the schema at once: the loser sees a unique violation, and the schema exists.
      if (error.code !== '23505') throw error;
    });
    await pool
      .query(
        `CREATE TABLE IF NOT EXISTS "${schema}".personal_data_keys (
           tenant_id text NOT NULL,
           subject_ref text NOT NULL,
           wrapped bytea NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (tenant_id, subject_ref))`,
      )
      .catch((error: { code?: string }) => {
        if (error.code !== '23505' && error.code !== '42P07') throw error;
      });
    return store;
  }

  private get table(): string {
    return `"${this.schema}".personal_data_keys`;
  }

  async get(ref: SubjectKeyRef): Promise<Buffer | undefined> {
    const { rows } = await this.pool.query<{ wrapped: Buffer }>(
      `SELECT wrapped FROM ${this.table} WHERE tenant_id = $1 AND subject_ref = $2`,
      [ref.tenantId, ref.subjectRef],
    );
    return rows[0]?.wrapped;
  }

  async create(ref: SubjectKeyRef, wrapped: Buffer): Promise<Buffer> {
    const { rows } = await this.pool.query<{ wrapped: Buffer }>(this.insertAlone, [ref.tenantId, ref.subjectRef, wrapped]);
    return rows[0]?.wrapped as Buffer;
  }

  /**
   * One transaction for keys created together, inserted in one global order (tenant, then subject, byte order): two
   * writers making some of the same keys at once (two servers, one request retried on each) wait for each other's
   * rows in the same order, so they never deadlock. Answered in the order given.
   */
  async createMany(entries: readonly Entry[]): Promise<Buffer[]> {
    const order = entries.map((_, index) => index).sort((a, b) => compareRefs((entries[a] as Entry).ref, (entries[b] as Entry).ref));
    const client = await this.pool.connect();
    let discard: Error | undefined;
    try {
      await client.query(this.deferSync ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
      const stored: Buffer[] = new Array<Buffer>(entries.length);
      for (const index of order) {
        const { ref, wrapped } = entries[index] as Entry;
        const { rows } = await client.query<{ wrapped: Buffer }>(this.insert, [ref.tenantId, ref.subjectRef, wrapped]);
        stored[index] = rows[0]?.wrapped as Buffer;
      }
      await client.query('COMMIT');
      return stored;
    } catch (error) {
      discard = await rollBackOrDiscard(client, error);
      throw error;
    } finally {
      client.release(discard);
    }
  }

  /** The key replaced by its tombstone (an empty value) in one statement, inserted when the subject had no row. */
  async delete(ref: SubjectKeyRef): Promise<boolean> {
    const { rows } = await this.pool.query<{ live: boolean | null }>(
      `WITH before AS (SELECT length(wrapped) > 0 AS live FROM ${this.table} WHERE tenant_id = $1 AND subject_ref = $2)
       INSERT INTO ${this.table} (tenant_id, subject_ref, wrapped) VALUES ($1, $2, ''::bytea)
       ON CONFLICT (tenant_id, subject_ref) DO UPDATE SET wrapped = ''::bytea
       RETURNING (SELECT live FROM before) AS live`,
      [ref.tenantId, ref.subjectRef],
    );
    return rows[0]?.live === true;
  }

  async discard(ref: SubjectKeyRef): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.table} WHERE tenant_id = $1 AND subject_ref = $2 AND length(wrapped) > 0`,
      [ref.tenantId, ref.subjectRef],
    );
    return (rowCount ?? 0) > 0;
  }

  async has(ref: SubjectKeyRef): Promise<boolean> {
    const stored = await this.get(ref);
    return stored !== undefined && !isErasedKey(stored);
  }

  async refsStartingWith(prefix: string): Promise<SubjectKeyRef[]> {
    const { rows } = await this.pool.query<{ tenant_id: string; subject_ref: string }>(
      `SELECT tenant_id, subject_ref FROM ${this.table} WHERE starts_with(subject_ref, $1) AND length(wrapped) > 0
        ORDER BY tenant_id COLLATE "C", subject_ref COLLATE "C"`,
      [prefix],
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, subjectRef: row.subject_ref }));
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

type Entry = { readonly ref: SubjectKeyRef; readonly wrapped: Buffer };

/** Byte order of tenant, then subject: the order every createMany inserts in. */
function compareRefs(a: SubjectKeyRef, b: SubjectKeyRef): number {
  return Buffer.compare(Buffer.from(`${a.tenantId}\u0000${a.subjectRef}`), Buffer.from(`${b.tenantId}\u0000${b.subjectRef}`));
}
