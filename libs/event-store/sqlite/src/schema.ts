import type Database from 'better-sqlite3';

export type SynchronousMode = 'FULL' | 'NORMAL';

export interface ConnectionOptions {
  /**
   * FULL (default) fsyncs the WAL on every commit, so a committed append
   * survives power loss. NORMAL only survives process crashes.
   */
  readonly synchronous?: SynchronousMode;
  /** How long a writer waits for another process's write lock before failing. */
  readonly busyTimeoutMs?: number;
  /** Page cache of the connection in KiB (default PAGE_CACHE_KIB, for appends); a scan of the log needs far less. */
  readonly pageCacheKib?: number;
}

/**
 * Version of the schema below, kept in `PRAGMA user_version`. Each entry of
 * MIGRATIONS moves the file one version up; never edit a released entry.
 */
export const SCHEMA_VERSION = 2;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS events (
    position   INTEGER PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    stream_id  TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    event_id   TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    metadata   TEXT    NOT NULL,
    UNIQUE (tenant_id, stream_id, revision),
    UNIQUE (tenant_id, event_id)
  );
  -- The rowid (= position) is implicitly the last key column, so these also
  -- yield a single type's or category's events in $all order without sorting.
  CREATE INDEX IF NOT EXISTS events_by_type ON events (type);
  CREATE INDEX IF NOT EXISTS events_by_category ON events (category);
  CREATE TABLE IF NOT EXISTS snapshots (
    tenant_id  TEXT    NOT NULL,
    stream_id  TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, stream_id)
  ) WITHOUT ROWID;
  `,
  // Every index is one more page each commit writes to the WAL (and later checkpoints). The type and category
  // indexes cost a third of the append rate, for filtered reads that a scan of the log from the checkpoint serves
  // in position order anyway (all-query.ts): catch-ups start near the head, and rebuilds read everything.
  `
  DROP INDEX IF EXISTS events_by_type;
  DROP INDEX IF EXISTS events_by_category;
  `,
];

export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Page cache per connection, in KiB (SQLite's default is 2 MiB). Every append looks up and inserts into the
 * two unique indexes (stream revision, event id), whose keys land at random places; with the default cache a
 * log of a million events reads most of those pages back from the OS on each commit. Pages are cached as they
 * are touched, so a small store never holds this much. `crm-cli seed` at 1M events: 4.6k → 6.2k events/s.
 */
export const PAGE_CACHE_KIB = 262_144;

/** Applies the connection settings the store's guarantees rest on; also fine on a shared connection. */
export function configureConnection(db: Database.Database, options: ConnectionOptions = {}): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  // After journal_mode: switching to WAL would otherwise leave the build's WAL default (NORMAL).
  db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
  // Checkpoint every ~40 MB of WAL instead of every 4 MB: each checkpoint copies pages back and syncs the
  // file, and an append dirties several pages (table and indexes), so fewer, larger checkpoints pay off.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma('foreign_keys = ON');
  // Freed pages are zeroed, so a purged read-model row or dropped snapshot leaves no personal data behind.
  db.pragma('secure_delete = ON');
  db.pragma(`cache_size = -${Math.max(64, Math.floor(options.pageCacheKib ?? PAGE_CACHE_KIB))}`);
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the file to SCHEMA_VERSION; safe when several processes open a new file at once. */
export function migrate(db: Database.Database): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read under the write lock: another process may have migrated meanwhile.
    const current = userVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new Error(`${db.name} has event store schema version ${current}; this code knows up to ${SCHEMA_VERSION}`);
    }
    for (let version = current; version < SCHEMA_VERSION; version += 1) db.exec(MIGRATIONS[version] as string);
    if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
