import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { describeKeyStoreContract, endLentConnection } from '@crm/shared/testing';
import { PostgresKeyStore } from './postgres-key-store';

const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new Pool({ connectionString: url, max: 1 });
afterAll(() => admin.end());

const aSchema = () => `ks_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

describe('PostgresKeyStore (real server)', () => {
  describeKeyStoreContract({
    create: () => PostgresKeyStore.open(url, { schema: aSchema() }),
    connectAgain: async (store) => PostgresKeyStore.open(url, { schema: (store as PostgresKeyStore).schema }),
    dispose: async (store) => {
      await admin.query(`DROP SCHEMA IF EXISTS "${(store as PostgresKeyStore).schema}" CASCADE`);
      await store.close();
    },
  });
});

describe('PostgresKeyStore: a connection the server ends (real server)', () => {
  it('while lent out and idle (a key batch between two statements): the process goes on and the store makes keys', async () => {
    const store = await PostgresKeyStore.open(url, { schema: aSchema() });
    try {
      // Before, the server's notice on a lent connection was an 'error' nobody heard: two API processes died of it.
      await endLentConnection(store.pool, admin);
      const ref = { tenantId: 'default', subjectRef: `lead-${randomUUID()}` };
      await store.createMany([{ ref, wrapped: randomBytes(60) }]);
      expect(await store.get(ref)).toBeDefined();
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${store.schema}" CASCADE`);
      await store.close();
    }
  });
});

describe('PostgresKeyStore with deferred syncs (keys beside events on the same server)', () => {
  describeKeyStoreContract({
    create: () => PostgresKeyStore.open(url, { schema: aSchema(), deferSync: true }),
    connectAgain: async (store) => PostgresKeyStore.open(url, { schema: (store as PostgresKeyStore).schema, deferSync: true }),
    dispose: async (store) => {
      await admin.query(`DROP SCHEMA IF EXISTS "${(store as PostgresKeyStore).schema}" CASCADE`);
      await store.close();
    },
  });

  it('commits new keys without waiting for their WAL flush, and an erasure waiting for it', async () => {
    const seen = async (deferSync: boolean) => {
      const schema = aSchema();
      const store = await PostgresKeyStore.open(url, { schema, deferSync });
      try {
        // A trigger notes each write's transaction setting, as the commit will use it.
        await admin.query(`CREATE TABLE "${schema}".seen (n serial, op text, sync text);
          CREATE FUNCTION "${schema}".note() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO "${schema}".seen (op, sync) VALUES (TG_OP, current_setting('synchronous_commit')); RETURN NULL; END $$;
          CREATE TRIGGER note AFTER INSERT OR UPDATE OR DELETE ON "${schema}".personal_data_keys FOR EACH ROW EXECUTE FUNCTION "${schema}".note();`);
        const ref = (subjectRef: string) => ({ tenantId: 'default', subjectRef });
        await store.create(ref('a'), randomBytes(60));
        await store.createMany([
          { ref: ref('b'), wrapped: randomBytes(60) },
          { ref: ref('c'), wrapped: randomBytes(60) },
        ]);
        expect(await store.delete(ref('a'))).toBe(true);
        // The server's own default applies outside these transactions.
        expect((await store.pool.query<{ s: string }>(`SELECT current_setting('synchronous_commit') AS s`)).rows[0]?.s).toBe('on');
        return (await admin.query<{ op: string; sync: string }>(`SELECT op, sync FROM "${schema}".seen ORDER BY n`)).rows;
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await store.close();
      }
    };
    expect(await seen(true)).toEqual([
      { op: 'INSERT', sync: 'off' },
      { op: 'INSERT', sync: 'off' },
      { op: 'INSERT', sync: 'off' },
      // The erasure overwrites the key with its tombstone.
      { op: 'UPDATE', sync: 'on' },
    ]);
    expect((await seen(false)).map((row) => row.sync)).toEqual(['on', 'on', 'on', 'on']);
  });
});

describe('PostgresKeyStore when the server closes its idle connection', () => {
  it('goes on with a new connection instead of ending the process', async () => {
    const schema = aSchema();
    const store = await PostgresKeyStore.open(url, { schema });
    try {
      const ref = { tenantId: 'default', subjectRef: `lead-${randomUUID()}` };
      const key = await store.create(ref, randomBytes(60));
      const { rows } = await store.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // The connection is idle in the pool now; the server ends it (as a restart or an operator would).
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Without a listener the pool's 'error' event would have ended this process (jest with it) before this line.
      expect((await store.get(ref))?.equals(key)).toBe(true);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await store.close();
    }
  });
});

describe('PostgresKeyStore shared by two processes', () => {
  it('creates keys given together in one order whatever order they come in, so two writers never deadlock', async () => {
    const schema = aSchema();
    const [one, two] = [await PostgresKeyStore.open(url, { schema }), await PostgresKeyStore.open(url, { schema })];
    try {
      // Two API servers making the keys of the same new subjects at once (one request retried on each), in opposite orders.
      for (let round = 0; round < 5; round += 1) {
        const refs = Array.from({ length: 30 }, () => ({ tenantId: 'default', subjectRef: `feedback-${randomUUID()}` }));
        const mine = refs.map((ref) => ({ ref, wrapped: randomBytes(60) }));
        const theirs = refs.map((ref) => ({ ref, wrapped: randomBytes(60) })).reverse();
        const [a, b] = await Promise.all([one.createMany(mine), two.createMany(theirs)]);
        // Each answers, in the order it asked, the key that was kept: the same one for both.
        for (let i = 0; i < refs.length; i += 1) {
          const kept = await one.get(refs[i]!);
          expect(a[i]?.equals(kept!)).toBe(true);
          expect(b[refs.length - 1 - i]?.equals(kept!)).toBe(true);
        }
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await Promise.all([one.close(), two.close()]);
    }
  }, 60_000);
});
