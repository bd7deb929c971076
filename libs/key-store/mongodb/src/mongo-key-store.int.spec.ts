import { randomUUID } from 'node:crypto';
import { describeKeyStoreContract, describeWhenConfigured } from '@crm/shared/testing';
import { MongoKeyStore } from './mongo-key-store';

// No MongoDB server on the build machines: set MONGODB_URL to run this.
describeWhenConfigured('MongoDB key store contract', 'MONGODB_URL', (url) => {
  jest.setTimeout(60_000);
  describeKeyStoreContract({
    create: () => MongoKeyStore.connect(url, { database: `crm_ks_test_${randomUUID().replace(/-/g, '').slice(0, 16)}` }),
    connectAgain: async (store) => MongoKeyStore.connect(url, { database: (store as MongoKeyStore).keys.dbName }),
    dispose: async (store) => {
      await (store as MongoKeyStore).keys.drop().catch(() => undefined);
      await store.close();
    },
  });
});
