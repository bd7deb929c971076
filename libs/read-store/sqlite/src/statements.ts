import type Database from 'better-sqlite3';
import { tableOf, type Param } from './sql-query';

export interface DocumentRow {
  readonly id: string;
  readonly position: string | null;
  readonly doc: string;
}

export interface LeaseTableRow {
  readonly name: string;
  readonly owner: string;
  readonly epoch: number;
  readonly expires_at: number;
}

export interface StateRow {
  readonly name: string;
  readonly checkpoint: string | null;
  readonly details: string;
}

/** Every fixed statement, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    tableExists: db.prepare<[string], number>("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").pluck(),
    loadState: db.prepare<[string], StateRow>('SELECT name, checkpoint, details FROM rm_projection_states WHERE name = ?'),
    listStates: db.prepare<[], StateRow>('SELECT name, checkpoint, details FROM rm_projection_states ORDER BY name'),
    saveState: db.prepare<[string, string | null, string]>(
      `INSERT INTO rm_projection_states (name, checkpoint, details) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint, details = excluded.details`,
    ),
    saveCheckpoint: db.prepare<[string, string]>(
      `INSERT INTO rm_projection_states (name, checkpoint) VALUES (?, ?)
       ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint`,
    ),
    deleteState: db.prepare<[string]>('DELETE FROM rm_projection_states WHERE name = ?'),
    loadLease: db.prepare<[string], LeaseTableRow>('SELECT name, owner, epoch, expires_at FROM rm_leases WHERE name = ?'),
    listLeases: db.prepare<[], LeaseTableRow>('SELECT name, owner, epoch, expires_at FROM rm_leases ORDER BY name'),
    saveLease: db.prepare<[string, string, number, number]>(
      `INSERT INTO rm_leases (name, owner, epoch, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, epoch = excluded.epoch, expires_at = excluded.expires_at`,
    ),
    releaseLease: db.prepare<[string, string]>('UPDATE rm_leases SET expires_at = 0 WHERE name = ? AND owner = ?'),
    leaseEpoch: db.prepare<[string], number>('SELECT epoch FROM rm_leases WHERE name = ?').pluck(),
    synchronous: db.prepare<[], number>('PRAGMA synchronous').pluck(),
    journalMode: db.prepare<[], string>('PRAGMA journal_mode').pluck(),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** One collection's document statements, prepared once its table exists. */
export function prepareDocumentStatements(db: Database.Database, collection: string) {
  const table = tableOf(collection);
  return {
    get: db.prepare<[string], DocumentRow>(`SELECT id, position, doc FROM ${table} WHERE id = ?`),
    // The ids travel as one JSON array: one prepared statement serves every batch size.
    getMany: db.prepare<[string], DocumentRow>(`SELECT id, position, doc FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`),
    upsert: db.prepare<[string, string | null, string]>(
      `INSERT INTO ${table} (id, position, doc) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET position = excluded.position, doc = excluded.doc`,
    ),
    remove: db.prepare<[string]>(`DELETE FROM ${table} WHERE id = ?`),
  };
}

export type DocumentStatements = ReturnType<typeof prepareDocumentStatements>;

const MAX_CACHED_SHAPES = 512;

/**
 * Query statements prepared once per collection (its table) and shape (which
 * fields, which operators), not per call.
 */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement<Param[]>>();

  constructor(private readonly db: Database.Database) {}

  /** Statements of a dropped collection's table can no longer run. */
  forget(collection: string): void {
    const prefix = `${collection}\u0000`;
    for (const key of this.statements.keys()) if (key.startsWith(prefix)) this.statements.delete(key);
  }

  statement<Row>(collection: string, sql: string): Database.Statement<Param[], Row> {
    const key = `${collection}\u0000${sql}`;
    let statement = this.statements.get(key);
    if (!statement) {
      // Shapes come from code, so few exist; the cap only guards against a caller generating them.
      if (this.statements.size >= MAX_CACHED_SHAPES) this.statements.clear();
      statement = this.db.prepare<Param[]>(sql);
      this.statements.set(key, statement);
    }
    return statement as Database.Statement<Param[], Row>;
  }
}
