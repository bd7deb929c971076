import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ERASED_KEY, isErasedKey, type KeyStore, type SubjectKeyRef } from '@crm/shared/personal-data';

/** `deferSync`: the work may commit without a sync of its own, made durable by the next synced commit of the file. */
export interface WriteOptions {
  readonly deferSync?: boolean;
}

/** An event store's connection and its group commit (the SQLite event store is one). */
export interface SharedSqliteWriter {
  readonly db: Database.Database;
  inWriteGroup<T>(work: () => T, options?: WriteOptions): Promise<T>;
}

const TABLE = `CREATE TABLE IF NOT EXISTS personal_data_keys (
  tenant_id TEXT NOT NULL,
  subject_ref TEXT NOT NULL,
  wrapped BLOB NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, subject_ref)
) WITHOUT ROWID`;

/**
 * Wrapped data keys in a table of their own. In embedded mode the table lives
 * in the events' file (`crm.sqlite`, table `personal_data_keys`) and its writes
 * ride the event store's group commit, so a command that makes a key and
 * appends pays for one fsync, not two (`SqliteKeyStore.beside`): a new key's
 * commit does not sync the file (a group of keys alone commits at NORMAL), the
 * events sealed with it do, and their sync makes the key durable with them, the
 * WAL being written in order. A crash in between loses the key and nothing that
 * was sealed with it. A key's deletion (erasure) syncs at once. Deleted keys
 * are overwritten (`secure_delete`) and the WAL is truncated after each delete,
 * so an erased key lingers in no page.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly statements: {
    get: Database.Statement<[string, string], { wrapped: Buffer }>;
    insert: Database.Statement<[string, string, Buffer, string]>;
    erase: Database.Statement<[string, string, Buffer, string]>;
    discard: Database.Statement<[string, string]>;
    startingWith: Database.Statement<[number, string], { tenant_id: string; subject_ref: string }>;
  };
  private readonly write: <T>(work: () => T, options?: WriteOptions) => Promise<T>;
  private readonly ownsConnection: boolean;

  constructor(
    readonly db: Database.Database,
    options: {
      readonly write?: <T>(work: () => T, options?: WriteOptions) => Promise<T>;
      readonly ownsConnection?: boolean;
    } = {},
  ) {
    this.ownsConnection = options.ownsConnection ?? true;
    if (this.ownsConnection) {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = FULL');
    }
    db.pragma('secure_delete = ON');
    db.exec(TABLE);
    this.statements = {
      get: db.prepare('SELECT wrapped FROM personal_data_keys WHERE tenant_id = ? AND subject_ref = ?'),
      insert: db.prepare(
        'INSERT INTO personal_data_keys (tenant_id, subject_ref, wrapped, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      // The key's bytes are overwritten in place (secure_delete frees the old cell zeroed); the row stays as the tombstone.
      erase: db.prepare(
        'INSERT INTO personal_data_keys (tenant_id, subject_ref, wrapped, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, subject_ref) DO UPDATE SET wrapped = excluded.wrapped',
      ),
      discard: db.prepare('DELETE FROM personal_data_keys WHERE tenant_id = ? AND subject_ref = ? AND length(wrapped) > 0'),
      // substr counts characters, as the prefix's length is given; BINARY comparison: byte order.
      startingWith: db.prepare<[number, string], { tenant_id: string; subject_ref: string }>(
        'SELECT tenant_id, subject_ref FROM personal_data_keys WHERE substr(subject_ref, 1, ?) = ? AND length(wrapped) > 0 ORDER BY tenant_id, subject_ref',
      ),
    };
    const inTransaction = db.transaction((work: () => unknown) => work());
    this.write = options.write ?? (<T>(work: () => T) => Promise.resolve(inTransaction(work) as T));
  }

  /** A file of its own (tools, tests, and the layout before keys moved beside the events). */
  static open(file: string): SqliteKeyStore {
    return new SqliteKeyStore(new Database(file));
  }

  /**
   * The table in the event store's own file, written through its group commit. Keys still in a
   * `legacyFile` (the earlier `keys.sqlite` beside it) are copied in first and the file removed.
   */
  static beside(events: SharedSqliteWriter, legacyFile?: string): SqliteKeyStore {
    const store = new SqliteKeyStore(events.db, {
      write: (work, options) => events.inWriteGroup(work, options),
      ownsConnection: false,
    });
    if (legacyFile !== undefined && existsSync(legacyFile)) store.adopt(legacyFile);
    return store;
  }

  async get(ref: SubjectKeyRef): Promise<Buffer | undefined> {
    return this.statements.get.get(ref.tenantId, ref.subjectRef)?.wrapped;
  }

  async create(ref: SubjectKeyRef, wrapped: Buffer): Promise<Buffer> {
    const [stored] = await this.createMany([{ ref, wrapped }]);
    return stored as Buffer;
  }

  /**
   * One transaction (or a share of the group commit's) for keys created together; the first key made for a
   * subject wins. Beside the events, its sync is deferred to theirs (see the class).
   */
  createMany(entries: readonly { readonly ref: SubjectKeyRef; readonly wrapped: Buffer }[]): Promise<Buffer[]> {
    const now = new Date().toISOString();
    return this.write(
      () =>
        entries.map(({ ref, wrapped }) => {
          this.statements.insert.run(ref.tenantId, ref.subjectRef, wrapped, now);
          return this.statements.get.get(ref.tenantId, ref.subjectRef)?.wrapped as Buffer;
        }),
      { deferSync: true },
    );
  }

  async delete(ref: SubjectKeyRef): Promise<boolean> {
    const deleted = await this.write(() => {
      const had = this.statements.get.get(ref.tenantId, ref.subjectRef)?.wrapped;
      this.statements.erase.run(ref.tenantId, ref.subjectRef, ERASED_KEY, new Date().toISOString());
      return had !== undefined && !isErasedKey(had);
    });
    if (deleted) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return deleted;
  }

  /** The row goes (secure_delete zeroes its cell); a tombstone stays. */
  async discard(ref: SubjectKeyRef): Promise<boolean> {
    return this.write(() => this.statements.discard.run(ref.tenantId, ref.subjectRef).changes > 0);
  }

  async has(ref: SubjectKeyRef): Promise<boolean> {
    const stored = this.statements.get.get(ref.tenantId, ref.subjectRef)?.wrapped;
    return stored !== undefined && !isErasedKey(stored);
  }

  async refsStartingWith(prefix: string): Promise<SubjectKeyRef[]> {
    return this.statements.startingWith
      .all([...prefix].length, prefix)
      .map((row) => ({ tenantId: row.tenant_id, subjectRef: row.subject_ref }));
  }

  async close(): Promise<void> {
    if (this.ownsConnection && this.db.open) this.db.close();
  }

  /** Copies the keys of an older separate key file into this table (first key per subject wins), then removes that file. */
  private adopt(file: string): void {
    let legacy: Database.Database;
    try {
      legacy = new Database(file, { fileMustExist: true });
    } catch (error) {
      if (!existsSync(file)) return; // another process sharing the directory adopted it first
      throw error;
    }
    try {
      const hasKeys = legacy.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'personal_data_keys'").get();
      if (hasKeys === undefined) return;
      const rows = legacy
        .prepare<[], { tenant_id: string; subject_ref: string; wrapped: Buffer; created_at: string }>(
          'SELECT tenant_id, subject_ref, wrapped, created_at FROM personal_data_keys',
        )
        .all();
      // Committed before the file goes: a crash in between leaves both, and the next start adopts again.
      this.db.transaction(() => {
        for (const row of rows) this.statements.insert.run(row.tenant_id, row.subject_ref, row.wrapped, row.created_at);
      })();
    } finally {
      legacy.close();
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }
}
