import { MongoClient, MongoServerError, type Document } from 'mongodb';
import { DocumentTooLargeError } from './mongo-errors';
import { MongoReadStore } from './mongo-read-store';
import { databaseNamedIn } from './mongo-setup';

/**
 * Just enough of the driver's client, database and collections to watch what
 * the adapter asks for, and in which order: no server involved (the contract
 * suite runs against one when MONGODB_URL is set).
 */
function fakeMongo(existing: string[] = [], hello: Document = { setName: 'rs0' }) {
  const calls: string[] = [];
  const collections = new Set(existing);
  let inTransaction = false;
  const collection = (name: string) => ({
    collectionName: name,
    bulkWrite: async (operations: unknown[], options: { session?: unknown }) => {
      if (!collections.has(name) && inTransaction) throw new Error(`${name} created implicitly inside a transaction`);
      collections.add(name);
      calls.push(`bulkWrite ${name} x${operations.length}${options.session ? ' in transaction' : ''}`);
      return {};
    },
    findOne: async () => null,
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
    db: (name: string) => {
      calls.push(`db ${name}`);
      return db;
    },
    withSession: async (work: (session: unknown) => Promise<void>) =>
      work({
        withTransaction: async (body: () => Promise<void>) => {
          inTransaction = true;
          try {
            await body();
          } finally {
            inTransaction = false;
          }
        },
      }),
  };
  return { client: client as unknown as MongoClient, calls, collections };
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
});
