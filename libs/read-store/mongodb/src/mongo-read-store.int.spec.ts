import { randomUUID } from 'node:crypto';
import { describeReadStoreContract, describeWhenConfigured } from '@crm/shared/testing';
import type { ReadStore } from '@crm/shared/read-model';
import { DocumentTooLargeError } from './mongo-errors';
import { MongoReadStore } from './mongo-read-store';

const uniqueDatabase = () => `crm_rs_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

// No MongoDB server can be installed on the build machines (DESIGN.md "Storage"): set MONGODB_URL to run this
// (CI starts a single-node replica set, see .github/workflows/servers.yml).
// Transactions need a replica set; on a standalone server the suite runs the non-transactional path.
describeWhenConfigured('MongoDB read store contract', 'MONGODB_URL', (url) => {
  jest.setTimeout(60_000);
  const dispose = async (store: ReadStore) => {
    if (!(store instanceof MongoReadStore)) return;
    await store.db.dropDatabase();
    await store.close();
  };

  describeReadStoreContract({ create: () => MongoReadStore.connect(url, { database: uniqueDatabase() }), dispose });

  describe('what only a real server can show', () => {
    it('uses crm when the URL names no database (the driver would use test)', async () => {
      const withoutPath = url.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]*)\/[^?]*/, '$1/');
      const store = await MongoReadStore.connect(withoutPath);
      try {
        expect(store.db.databaseName).toBe('crm');
      } finally {
        await store.close();
      }
    });

    it('refuses a document over 16 MiB, naming it, and writes nothing of its unit of work', async () => {
      const store = await MongoReadStore.connect(url, { database: uniqueDatabase() });
      try {
        const note = 'x'.repeat(1024 * 1024);
        const error = await store
          .transaction((tx) => {
            tx.put('activity_v1_1', 'small', { n: 1 }, '1');
            tx.put('activity_v1_1', 'huge', { purchases: Array.from({ length: 17 }, () => ({ note })) }, '1');
            tx.saveCheckpoint('activity', '1');
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DocumentTooLargeError);
        expect(error).toMatchObject({ collection: 'activity_v1_1', id: 'huge', permanent: true });
        expect(await store.get('activity_v1_1', 'small')).toBeUndefined();
        expect(await store.loadCheckpoint('activity')).toBeUndefined();
      } finally {
        await dispose(store);
      }
    });
  });
});
