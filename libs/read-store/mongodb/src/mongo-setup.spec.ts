import { BSON, MongoClient, MongoServerError, type Document } from 'mongodb';
import { isTransientStoreError } from '@crm/shared/kernel';
import { DocumentNotStorableError, DocumentTooLargeError } from './mongo-errors';
import { MongoReadStore } from './mongo-read-store';
import { databaseNamedIn, storeClient, STORE_DB_OPTIONS, withoutReadRouting } from './mongo-setup';

/**
 * Just enough of the driver's client, database and collections to watch what
 * the adapter asks for, and in which order: no server involved (the contract
 * suite runs against one when MONGODB_URL is set).
 */
function fakeMongo(existing: string[] = [], hello: Document = { setName: 'rs0' }) {
  const calls: string[] = [];
  /** The options the adapter gave the database and its transactions. */
  const options: { db: unknown[]; transaction: unknown[] } = { db: [], transaction: [] };
  const collections = new Set(existing);
  /** What the lease upserts sent, and the document the next one answers with. */
  const upserts: { filter: Document; update: unknown; options: Document }[] = [];
  let leaseAfter: Document | null = null;
  let inTransaction = false;
  const collection = (name: string) => ({
    collectionName: name,
    bulkWrite: async (operations: unknown[], options: { session?: unknown }) => {
      if (!collections.has(name) && inTransaction) throw new Error(`${name} created implicitly inside a transaction`);
      // What the driver does with each operation when it sends the command: BSON, with the real serialiser's refusals.
      for (const operation of operations) BSON.serialize(operation as Document);
      collections.add(name);
      calls.push(`bulkWrite ${name} x${operations.length}${options.session ? ' in transaction' : ''}`);
      return {};
    },
    findOne: async () => null,
    findOneAndUpdate: async (filter: Document, update: unknown, options: Document) => {
      upserts.push({ filter, update, options });
      return leaseAfter;
    },
    drop: async () => {
      collections.delete(name);
      calls.push(`drop ${name}`);
      return true;
    },
  });
  const db = {
    databaseName: 'crm',
    collection,
    createCollection: async (name: string) => {
      calls.push(`createCollection ${name}${inTransaction ? ' in transaction' : ''}`);
      if (collections.has(name)) throw Object.assign(new MongoServerError({ message: 'exists' }), { code: 48 });
      collections.add(name);
    },
    listCollections: () => ({ toArray: async () => [...collections].map((name) => ({ name })) }),
    admin: () => ({ command: async () => hello }),
  };
  const client = {
    options: { dbName: 'test' },
    db: (name: string, dbOptions?: unknown) => {
      calls.push(`db ${name}`);
      options.db.push(dbOptions);
      return db;
    },
    withSession: async (work: (session: unknown) => Promise<void>) =>
      work({
        withTransaction: async (body: () => Promise<void>, transactionOptions?: unknown) => {
          options.transaction.push(transactionOptions);
          inTransaction = true;
          try {
            await body();
          } finally {
            inTransaction = false;
          }
        },
      }),
  };
  const answerLeaseWith = (doc: Document | null) => {
    leaseAfter = doc;
  };
  return { client: client as unknown as MongoClient, calls, collections, options, upserts, answerLeaseWith };
}

