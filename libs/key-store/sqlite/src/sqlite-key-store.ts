import Database from 'better-sqlite3';
import type { KeyStore, SubjectKeyRef } from '@crm/shared/personal-data';

/**
 * Wrapped data keys in their own SQLite file (embedded mode: `<data>/keys.sqlite`),
 * apart from the events. Deleted keys are overwritten (`secure_delete`) and the
 * WAL is truncated after each delete, so an erased key lingers in no page.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly statements: {
    get: Database.Statement<[string, string], { wrapped: Buffer }>;
    insert: Database.Statement<[string, string, Buffer, string]>;
    remove: Database.Statement<[string, string]>;
  };

  constructor(readonly db: Database.Database) {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = FULL');
    db.pragma('secure_delete = ON');
    db.exec(`CREATE TABLE IF NOT EXISTS personal_data_keys (
      tenant_id TEXT NOT NULL,
      subject_ref TEXT NOT NULL,
      wrapped BLOB NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (tenant_id, subject_ref)
    ) WITHOUT ROWID`);
    this.statements = {
      get: db.prepare('SELECT wrapped FROM personal_data_keys WHERE tenant_id = ? AND subject_ref = ?'),
      insert: db.prepare(
        'INSERT INTO personal_data_keys (tenant_id, subject_ref, wrapped, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      remove: db.prepare('DELETE FROM personal_data_keys WHERE tenant_id = ? AND subject_ref = ?'),
    };
  }

  static open(file: string): SqliteKeyStore {
    return new SqliteKeyStore(new Database(file));
  }

  async get(ref: SubjectKeyRef): Promise<Buffer | undefined> {
    return this.statements.get.get(ref.tenantId, ref.subjectRef)?.wrapped;
  }

  async create(ref: SubjectKeyRef, wrapped: Buffer): Promise<Buffer> {
    this.statements.insert.run(ref.tenantId, ref.subjectRef, wrapped, new Date().toISOString());
    return this.statements.get.get(ref.tenantId, ref.subjectRef)?.wrapped as Buffer;
  }

  /** One transaction, so one sync, for keys created together. */
  async createMany(entries: readonly { readonly ref: SubjectKeyRef; readonly wrapped: Buffer }[]): Promise<Buffer[]> {
    const now = new Date().toISOString();
    return this.db.transaction(() =>
      entries.map(({ ref, wrapped }) => {
        this.statements.insert.run(ref.tenantId, ref.subjectRef, wrapped, now);
        return this.statements.get.get(ref.tenantId, ref.subjectRef)?.wrapped as Buffer;
      }),
    )();
  }

  async delete(ref: SubjectKeyRef): Promise<boolean> {
    const deleted = this.statements.remove.run(ref.tenantId, ref.subjectRef).changes > 0;
    if (deleted) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return deleted;
  }

  async has(ref: SubjectKeyRef): Promise<boolean> {
    return this.statements.get.get(ref.tenantId, ref.subjectRef) !== undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
