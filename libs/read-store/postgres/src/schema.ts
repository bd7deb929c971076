import type { Pool, PoolClient } from 'pg';
import { POSTGRES_LONG_STATEMENT_TIMEOUT_MS, rollBackOrDiscard } from '@crm/shared/kernel';
import { statementTimeoutOn } from './connections';
import { createTableSql, tableOf } from './sql-query';

export const READ_STORE_SCHEMA_VERSION = 5;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The schema name is spliced into SQL, so only plain lower-case identifiers
 * pass. Tables carry an `rm_` prefix, so the read store may share the event
 * store's schema.
 */
export function checkSchemaName(schema: string): string {
  if (!IDENTIFIER.test(schema))
    throw new RangeError(`invalid read store schema name ${JSON.stringify(schema)}: use lower-case letters, digits, _`);
  return schema;
}

type Migration = string | ((client: PoolClient) => Promise<void>);

function migrations(schema: string): readonly Migration[] {
  return [
    `
    CREATE TABLE ${schema}.rm_documents (
      collection text  NOT NULL,
      id         text  NOT NULL,
      position   text,
      doc        jsonb NOT NULL,
      PRIMARY KEY (collection, id)
    );
    -- Equality filters are containment (doc @> '{"a":{"b":1}}'), which this one index serves for every field.
    CREATE INDEX rm_documents_doc ON ${schema}.rm_documents USING gin (doc jsonb_path_ops);
    CREATE TABLE ${schema}.rm_projection_states (
      name       text  PRIMARY KEY,
      checkpoint text,
      details    jsonb NOT NULL DEFAULT '{}'
    );
    `,
    // v2: the GIN index over every document of every collection made each write index every path of
    // the document (a whole audit trail) and a rebuild maintain it throughout. Collections now get
    // partial expression indexes on the fields their projection declares (ensureIndex), built once
    // when a rebuild finishes. lz4 compresses the documents faster than pglz, where the server has it.
    `
    DROP INDEX IF EXISTS ${schema}.rm_documents_doc;
    DO $$ BEGIN
      EXECUTE 'ALTER TABLE ${schema}.rm_documents ALTER COLUMN doc SET COMPRESSION lz4';
    EXCEPTION WHEN OTHERS THEN NULL;
    END $$;
    `,
    // v3: one writer per projection and reactor across processes (see ReadStore.acquireLease).
    `
    CREATE TABLE IF NOT EXISTS ${schema}.rm_leases (
      name       text        PRIMARY KEY,
      owner      text        NOT NULL,
      epoch      bigint      NOT NULL,
      expires_at timestamptz NOT NULL
    );
    `,
    // v4: a table per collection (tableNameOf), as the SQLite read store has. On one shared table every statement was
    // planned over every collection's partial indexes (1–2 ms per custom plan with 81 of them), an index build held
    // every projection's writes, and a replaced build was deleted row by row. The documents move to their
    // collection's table; the runner's ensureIndex makes the indexes on them when it opens each projection.
    async (client) => {
      const { rows } = await client.query<{ collection: string }>(`SELECT DISTINCT collection FROM ${schema}.rm_documents`);
      const lz4 = await hasLz4(client);
      for (const { collection } of rows) {
        await client.query(createTableSql(schema, collection, lz4));
        await client.query(
          `INSERT INTO ${tableOf(schema, collection)} (id, position, doc) SELECT id, position, doc FROM ${schema}.rm_documents WHERE collection = $1`,
          [collection],
        );
      }
      await client.query(`DROP TABLE ${schema}.rm_documents`);
    },
    // v5: ids in byte order (createTableSql). Every query orders and pages ids COLLATE "C"; a primary key under the
    // database's collation (C.UTF-8, en_US…) served neither, so a walk in id order (the loyalty population's read
    // of every document, 500 at a time) sorted the whole collection for each page: 128 ms a page of 500 at 1M.
    async (client) => {
      const { rows } = await client.query<{ table: string }>(
        `SELECT c.table_name AS table FROM information_schema.columns c
          WHERE c.table_schema = $1 AND c.column_name = 'id' AND (c.table_name LIKE 'rmd\\_%' OR c.table_name LIKE 'rmh\\_%')
            AND c.collation_name IS DISTINCT FROM 'C'`,
        [schema],
      );
      for (const { table } of rows) await client.query(`ALTER TABLE ${schema}."${table}" ALTER COLUMN id TYPE text COLLATE "C"`);
    },
  ];
}

/** Whether this server compresses TOAST with lz4 (built with it, PostgreSQL 14 and later). */
export async function hasLz4(db: Pool | PoolClient): Promise<boolean> {
  const { rows } = await db.query<{ lz4: boolean }>(
    `SELECT coalesce(bool_or('lz4' = ANY (enumvals)), false) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`,
  );
  return rows[0]?.lz4 === true;
}

/** Creates or upgrades the schema; an advisory lock makes concurrent starters take turns. */
export async function migrateReadStore(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  // A migration may rightly take long (v4 moves every document, v5 rebuilds every primary key), and so may the wait
  // for another process's migration lock: not cut at the pool's query timeout.
  const restore = statementTimeoutOn(client, POSTGRES_LONG_STATEMENT_TIMEOUT_MS);
  let discard: Error | undefined;
  try {
    await client.query('BEGIN');
    // The event store's migration lock for the same schema: the two must not race on CREATE SCHEMA of a shared one.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('crm.event_store.migrate'), hashtext($1))`, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.rm_schema (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${schema}.rm_schema`);
    const current = rows[0]?.version ?? 0;
    if (current > READ_STORE_SCHEMA_VERSION) {
      throw new Error(`schema ${schema} has read store version ${current}; this code knows up to ${READ_STORE_SCHEMA_VERSION}`);
    }
    for (const migration of migrations(schema).slice(current, READ_STORE_SCHEMA_VERSION)) {
      if (typeof migration === 'string') await client.query(migration);
      else await migration(client);
    }
    await client.query(
      `INSERT INTO ${schema}.rm_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
      [READ_STORE_SCHEMA_VERSION],
    );
    await client.query('COMMIT');
  } catch (error) {
    discard = await rollBackOrDiscard(client, error);
    throw error;
  } finally {
    restore();
    client.release(discard);
  }
}