describe('MongoDB read store, without a server', () => {
  it('takes the database the URL names, and crm when it names none (the driver itself would say "test")', () => {
    expect(new MongoClient('mongodb://mongo:27017/?replicaSet=rs0').options.dbName).toBe('test');
    expect(databaseNamedIn('mongodb://mongo:27017/?replicaSet=rs0')).toBeUndefined();
    expect(databaseNamedIn('mongodb://mongo:27017')).toBeUndefined();
    expect(databaseNamedIn('mongodb://localhost:27017/crm?replicaSet=rs0&directConnection=true')).toBe('crm');
    expect(databaseNamedIn('mongodb://u:p%40ss%2Fw@h1:1,h2:2/sales_1?authSource=admin')).toBe('sales_1');
    expect(databaseNamedIn('mongodb+srv://cluster0.example.net/analytics')).toBe('analytics');
  });

  it('refuses a standalone server when transactions are required (the platform), and falls back without them on auto', async () => {
    const standalone = { isWritablePrimary: true };
    await expect(MongoReadStore.connect(fakeMongo([], standalone).client, { database: 'crm', transactions: 'required' })).rejects.toThrow(
      /standalone server: read models need multi-document transactions/,
    );
    await expect(MongoReadStore.connect(fakeMongo([], { setName: 'rs0' }).client, { transactions: 'required' })).resolves.toBeDefined();
    await expect(MongoReadStore.connect(fakeMongo([], { msg: 'isdbgrid' }).client, { transactions: 'required' })).resolves.toBeDefined();
    await expect(MongoReadStore.connect(fakeMongo([], standalone).client, { transactions: 'auto' })).resolves.toBeDefined();
  });

  it('creates collections outside transactions before writing to them, once, and again after a drop', async () => {
    const mongo = fakeMongo();
    const store = await MongoReadStore.connect(mongo.client, { database: 'crm', transactions: true });
    await store.transaction((tx) => {
      tx.put('pipeline_v1_1', 'a', { n: 1 }, '1');
      tx.put('kpis_v1_1', 'b', { n: 2 }, '1');
      tx.saveCheckpoint('pipeline', '1');
    });
    await store.transaction((tx) => tx.put('pipeline_v1_1', 'c', { n: 3 }, '2'));
    await store.dropCollection('pipeline_v1_1');
    await store.transaction((tx) => tx.put('pipeline_v1_1', 'd', { n: 4 }, '3'));
    expect(mongo.calls).toEqual([
      'db crm',
      'createCollection rm.projection_states',
      'createCollection rm.leases',
      'createCollection rm.pipeline_v1_1',
      'createCollection rm.kpis_v1_1',
      'bulkWrite rm.pipeline_v1_1 x1 in transaction',
      'bulkWrite rm.kpis_v1_1 x1 in transaction',
      'bulkWrite rm.projection_states x1 in transaction',
      'bulkWrite rm.pipeline_v1_1 x1 in transaction',
      'drop rm.pipeline_v1_1',
      'createCollection rm.pipeline_v1_1',
      'bulkWrite rm.pipeline_v1_1 x1 in transaction',
    ]);
  });

  it('takes a lease in one upsert on _id alone, judged on the server clock, and only what comes back owned is taken', async () => {
    const mongo = fakeMongo();
    const store = await MongoReadStore.connect(mongo.client, { database: 'crm', transactions: true });
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    mongo.answerLeaseWith({ _id: 'pipeline', owner: 'process-a', epoch: 3, expiresAt });
    expect(await store.acquireLease('pipeline', 'process-a', 10_000)).toEqual({
      name: 'pipeline',
      owner: 'process-a',
      epoch: 3,
      expiresAt: expiresAt.toISOString(),
    });
    // Held by another, live: the upsert leaves it as it is and answers with that owner.
    mongo.answerLeaseWith({ _id: 'pipeline', owner: 'process-b', epoch: 3, expiresAt });
    expect(await store.acquireLease('pipeline', 'process-a', 10_000)).toBeUndefined();
    for (const { filter, update, options } of mongo.upserts) {
      expect(options).toMatchObject({ upsert: true, returnDocument: 'after' });
      // MongoDB refuses `$expr` anywhere in an upsert's filter (QueryFeatureNotAllowed): an earlier version of this
      // code sent one, and no lease could be taken. The filter is `_id` equality alone; the clock is the server's.
      expect(filter).toEqual({ _id: 'pipeline' });
      expect(JSON.stringify(update)).toContain('$$NOW');
    }
  });

  it('takes a collection another process created first as it is', async () => {
    const mongo = fakeMongo();
    const store = await MongoReadStore.connect(mongo.client, { database: 'crm', transactions: true });
    await store.transaction((tx) => tx.put('a', '1', { n: 1 }));
    mongo.collections.delete('rm.b');
    const other = await MongoReadStore.connect(mongo.client, { database: 'crm', transactions: true });
    mongo.collections.add('rm.b');
    await expect(other.transaction((tx) => tx.put('b', '1', { n: 1 }))).resolves.toBeUndefined();
  });

  it('refuses a document over the BSON limit before sending anything, naming the collection and the document', async () => {
    const mongo = fakeMongo();
    const store = await MongoReadStore.connect(mongo.client, { database: 'crm', transactions: true });
    const purchases: Document[] = Array.from({ length: 17 }, (_, i) => ({
      at: '2026-01-01T00:00:00Z',
      amount: i,
      note: 'x'.repeat(1024 * 1024),
    }));
    const error = await store
      .transaction((tx) => {
        tx.put('customer_activity_v1_1', 'ok', { n: 1 }, '9');
        tx.put('customer_activity_v1_1', 'busy-customer', { purchases }, '9');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentTooLargeError);
    expect(error).toMatchObject({
      collection: 'customer_activity_v1_1',
      id: 'busy-customer',
      permanent: true,
      code: 'READ_STORE.DOCUMENT_TOO_LARGE',
    });
    expect((error as DocumentTooLargeError).bytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(mongo.calls.filter((call) => call.startsWith('bulkWrite'))).toEqual([]);
  });

  it('keeps its own collections apart from read-model collections of the same name', async () => {
    const store = await MongoReadStore.connect(fakeMongo().client, { database: 'crm', transactions: true });
    await expect(store.transaction((tx) => tx.put('projection_states', 'x', { n: 1 }))).rejects.toThrow(/keeps for itself/);
  });

  it('refuses a document BSON cannot carry (a key with NUL) as permanent, not as a store error to retry for ever', async () => {
    const mongo = fakeMongo();
    const store = await MongoReadStore.connect(mongo.client, { database: 'crm', transactions: true });
    const error = await store
      .transaction((tx) => {
        tx.put('contacts_v1_1', 'fine', { name: 'a' }, '7');
        tx.put('contacts_v1_1', 'odd-key', { ['na\u0000me']: 'b' }, '7');
      })
      .catch((e: unknown) => e);
    // Before: the serialiser's BSONError itself, which the runner retried with back-off, batch after batch.
    expect(error).toBeInstanceOf(DocumentNotStorableError);
    expect(error).toMatchObject({
      collection: 'contacts_v1_1',
      id: 'odd-key',
      permanent: true,
      code: 'READ_STORE.DOCUMENT_NOT_STORABLE',
    });
    const cause = (error as DocumentNotStorableError).cause;
    expect(BSON.BSONError.isBSONError(cause)).toBe(true);
    expect((cause as Error).message).toMatch(/must not contain null bytes/);
    expect(isTransientStoreError(error)).toBe(false);
  });
});

describe('MongoDB read store: where it reads and how it writes (no server)', () => {
  const secondaryUrl =
    'mongodb://h1:27017,h2:27017/crm?replicaSet=rs0&readPreference=secondary&readPreferenceTags=dc:ny&maxStalenessSeconds=120&w=1&retryWrites=true';

  it('pins its own client to the primary and majority writes, whatever the URL asks (options given win over the URL)', () => {
    // What the driver makes of such a URL by itself: reads from secondaries, writes acknowledged by the primary alone.
    const plain = new MongoClient(secondaryUrl);
    expect(plain.readPreference.mode).toBe('secondary');
    expect(plain.options.writeConcern?.w).toBe(1);

    const client = storeClient(secondaryUrl);
    expect(client.readPreference.mode).toBe('primary');
    expect(client.readPreference.tags).toBeUndefined();
    expect(client.readPreference.maxStalenessSeconds).toBeUndefined();
    expect(client.options.readPreference.mode).toBe('primary');
    expect(client.options.writeConcern).toMatchObject({ w: 'majority' });
    expect(client.writeConcern?.w).toBe('majority');
    // The rest of the URL stays.
    expect(client.options.replicaSet).toBe('rs0');
    expect(client.options.retryWrites).toBe(true);
    expect(client.options.hosts.map(String)).toEqual(['h1:27017', 'h2:27017']);
  });

  it('drops only the read-routing options from the URL, whatever their case', () => {
    expect(withoutReadRouting(secondaryUrl)).toBe('mongodb://h1:27017,h2:27017/crm?replicaSet=rs0&w=1&retryWrites=true');
    expect(withoutReadRouting('mongodb://h1/crm?ReadPreference=nearest')).toBe('mongodb://h1/crm');
    expect(withoutReadRouting('mongodb://h1/crm?readpreferencetags=dc:ny&readPreferenceTags=&authSource=admin')).toBe(
      'mongodb://h1/crm?authSource=admin',
    );
    expect(withoutReadRouting('mongodb://h1:27017')).toBe('mongodb://h1:27017');
    // The driver would refuse the primary with these (MongoInvalidArgumentError) had they stayed.
    expect(storeClient('mongodb://h1/crm?readPreference=secondaryPreferred&maxStalenessSeconds=120').readPreference.mode).toBe('primary');
  });

  it('opens its own client that way from a URL asking for secondaries', async () => {
    // Stops `connect` at the driver's connect (there is no server), keeping the client the store made.
    const made: MongoClient[] = [];
    const connect = jest.spyOn(MongoClient.prototype, 'connect').mockImplementation(function (this: MongoClient) {
      made.push(this);
      return Promise.reject(new Error('no server here'));
    });
    try {
      await expect(MongoReadStore.connect(secondaryUrl)).rejects.toThrow('no server here');
    } finally {
      connect.mockRestore();
    }
    expect(made).toHaveLength(1);
    expect(made[0]!.readPreference.mode).toBe('primary');
    expect(made[0]!.options.writeConcern).toMatchObject({ w: 'majority' });
  });

  it('pins the database it works in, also on a client someone else made for secondaries', () => {
    const theirs = new MongoClient(secondaryUrl);
    const collection = theirs.db('crm', STORE_DB_OPTIONS).collection('rm.leases');
    expect(collection.readPreference?.mode).toBe('primary');
    expect(collection.readPreference?.tags).toBeUndefined();
    expect(collection.writeConcern?.w).toBe('majority');
  });

  it('asks for that database, and for transactions on the primary with majority, when connecting', async () => {
    const mongo = fakeMongo();
    const store = await MongoReadStore.connect(mongo.client, { database: 'crm', transactions: true });
    await store.transaction((tx) => tx.put('pipeline_v1_1', 'a', { n: 1 }, '1'));
    expect(mongo.options.db).toEqual([STORE_DB_OPTIONS]);
    expect(STORE_DB_OPTIONS).toMatchObject({ readPreference: 'primary', writeConcern: { w: 'majority' } });
    expect(mongo.options.transaction).toEqual([{ readPreference: 'primary', writeConcern: { w: 'majority' } }]);
  });
});
