import type Database from 'better-sqlite3';
import { createTableSql, tableOf } from './sql-query';

/**
 * The read store's own schema version, kept in its own table: the event store
 * owns `PRAGMA user_version` of a shared file. Each entry of MIGRATIONS moves
 * the schema one version up; never edit a released entry.
 */
export const READ_STORE_SCHEMA_VERSION = 4;

type Migration = string | ((db: Database.Database) => void);

const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE rm_documents (
    collection TEXT NOT NULL,
    id         TEXT NOT NULL,
    position   TEXT,
    doc        TEXT NOT NULL,
    PRIMARY KEY (collection, id)
  );
  CREATE TABLE rm_projection_states (
    name       TEXT PRIMARY KEY,
    checkpoint TEXT,
    details    TEXT NOT NULL DEFAULT '{}'
  ) WITHOUT ROWID;
  `,
  // v2: expression indexes became partial, one set per physical collection (see indexSql): the shared ones
  // made every write of every collection pay for every projection's indexes. The runner's ensureIndex
  // recreates them, per collection, for the builds it serves.
  (db) => {
    const shared = db
      .prepare<[], string>(
        "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'rm_documents' AND name LIKE 'rm\\_documents\\_by\\_%' ESCAPE '\\'",
      )
      .pluck()
      .all();
    for (const name of shared) db.exec(`DROP INDEX IF EXISTS "${name.replace(/"/g, '""')}"`);
  },
  // v3: one writer per projection and reactor across processes (see ReadStore.acquireLease).
  `
  CREATE TABLE IF NOT EXISTS rm_leases (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    epoch      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // v4: a table per collection (see tableOf): a rebuild's index builds scan only its own documents and a
  // replaced build drops as one table. The runner's ensureIndex recreates the indexes on the new tables.
  (db) => {
    const collections = db.prepare<[], string>('SELECT DISTINCT collection FROM rm_documents').pluck().all();
    for (const collection of collections) {
      db.exec(createTableSql(collection));
      db.prepare(
        `INSERT INTO ${tableOf(collection)} (id, position, doc) SELECT id, position, doc FROM rm_documents WHERE collection = ?`,
      ).run(collection);
    }
    db.exec('DROP TABLE rm_documents');
  },
];

function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'rm_schema'").get();
  if (!table) return 0;
  return db.prepare<[], { version: number }>('SELECT version FROM rm_schema WHERE id = 1').get()?.version ?? 0;
}

/** Brings the read-store tables to the current version; safe when several processes open the file at once. */
export function migrateReadStore(db: Database.Database): void {
  if (schemaVersion(db) === READ_STORE_SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read under the write lock (IMMEDIATE): another process may have migrated meanwhile.
    const current = schemaVersion(db);
    if (current > READ_STORE_SCHEMA_VERSION) {
      throw new Error(`${db.name} has read store schema version ${current}; this code knows up to ${READ_STORE_SCHEMA_VERSION}`);
    }
    db.exec('CREATE TABLE IF NOT EXISTS rm_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    for (let version = current; version < READ_STORE_SCHEMA_VERSION; version += 1) {
      const migration = MIGRATIONS[version] as Migration;
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
    }
    db.prepare('INSERT INTO rm_schema (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version').run(
      READ_STORE_SCHEMA_VERSION,
    );
  }).immediate();
}
