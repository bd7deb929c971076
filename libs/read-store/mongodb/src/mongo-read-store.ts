import {
  aggregateOf,
  emptyAggregate,
  joinState,
  keysetOf,
  LeaseLostError,
  pageOf,
  indexKeysOf,
  predicatesOf,
  runUnitOfWork,
  sortAggregateRows,
  sortKeysOf,
  type AggregateQuery,
  type AggregateRow,
  type DocumentRecord,
  type FindQuery,
  type JsonObject,
  type Lease,
  type ProjectionState,
  type ReadStore,
  type ReadStoreTransaction,
  type Scalar,
  type TransactionOptions,
  type Where,
} from '@crm/shared/read-model';
import type { ClientSession, Collection, Db, Document, MongoClient } from 'mongodb';
import { writeChanges } from './mongo-commit';
import {
  Collections,
  databaseNamedIn,
  RESERVED_COLLECTIONS,
  storeClient,
  STORE_DB_OPTIONS,
  STORE_TRANSACTION_OPTIONS,
} from './mongo-setup';
import { aggregatePipeline, indexKeys, mongoFilter, mongoSort, type StoredDocument, type StoredState } from './mongo-query';

/** A lease document: `_id` its name. */
interface StoredLease {
  _id: string;
  owner: string;
  epoch: number;
  expiresAt: Date;
}

export interface MongoReadStoreOptions {
  /** Database name; default: the one the URL names, else `crm` (with a client instance: its `dbName`). */
  readonly database?: string;
  /** Prefix of the document collections; default `rm.`. */
  readonly collectionPrefix?: string;
  /**
   * Commit documents and checkpoint in a multi-document transaction. That needs
   * a replica set (or sharded cluster); `auto` (default) asks the server.
   * Without it, documents are written before the checkpoint and each keeps the
   * position it was written at, so a batch replayed after a crash is a no-op;
   * but lease fencing is then a check just before the writes, not with them
   * (a former owner paused between the two can commit). `required` asks the
   * server and refuses to connect without them: what the platform opens.
   */
  readonly transactions?: boolean | 'auto' | 'required';
}

/**
 * Read models in MongoDB (DESIGN.md "Storage", production mode), one
 * collection per read-model collection, documents as `{ _id, p, d }`.
 */
export class MongoReadStore implements ReadStore {
  private readonly states: Collection<StoredState>;
  private readonly leases: Collection<StoredLease>;
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
    this.leases = db.collection<StoredLease>(`${prefix}leases`);
    this.collections = new Collections(db);
  }

  /**
   * Connects (or reuses a client) and decides whether transactions are available. Reads go to the primary and
   * writes wait for a majority, whatever the URL or a given client prefers (mongo-setup.ts `storeClient`).
   */
  static async connect(connection: MongoClient | string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    const ownsClient = typeof connection === 'string';
    const client = typeof connection === 'string' ? storeClient(connection) : connection;
    try {
      if (ownsClient) await client.connect();
      const named = typeof connection === 'string' ? (databaseNamedIn(connection) ?? 'crm') : client.options.dbName;
      // The database's options rule its collections' operations: a given client's own preferences do not reach them.
      const db = client.db(options.database ?? named, STORE_DB_OPTIONS);
      const wanted = options.transactions ?? 'auto';
      const atomic = typeof wanted === 'boolean' ? wanted : await supportsTransactions(db);
      if (wanted === 'required' && !atomic) {
        throw new Error(
          `MongoDB (database ${db.databaseName}) is a standalone server: read models need multi-document transactions, ` +
            'for documents and checkpoints committed together and for lease fencing; run it as a replica set (one node will do)',
        );
      }
      const store = new MongoReadStore(client, db, atomic, options.collectionPrefix ?? 'rm.', ownsClient);
      // The store's own collections exist before any transaction writes to them.
      await store.collections.ensure([store.states.collectionName, store.leases.collectionName]);
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

  transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    const fence = options.fence;
    return runUnitOfWork(this, work, async (changes) => {
      await this.collections.ensure(changes.documents.map((write) => this.documents(write.collection).collectionName));
      // Fenced, the transaction first writes the lease document at the expected epoch: a takeover writing it
      // concurrently makes one of the two abort (write conflict), and a takeover before finds nothing to match.
      const write = async (session?: ClientSession) => {
        if (fence) {
          const touched = await this.leases.updateOne(
            { _id: fence.lease, epoch: fence.epoch },
            { $set: { fencedAt: new Date() } },
            { session },
          );
          if (touched.matchedCount === 0) throw new LeaseLostError(fence.lease, fence.epoch);
        }
        await writeChanges(changes, (name) => this.documents(name), this.states, session);
      };
      // Without transactions (no replica set) the check comes just before the writes: fencing is best effort there.
      if (!this.atomic) return write();
      await this.client.withSession((session) => session.withTransaction(() => write(session), STORE_TRANSACTION_OPTIONS));
    });
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    // Judged on the server's clock (`$$NOW`), as PostgreSQL's lease is on its `clock_timestamp()`: a host whose clock
    // runs ahead can no longer take a live lease, nor one behind keep a dead owner's. One upsert on `_id` alone (MongoDB
    // refuses `$expr` in an upsert's filter, so the conditions are in the pipeline): a lease no process ever held is
    // made by it (epoch 1); one this owner holds is renewed; a lapsed one is taken (epoch + 1); one another owner holds,
    // live, is left as it is and comes back with that owner. Two upserts racing to make it: the server retries the
    // loser's, which then finds it held (where it does not, the loser fails as a duplicate key: held by the other).
    const me = { $literal: owner }; // in a pipeline a string starting with `$` would be read as a field path
    const mine = { $eq: ['$owner', me] };
    const lapsed = { $not: [{ $gt: ['$expiresAt', '$$NOW'] }] }; // a lease just made has no expiresAt yet: lapsed
    const free = { $or: [mine, lapsed] };
    try {
      const after = await this.leases.findOneAndUpdate(
        { _id: name },
        [
          {
            $set: {
              epoch: { $cond: [mine, '$epoch', { $cond: [lapsed, { $add: [{ $ifNull: ['$epoch', 0] }, 1] }, '$epoch'] }] },
              owner: { $cond: [free, me, '$owner'] },
              expiresAt: { $cond: [free, { $add: ['$$NOW', Math.max(1, Math.floor(ttlMs))] }, '$expiresAt'] },
            },
          },
        ],
        { upsert: true, returnDocument: 'after' },
      );
      return after?.owner === owner ? leaseRecord(after) : undefined;
    } catch (error) {
      // Another process made it first, on a server that does not retry such an upsert: it holds it, live.
      if ((error as { code?: number }).code === 11000) return undefined;
      throw error;
    }
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.leases.updateOne({ _id: name, owner }, { $set: { expiresAt: new Date(0) } });
  }

  async listLeases(): Promise<readonly Lease[]> {
    return (await this.leases.find({}).sort({ _id: 1 }).toArray()).map(leaseRecord);
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
    await this.documents(collection).createIndex(indexKeys(indexKeysOf(fields)));
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

function leaseRecord(stored: StoredLease): Lease {
  return { name: stored._id, owner: stored.owner, epoch: stored.epoch, expiresAt: stored.expiresAt.toISOString() };
}

function toRecord<D extends object>(stored: StoredDocument): DocumentRecord<D> {
  return { id: stored._id, doc: stored.d as D, position: stored.p ?? undefined };
}

function scalarOf(value: unknown): Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}
