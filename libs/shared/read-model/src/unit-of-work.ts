import { serializeDocument, type DocumentRecord } from './document';
import type { ProjectionState, ReadStoreReader, ReadStoreTransaction } from './read-store';

export interface DocumentWrite {
  readonly collection: string;
  readonly id: string;
  /** Serialised JSON, or null to delete. */
  readonly json: string | null;
  readonly position: string | undefined;
}

export type StateWrite =
  | { readonly kind: 'state'; readonly state: ProjectionState }
  | { readonly kind: 'checkpoint'; readonly name: string; readonly checkpoint: string }
  | { readonly kind: 'delete'; readonly name: string };

/** What a transaction leaves to commit: at most one write per document and per state name. */
export interface PendingChanges {
  readonly documents: readonly DocumentWrite[];
  readonly states: readonly StateWrite[];
}

const key = (collection: string, id: string) => `${collection}\u0000${id}`;

/**
 * The buffering half of every adapter's `transaction`: adapters supply committed
 * reads and a commit of the collapsed changes in one database transaction.
 */
export class UnitOfWork implements ReadStoreTransaction {
  private readonly documents = new Map<string, DocumentWrite>();
  private readonly states = new Map<string, StateWrite>();

  constructor(private readonly committed: ReadStoreReader) {}

  async get<D extends object>(collection: string, id: string): Promise<DocumentRecord<D> | undefined> {
    const pending = this.documents.get(key(collection, id));
    if (pending) return recordOf<D>(pending);
    return this.committed.get<D>(collection, id);
  }

  async getMany<D extends object>(collection: string, ids: readonly string[]): Promise<ReadonlyMap<string, DocumentRecord<D>>> {
    const unbuffered = ids.filter((id) => !this.documents.has(key(collection, id)));
    const found = unbuffered.length > 0 ? await this.committed.getMany<D>(collection, unbuffered) : new Map<string, DocumentRecord<D>>();
    const result = new Map<string, DocumentRecord<D>>();
    for (const id of ids) {
      const pending = this.documents.get(key(collection, id));
      const record = pending ? recordOf<D>(pending) : found.get(id);
      if (record) result.set(id, record);
    }
    return result;
  }

  put(collection: string, id: string, doc: object, position?: string): void {
    this.documents.set(key(collection, id), { collection, id, json: serializeDocument(collection, id, doc), position });
  }

  delete(collection: string, id: string): void {
    this.documents.set(key(collection, id), { collection, id, json: null, position: undefined });
  }

  saveCheckpoint(name: string, checkpoint: string): void {
    const previous = this.states.get(name);
    if (previous?.kind === 'state') this.states.set(name, { kind: 'state', state: { ...previous.state, checkpoint } });
    // After a delete in the same transaction, the state starts over with just the checkpoint.
    else if (previous?.kind === 'delete') this.states.set(name, { kind: 'state', state: { name, checkpoint } });
    else this.states.set(name, { kind: 'checkpoint', name, checkpoint });
  }

  saveState(state: ProjectionState): void {
    this.states.set(state.name, { kind: 'state', state: JSON.parse(JSON.stringify(state)) as ProjectionState });
  }

  deleteState(name: string): void {
    this.states.set(name, { kind: 'delete', name });
  }

  changes(): PendingChanges {
    return { documents: [...this.documents.values()], states: [...this.states.values()] };
  }
}

function recordOf<D extends object>(write: DocumentWrite): DocumentRecord<D> | undefined {
  return write.json === null ? undefined : { id: write.id, doc: JSON.parse(write.json) as D, position: write.position };
}

/** Runs the work, then commits what it buffered; a throw anywhere before the commit leaves the store untouched. */
export async function runUnitOfWork<T>(
  committed: ReadStoreReader,
  work: (tx: ReadStoreTransaction) => Promise<T> | T,
  commit: (changes: PendingChanges) => Promise<void> | void,
): Promise<T> {
  const unit = new UnitOfWork(committed);
  const result = await work(unit);
  const changes = unit.changes();
  if (changes.documents.length > 0 || changes.states.length > 0) await commit(changes);
  return result;
}

/** Splits a stored state into the checkpoint column and the JSON of the rest, as the SQL adapters keep it. */
export function splitState(state: ProjectionState): { checkpoint: string | null; details: string } {
  const { name: _name, checkpoint, ...details } = state;
  return { checkpoint: checkpoint ?? null, details: JSON.stringify(details) };
}

export function joinState(name: string, checkpoint: string | null, details: string | object | null): ProjectionState {
  const rest = typeof details === 'string' ? (JSON.parse(details) as object) : (details ?? {});
  return { ...rest, name, ...(checkpoint === null ? {} : { checkpoint }) };
}
