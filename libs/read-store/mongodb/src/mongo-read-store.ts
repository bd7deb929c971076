import {
  aggregateOf,
  emptyAggregate,
  joinState,
  keysetOf,
  pageOf,
  parsePath,
  predicatesOf,
  runUnitOfWork,
  sortAggregateRows,
  sortKeysOf,
  type AggregateQuery,
  type AggregateRow,
  type DocumentRecord,
  type FindQuery,
  type JsonObject,
  type ProjectionState,
  type ReadStore,
  type ReadStoreTransaction,
  type Scalar,
  type Where,
} from '@crm/shared/read-model';
import { MongoClient, type ClientSession, type Collection, type Db, type Document } from 'mongodb';
import { writeChanges } from './mongo-commit';
import { Collections, databaseNamedIn, RESERVED_COLLECTIONS } from './mongo-setup';
import { aggregatePipeline, field, mongoFilter, mongoSort, type StoredDocument, type StoredState } from './mongo-query';

export interface MongoReadStoreOptions {
  /** Database name; default: the one the URL names, else `crm` (with a client instance: its `dbName`). */
  readonly database?: string;
  /** Prefix of the document collections; default `rm.`. */
  readonly collectionPrefix?: string;
  /**
   * Commit documents and checkpoint in a multi-document transaction. That needs
   * a replica set (or sharded cluster); `auto` (default) asks the server.
   * Without it, documents are written before the checkpoint and each keeps the
   * position it was written at, so a batch replayed after a crash is a no-op.
   */
  readonly transactions?: boolean | 'auto';
}

/**
 * Read models in MongoDB (DESIGN.md "Storage", production mode), one
 * collection per read-model collection, documents as `{ _id, p, d }`.
 */
export class MongoReadStore implements ReadStore {
  private readonly states: Collection<StoredState>;
  private readonly prefix: string;
  private readonly collections: Collections;

  private constructor(
    readonly client: MongoClient,
    readonly db: Db,
    readonly atomic: boolean,
    prefix: string,
    private readonly ownsClient: boolean,
  ) {
    this.prefix = prefix;
    this.states = db.collection<StoredState>(`${prefix}projection_states`);
    this.collections = new Collections(db);
  }

  /** Connects (or reuses a client) and decides whether transactions are available. */
  static async connect(connection: MongoClient | string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    const ownsClient = typeof connection === 'string';
    const client = typeof connection === 'string' ? new MongoClient(connection) : connection;
    try {
      if (ownsClient) await client.connect();
      const named = typeof connection === 'string' ? (databaseNamedIn(connection) ?? 'crm') : client.options.dbName;
      const db = client.db(options.database ?? named);
      const wanted = options.transactions ?? 'auto';
      const atomic = wanted === 'auto' ? await supportsTransactions(db) : wanted;
      const store = new MongoReadStore(client, db, atomic, options.collectionPrefix ?? 'rm.', ownsClient);
      // The store's own collections exist before any transaction writes to them.
      await store.collections.ensure([store.states.collectionName]);
      return store;
    } catch (error) {
      if (ownsClient) await client.close();
      throw error;
    }
  }

  async get<D extends object = JsonObject>(collection: string, id: string): Promise<DocumentRecord<D> | undefined> {
    const stored = await this.documents(collection).findOne({ _id: id });
    return stored ? toRecord<D>(stored) : undefined;
  }

  async getMany<D extends object = JsonObject>(
    collection: string,
    ids: readonly string[],
  ): Promise<ReadonlyMap<string, DocumentRecord<D>>> {
    if (ids.length === 0) return new Map();
    const found = await this.documents(collection)
      .find({ _id: { $in: [...ids] } })
      .toArray();
    return new Map(found.map((stored) => [stored._id, toRecord<D>(stored)]));
  }

