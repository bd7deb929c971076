import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { describeKeyStoreContract } from '@crm/shared/testing';
import { PostgresKeyStore } from './postgres-key-store';

const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new Pool({ connectionString: url, max: 1 });
afterAll(() => admin.end());

describe('PostgresKeyStore (real server)', () => {
  describeKeyStoreContract({
    create: () => PostgresKeyStore.open(url, { schema: `ks_test_${randomUUID().replace(/-/g, '').slice(0, 16)}` }),
    connectAgain: async (store) => PostgresKeyStore.open(url, { schema: (store as PostgresKeyStore).schema }),
    dispose: async (store) => {
      await admin.query(`DROP SCHEMA IF EXISTS "${(store as PostgresKeyStore).schema}" CASCADE`);
      await store.close();
    },
  });
});
