import type { DocumentRecord, JsonObject } from './document';
import { aggregateDocuments, isAfter, matches, sortRecords } from './evaluate';
import {
  aggregateOf,
  keysetOf,
  pageOf,
  predicatesOf,
  sortKeysOf,
  type AggregateQuery,
  type AggregateRow,
  type FindQuery,
  type Where,
} from './query';
import { LeaseLostError } from './errors';
import { indexKeysOf } from './index-fields';
import { leaseOf, nextLease, type LeaseRow } from './lease';
import type { Lease, ProjectionState, ReadStore, ReadStoreTransaction, TransactionOptions } from './read-store';
import { runUnitOfWork, type PendingChanges } from './unit-of-work';

interface Stored {
  readonly json: string;
  readonly position: string | undefined;
  /** The document parsed once, for matching and ordering only: never handed out (see `views`). */
  parsed?: object;
}

/**
 * The reference adapter for unit tests and `CRM_READ_STORE=memory`. Documents
 * are kept as JSON text, so what comes back has been through JSON exactly as
 * with the database adapters, and callers can never alias stored state.
 */
export class InMemoryReadStore implements ReadStore {
  readonly atomic = true;
  private readonly collections = new Map<string, Map<string, Stored>>();
  private readonly states = new Map<string, string>();
  private readonly leases = new Map<string, LeaseRow>();
  private closed = false;

  async get<D extends object = JsonObject>(collection: string, id: string): Promise<DocumentRecord<D> | undefined> {
    this.assertOpen();
    const stored = this.collections.get(collection)?.get(id);
    return stored ? toRecord<D>(id, stored) : undefined;
  }

  async getMany<D extends object = JsonObject>(
    collection: string,
    ids: readonly string[],
  ): Promise<ReadonlyMap<string, DocumentRecord<D>>> {
    this.assertOpen();
    const documents = this.collections.get(collection);
    const result = new Map<string, DocumentRecord<D>>();
    for (const id of ids) {
      const stored = documents?.get(id);
      if (stored) result.set(id, toRecord<D>(id, stored));
    }
    return result;
  }

  async find<D extends object = JsonObject>(collection: string, query: FindQuery = {}): Promise<readonly DocumentRecord<D>[]> {
    const predicates = predicatesOf(query.where);
    const keys = sortKeysOf(query.orderBy);
    const keyset = keysetOf(query.after, keys);
    const { limit, offset } = pageOf(query);
    // Matched and ordered on the documents parsed once; only the page is parsed afresh for the caller.
    const found = this.views(collection).filter(
      (record) => matches(record.doc, predicates) && (keyset === undefined || isAfter(record, keyset)),
    );
    const page = sortRecords(found, keys).slice(offset, limit === undefined ? undefined : offset + limit);
    const documents = this.collections.get(collection);
    return page.map((record) => toRecord<D>(record.id, documents?.get(record.id) as Stored));
  }

  async count(collection: string, where?: Where): Promise<number> {
    const predicates = predicatesOf(where);
    return this.views(collection).filter((record) => matches(record.doc, predicates)).length;
  }

  async aggregate(collection: string, query: AggregateQuery): Promise<readonly AggregateRow[]> {
    const normalized = aggregateOf(query);
    return aggregateDocuments(
      this.records(collection).map((record) => record.doc),
      normalized,
    );
  }

  /** Memory has no disk to wait for: every commit is as durable as the process. */
  transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    return runUnitOfWork(this, work, (changes) => {
      const fence = options.fence;
      if (fence && this.leases.get(fence.lease)?.epoch !== fence.epoch) throw new LeaseLostError(fence.lease, fence.epoch);
      this.commit(changes);
    });
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    this.assertOpen();
    const next = nextLease(this.leases.get(name), owner, Date.now(), ttlMs);
    if (!next) return undefined;
    this.leases.set(name, next);
    return leaseOf(name, next);
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.assertOpen();
    const current = this.leases.get(name);
    if (current?.owner === owner) this.leases.set(name, { ...current, expiresAtMs: 0 });
  }

  async listLeases(): Promise<readonly Lease[]> {
    this.assertOpen();
    return [...this.leases].sort(([a], [b]) => a.localeCompare(b)).map(([name, row]) => leaseOf(name, row));
  }

  async loadCheckpoint(name: string): Promise<string | undefined> {
    return (await this.loadState(name))?.checkpoint;
  }

  async saveCheckpoint(name: string, checkpoint: string): Promise<void> {
    await this.transaction((tx) => tx.saveCheckpoint(name, checkpoint));
  }

  async loadState(name: string): Promise<ProjectionState | undefined> {
    this.assertOpen();
    const json = this.states.get(name);
    return json === undefined ? undefined : (JSON.parse(json) as ProjectionState);
  }

  async listStates(): Promise<readonly ProjectionState[]> {
    this.assertOpen();
    return [...this.states.keys()].sort().map((name) => JSON.parse(this.states.get(name) as string) as ProjectionState);
  }

  async dropCollection(collection: string): Promise<void> {
    this.assertOpen();
    this.collections.delete(collection);
  }

  /** Nothing to build; the declaration is checked as the other stores check it. */
  async ensureIndex(_collection: string, fields: readonly string[]): Promise<void> {
    this.assertOpen();
    indexKeysOf(fields);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private records<D extends object>(collection: string): DocumentRecord<D>[] {
    this.assertOpen();
    return [...(this.collections.get(collection) ?? new Map<string, Stored>())].map(([id, stored]) => toRecord<D>(id, stored));
  }

  /**
   * Every document of the collection as parsed once per write: for matching, counting and ordering in here only.
   * A find parsed every document of the collection for every query before, which made a query's cost grow with the
   * collection however few documents it matched.
   */
  private views(collection: string): DocumentRecord<object>[] {
    this.assertOpen();
    return [...(this.collections.get(collection) ?? new Map<string, Stored>())].map(([id, stored]) => ({
      id,
      doc: (stored.parsed ??= JSON.parse(stored.json) as object),
      position: stored.position,
    }));
  }

  /** Synchronous from the first write to the last: nothing can observe half a commit. */
  private commit(changes: PendingChanges): void {
    this.assertOpen();
    for (const write of changes.documents) {
      let documents = this.collections.get(write.collection);
      if (!documents) this.collections.set(write.collection, (documents = new Map()));
      if (write.json === null) documents.delete(write.id);
      else documents.set(write.id, { json: write.json, position: write.position });
    }
    for (const write of changes.states) {
      if (write.kind === 'delete') this.states.delete(write.name);
      else if (write.kind === 'state') this.states.set(write.state.name, JSON.stringify(write.state));
      else {
        const previous = this.states.get(write.name);
        const state = previous === undefined ? { name: write.name } : (JSON.parse(previous) as ProjectionState);
        this.states.set(write.name, JSON.stringify({ ...state, checkpoint: write.checkpoint }));
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the in-memory read store is closed');
  }
}

function toRecord<D extends object>(id: string, stored: Stored): DocumentRecord<D> {
  return { id, doc: JSON.parse(stored.json) as D, position: stored.position };
}