  async find<D extends object = JsonObject>(collection: string, query: FindQuery = {}): Promise<readonly DocumentRecord<D>[]> {
    const keys = sortKeysOf(query.orderBy);
    const filter = mongoFilter(predicatesOf(query.where), keysetOf(query.after, keys));
    const sort = mongoSort(keys);
    const { limit, offset } = pageOf(query);
    // MongoDB reads limit 0 as "no limit".
    if (limit === 0) return [];
    const cursor = this.documents(collection).find(filter).sort(sort).skip(offset);
    const found = await (limit === undefined ? cursor : cursor.limit(limit)).toArray();
    return found.map((stored) => toRecord<D>(stored));
  }

  count(collection: string, where?: Where): Promise<number> {
    return this.documents(collection).countDocuments(mongoFilter(predicatesOf(where)));
  }

  async aggregate(collection: string, query: AggregateQuery): Promise<readonly AggregateRow[]> {
    const normalized = aggregateOf(query);
    const rows = await this.documents(collection).aggregate<Document>(aggregatePipeline(normalized)).toArray();
    const result = rows.map((row): AggregateRow => ({
      group: Object.fromEntries(normalized.groupBy.map((path, i) => [path.text, scalarOf((row['_id'] as Document | null)?.[`g${i}`])])),
      count: Number(row['n']),
      sums: Object.fromEntries(normalized.sum.map((path, i) => [path.text, Number(row[`s${i}`] ?? 0)])),
    }));
    if (normalized.groupBy.length === 0) return result.length > 0 ? result : [emptyAggregate(normalized)];
    return sortAggregateRows(result, normalized.groupBy);
  }

  transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T): Promise<T> {
    return runUnitOfWork(this, work, async (changes) => {
      await this.collections.ensure(changes.documents.map((write) => this.documents(write.collection).collectionName));
      const write = (session?: ClientSession) => writeChanges(changes, (name) => this.documents(name), this.states, session);
      if (!this.atomic) return write();
      await this.client.withSession((session) => session.withTransaction(() => write(session)));
    });
  }

  async loadCheckpoint(name: string): Promise<string | undefined> {
    return (await this.loadState(name))?.checkpoint;
  }

  saveCheckpoint(name: string, checkpoint: string): Promise<void> {
    return this.transaction((tx) => tx.saveCheckpoint(name, checkpoint));
  }

  async loadState(name: string): Promise<ProjectionState | undefined> {
    const stored = await this.states.findOne({ _id: name });
    return stored ? joinState(stored._id, stored.checkpoint, stored.details) : undefined;
  }

  async listStates(): Promise<readonly ProjectionState[]> {
    const stored = await this.states.find({}).sort({ _id: 1 }).toArray();
    return stored.map((state) => joinState(state._id, state.checkpoint, state.details));
  }

  async dropCollection(collection: string): Promise<void> {
    const documents = this.documents(collection);
    this.collections.forget(documents.collectionName);
    await documents.drop();
  }

  async ensureIndex(collection: string, fields: readonly string[]): Promise<void> {
    await this.documents(collection).createIndex(Object.fromEntries(fields.map((name) => [field(parsePath(name)), 1])));
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  /** A read-model collection; the store's own collections share its prefix, so their names are not for read models. */
  private documents(collection: string): Collection<StoredDocument> {
    if (RESERVED_COLLECTIONS.includes(collection)) throw new Error(`${collection} is a collection the MongoDB read store keeps for itself`);
    return this.db.collection<StoredDocument>(`${this.prefix}${collection}`);
  }
}

async function supportsTransactions(db: Db): Promise<boolean> {
  const hello = await db.admin().command({ hello: 1 });
  return typeof hello['setName'] === 'string' || hello['msg'] === 'isdbgrid';
}

function toRecord<D extends object>(stored: StoredDocument): DocumentRecord<D> {
  return { id: stored._id, doc: stored.d as D, position: stored.p ?? undefined };
}

function scalarOf(value: unknown): Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}
