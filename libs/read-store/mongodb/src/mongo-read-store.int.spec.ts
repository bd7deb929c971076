import { randomUUID } from 'node:crypto';
import { describeWhenConfigured } from '@crm/shared/testing';
import { describeReadStoreContract } from '@crm/shared/testing';
import type { ReadStore } from '@crm/shared/read-model';
import { MongoReadStore } from './mongo-read-store';

// No MongoDB server can be installed on the build machines (DESIGN.md "Storage"): set MONGODB_URL to run this.
// Transactions need a replica set; on a standalone server the suite runs the non-transactional path.
describeWhenConfigured('MongoDB read store contract', 'MONGODB_URL', (url) => {
  describeReadStoreContract({
    create: () => MongoReadStore.connect(url, { database: `crm_rs_test_${randomUUID().replace(/-/g, '').slice(0, 16)}` }),
    dispose: async (store: ReadStore) => {
      if (!(store instanceof MongoReadStore)) return;
      await store.db.dropDatabase();
      await store.close();
    },
  });
});
