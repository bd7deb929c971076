import type { ReadStore } from '@crm/shared/read-model';
import { describeReadStoreContract } from '@crm/shared/testing';
import { PostgresReadStore } from './postgres-read-store';
import { AdminConnection, openTestStore, uniqueSchema } from './test-support';

const admin = new AdminConnection();
afterAll(() => admin.end());

const harness = {
  create: () => openTestStore(),
  dispose: async (store: ReadStore | undefined) => {
    if (!(store instanceof PostgresReadStore)) return; // create() failed; its error is the one worth reading
    await store.close();
    await admin.dropSchema(store.schema);
  },
};

describe('PostgresReadStore (real server)', () => {
  describeReadStoreContract(harness);

  describe('in its schema', () => {
    let store: PostgresReadStore;
    beforeEach(async () => {
      store = await openTestStore();
    });
    afterEach(async () => {
      await store.close();
      await admin.dropSchema(store.schema);
    });

    it('rolls back the whole batch when the database refuses one write of it', async () => {
      await admin.pool.query(`
        CREATE FUNCTION ${store.schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id = 'poison' THEN RAISE EXCEPTION 'refused by trigger'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER refuse BEFORE INSERT ON ${store.schema}.rm_documents FOR EACH ROW EXECUTE FUNCTION ${store.schema}.refuse();`);
      await expect(
        store.transaction((tx) => {
          tx.put('c', 'first', { v: 1 }, '1');
          tx.put('c', 'poison', { v: 2 }, '2');
          tx.saveCheckpoint('p', '2');
        }),
      ).rejects.toThrow('refused by trigger');
      expect(await store.count('c')).toBe(0);
      expect(await store.loadCheckpoint('p')).toBeUndefined();
    });

    it('lets several processes open and migrate the same schema at once, and see each other', async () => {
      const others = await Promise.all([1, 2, 3].map(() => openTestStore(store.schema)));
      await others[0]?.transaction((tx) => tx.put('c', '1', { v: 'از اتصال دیگر' }, '0/3'));
      expect((await store.get('c', '1'))?.doc).toEqual({ v: 'از اتصال دیگر' });
      await Promise.all(others.map((other) => other.close()));
    });

    it('migrates a fresh schema concurrently without tripping over CREATE SCHEMA', async () => {
      const schema = uniqueSchema();
      const stores = await Promise.all([1, 2, 3].map(() => openTestStore(schema)));
      await Promise.all(stores.map((s) => s.close()));
      await admin.dropSchema(schema);
    });
  });
});
