import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { keysetOf, pageOf, predicatesOf, sortKeysOf, type FindQuery, type ReadStore } from '@crm/shared/read-model';
import { findQuerySql } from './sql-query';
import { commitAfter, describeReadStoreContract } from '@crm/shared/testing';
import { READ_STORE_SCHEMA_VERSION } from './schema';
import { openSqliteReadStore, SqliteReadStore } from './sqlite-read-store';

const dirs = new Map<ReadStore, string>();

async function freshStore(): Promise<SqliteReadStore> {
  const dir = await mkdtemp(join(tmpdir(), 'crm-sqlite-rs-'));
  const store = openSqliteReadStore({ file: join(dir, 'read.db') });
  dirs.set(store, dir);
  return store;
}

async function dispose(store: ReadStore): Promise<void> {
  await store.close();
  await rm(dirs.get(store) as string, { recursive: true, force: true });
  dirs.delete(store);
}

describe('SqliteReadStore (real file)', () => {
  describeReadStoreContract({ create: freshStore, dispose });

  describe('on a shared file', () => {
    let store: SqliteReadStore;
    beforeEach(async () => {
      store = await freshStore();
    });
    afterEach(() => dispose(store));

    it('leaves PRAGMA user_version to the event store and migrates idempotently', async () => {
      const db = new Database(store.db.name);
      db.pragma('user_version = 7');
      const again = new SqliteReadStore(db);
      expect(db.pragma('user_version', { simple: true })).toBe(7);
      expect(db.prepare('SELECT version FROM rm_schema').pluck().get()).toBe(READ_STORE_SCHEMA_VERSION);
      await again.close();
      expect(db.open).toBe(true);
      db.close();
    });

    it('shows one connection commits of another, as a second process would see them', async () => {
      const other = openSqliteReadStore({ file: store.db.name });
      await store.transaction((tx) => {
        tx.put('c', '1', { v: 'از فرایند اول' }, '4');
        tx.saveCheckpoint('p', '4');
      });
      expect(await other.get('c', '1')).toMatchObject({ doc: { v: 'از فرایند اول' }, position: '4' });
      expect(await other.loadCheckpoint('p')).toBe('4');
      await other.close();
    });

    it('waits for another connection’s write lock on timers: the event loop turns meanwhile, then every kind of write lands', async () => {
      await store.transaction((tx) => tx.put('c', 'seed', { v: 0 })); // the table exists before the lock is taken
      const other = new Database(store.db.name);
      other.exec('BEGIN IMMEDIATE');
      let turns = 0;
      const ticking = setInterval(() => (turns += 1), 5);
      // Another process holds the lock for 300 ms (its index build, its batch); this thread's own timers free it.
      const released = commitAfter(other, 300);
      const started = performance.now();
      try {
        const lease = store.acquireLease('kpis', 'api', 10_000);
        const written = store.transaction((tx) => {
          tx.put('c', '1', { v: 'پس از آزاد شدن قفل' }, '9');
          tx.saveCheckpoint('p', '9');
        });
        const indexed = store.ensureIndex('c', ['v']);
        const saved = store.saveCheckpoint('q', '3');
        await Promise.all([lease, written, indexed, saved, released]);
        expect(await lease).toMatchObject({ name: 'kpis', owner: 'api', epoch: 1 });
      } finally {
        clearInterval(ticking);
        other.close();
      }
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      // SQLite's busy handler would have held the thread the whole time: no timer, the lock never freed.
      expect(turns).toBeGreaterThan(5);
      expect(await store.get('c', '1')).toMatchObject({ doc: { v: 'پس از آزاد شدن قفل' }, position: '9' });
      expect([await store.loadCheckpoint('p'), await store.loadCheckpoint('q')]).toEqual(['9', '3']);
    });

    it('lets another process in between its long writes (index builds back to back), instead of keeping the lock', async () => {
      // Enough documents that each index build holds the lock for tens of milliseconds.
      await store.transaction((tx) => {
        for (let i = 0; i < 100_000; i += 1) tx.put('big', `d${i}`, { a: i % 97, b: `v${i % 1013}`, c: i, d: `w${i % 31}` });
      });
      // Another process writing as this store does: tries, and while refused probes every 10 ms with no busy handler.
      const prober = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const db = new (require(workerData.driver))(workerData.file);
         db.pragma('busy_timeout = 0');
         const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
         parentPort.once('message', () => {
           for (let refused = 0; ; refused += 1) {
             try { db.exec("BEGIN IMMEDIATE; INSERT INTO rm_projection_states (name) VALUES ('other'); COMMIT"); break; }
             catch (error) {
               if (!String(error.code).startsWith('SQLITE_BUSY')) throw error;
               if (refused === 0) parentPort.postMessage('refused');
               sleep(10);
             }
           }
           parentPort.postMessage(performance.timeOrigin + performance.now());
           db.close();
         });`,
        { eval: true, workerData: { driver: require.resolve('better-sqlite3'), file: store.db.name } },
      );
      const messages: unknown[] = [];
      const next = () =>
        new Promise<unknown>((resolve, reject) => {
          prober.once('message', resolve);
          prober.once('error', reject);
        });
      // The other process is refused once (this connection holds the lock), then probes while the builds run.
      store.db.exec('BEGIN IMMEDIATE');
      const refused = next();
      prober.postMessage('go');
      messages.push(await refused);
      const wrote = next();
      store.db.exec('COMMIT');
      const at = () => performance.timeOrigin + performance.now();
      const starts: number[] = [];
      for (const fields of [['a'], ['b'], ['c'], ['d']]) {
        starts.push(at());
        await store.ensureIndex('big', fields);
      }
      const finished = at();
      const other = (await wrote) as number;
      await prober.terminate();
      expect(messages).toEqual(['refused']);
      // It wrote before this store's last index build began, not once all of them were done.
      expect(other).toBeLessThan(starts.at(-1) as number);
      expect(finished - (starts[0] as number)).toBeGreaterThan(60);
    });

    it('gives up waiting for the lock after busyTimeoutMs, with SQLite’s own SQLITE_BUSY, and writes nothing', async () => {
      const impatient = openSqliteReadStore({ file: store.db.name, busyTimeoutMs: 150 });
      const other = new Database(store.db.name);
      other.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      try {
        await expect(impatient.transaction((tx) => tx.put('c', 'late', { v: 1 }))).rejects.toMatchObject({
          code: expect.stringMatching(/^SQLITE_BUSY/),
        });
        await expect(impatient.acquireLease('kpis', 'api', 10_000)).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect(performance.now() - started).toBeGreaterThanOrEqual(280);
      expect(await impatient.get('c', 'late')).toBeUndefined();
      expect(await impatient.listLeases()).toEqual([]);
      await impatient.close();
    });

    it('reads a collection another connection dropped as empty, statements it had prepared included', async () => {
      const other = openSqliteReadStore({ file: store.db.name });
      await store.transaction((tx) => tx.put('gone', 't:1', { tenantId: 't', v: 1 }));
      // The reader prepares and caches its statements on the table first.
      expect(await other.count('gone')).toBe(1);
      expect(await other.find('gone', { where: { tenantId: 't' } })).toHaveLength(1);
      await store.dropCollection('gone');
      expect(await other.count('gone')).toBe(0);
      expect(await other.find('gone', { where: { tenantId: 't' } })).toEqual([]);
      expect(await other.get('gone', 't:1')).toBeUndefined();
      await other.close();
    });

    it('rolls back the whole batch when the database refuses one write of it', async () => {
      await store.transaction((tx) => tx.delete('c', 'none')); // creates the collection's table
      store.db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON rmd_c WHEN NEW.id = 'poison'
                     BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`);
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

    it('serves indexed fields from the expression index', async () => {
      await store.ensureIndex('people', ['tier']);
      const plan = store.db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM rmd_people WHERE json_extract(doc, '$.tier') = ?`).all('gold') as {
        detail: string;
      }[];
      expect(plan.map((step) => step.detail).join(' ')).toMatch(/USING INDEX rm_ix_[0-9a-f]+_by_tier/);
    });

    it("writes a find's limit into its statement and binds the offset, so SQLite does not prepare it again at each run", async () => {
      await store.transaction((tx) => {
        for (const id of ['1', '2', '3', '4', '5']) tx.put('people', id, { tier: 'gold', n: Number(id) });
      });
      const sqlOf = (query: FindQuery) =>
        findQuerySql('people', predicatesOf(query.where), sortKeysOf(query.orderBy), pageOf(query), undefined);
      const paged = sqlOf({ where: { tier: 'gold' }, orderBy: [{ field: 'n' }], limit: 2, offset: 1 });
      // A plain `LIMIT ?` is planned for the value bound (SQLite 3.47+): every new binding expires the statement.
      expect(paged.sql).toMatch(/LIMIT 2 OFFSET \?$/);
      expect(paged.params.at(-1)).toBe(1);
      expect(sqlOf({ where: { tier: 'gold' }, orderBy: [{ field: 'n' }] }).sql).toMatch(/LIMIT -1 OFFSET \?$/);
      expect(
        (await store.find('people', { where: { tier: 'gold' }, orderBy: [{ field: 'n' }], limit: 2, offset: 1 })).map((r) => r.id),
      ).toEqual(['2', '3']);
      expect(
        (await store.find('people', { where: { tier: 'gold' }, orderBy: [{ field: 'n' }], limit: 2, offset: 3 })).map((r) => r.id),
      ).toEqual(['4', '5']);
      expect((await store.find('people', { where: { tier: 'gold' }, orderBy: [{ field: 'n' }], limit: 0 })).map((r) => r.id)).toEqual([]);
      expect((await store.find('people', { where: { tier: 'gold' }, orderBy: [{ field: 'n' }], offset: 4 })).map((r) => r.id)).toEqual([
        '5',
      ]);
      // It becomes SQL text, so a page built without pageOf is checked too.
      expect(() => findQuerySql('people', [], [], { limit: 1.5, offset: 0 }, undefined)).toThrow(RangeError);
      expect(() => findQuerySql('people', [], [], { limit: -1, offset: 0 }, undefined)).toThrow(RangeError);
    });

    it('finds every match of equalities on two indexed fields through the expression index, not the whole collection in id order', async () => {
      await store.ensureIndex('people', ['tenantId', 'tier']);
      const plan = (query: FindQuery) => {
        const keys = sortKeysOf(query.orderBy);
        const keyset = keysetOf(query.after, keys);
        const predicates = predicatesOf(query.where);
        const page = pageOf(query);
        const { sql, params } = findQuerySql('people', predicates, keys, page, keyset);
        return (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((step) => step.detail).join(' ');
      };
      expect(plan({ where: { tenantId: 't', tier: 'gold' } })).toMatch(/USING INDEX rm_ix_[0-9a-f]+_by_tenantId_and_tier/);
      // A tenant and a range (a month's markers, the rows flagged for a median) is a narrow slice too.
      expect(plan({ where: { tenantId: 't', tier: { gte: 'gold', lte: 'gold' } } })).toMatch(
        /USING INDEX rm_ix_[0-9a-f]+_by_tenantId_and_tier/,
      );
      // One tenant's every document, and a page in id order, walk the primary key: no sort of everything the filter finds.
      expect(plan({ where: { tenantId: 't' } })).not.toContain('TEMP B-TREE');
      expect(plan({ where: { tenantId: 't' }, limit: 10, after: { values: [], id: 't:1' } })).not.toContain('TEMP B-TREE');
      await store.transaction((tx) => {
        for (const id of ['3', '1', '2']) tx.put('people', `t:${id}`, { tenantId: 't', tier: 'gold' });
      });
      expect((await store.find('people', { where: { tenantId: 't', tier: 'gold' } })).map((record) => record.id)).toEqual([
        't:1',
        't:2',
        't:3',
      ]);
    });

    it("walks the sort field's index when the find also bounds that field, leaving other fields' ranges to the rows it reads", async () => {
      // A median's window: one bucket of a duration, ordered by it, within a receipt period (complaint KPIs).
      await store.ensureIndex('slots', ['tenantId', 'ms']);
      await store.ensureIndex('slots', ['tenantId', 'receivedAt']);
      const query: FindQuery = {
        where: { tenantId: 't', ms: { gte: 100, lt: 200 }, receivedAt: { gte: '2025-01-01', lte: '2049-12-31' } },
        orderBy: [{ field: 'ms' }],
        offset: 1,
        limit: 2,
      };
      const keys = sortKeysOf(query.orderBy);
      const { sql, params } = findQuerySql('slots', predicatesOf(query.where), keys, pageOf(query), undefined);
      const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((step) => step.detail)
        .join(' ');
      expect(plan).toMatch(/USING INDEX rm_ix_[0-9a-f]+_by_tenantId_and_ms /);
      expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      // The other field's range still filters: the rows outside the period are not counted by the offset.
      await store.transaction((tx) => {
        const rows: [string, number, string][] = [
          ['a', 150, '2024-06-01'],
          ['b', 120, '2025-02-01'],
          ['c', 110, '2030-01-01'],
          ['d', 199, '2049-12-31'],
          ['e', 130, '2050-01-01'],
          ['f', 250, '2026-01-01'],
        ];
        for (const [id, ms, receivedAt] of rows) tx.put('slots', `t:${id}`, { tenantId: 't', ms, receivedAt });
      });
      expect((await store.find('slots', query)).map((record) => record.id)).toEqual(['t:b', 't:d']);
      // A find that names its narrowest field walks that field's index instead, with the same answer.
      const through = { ...query, through: 'receivedAt' };
      const hinted = findQuerySql('slots', predicatesOf(through.where), keys, pageOf(through), undefined, through.through);
      const hintedPlan = (store.db.prepare(`EXPLAIN QUERY PLAN ${hinted.sql}`).all(...hinted.params) as { detail: string }[])
        .map((step) => step.detail)
        .join(' ');
      expect(hintedPlan).toMatch(/USING INDEX rm_ix_[0-9a-f]+_by_tenantId_and_receivedAt /);
      expect((await store.find('slots', through)).map((record) => record.id)).toEqual(['t:b', 't:d']);
      // So does an unsorted find: every row of one bucket within the period, through the bucket's index.
      const bucket: FindQuery = { where: query.where, through: 'ms' };
      const unsorted = findQuerySql('slots', predicatesOf(bucket.where), [], pageOf(bucket), undefined, bucket.through);
      const unsortedPlan = (store.db.prepare(`EXPLAIN QUERY PLAN ${unsorted.sql}`).all(...unsorted.params) as { detail: string }[])
        .map((step) => step.detail)
        .join(' ');
      expect(unsortedPlan).toMatch(/USING INDEX rm_ix_[0-9a-f]+_by_tenantId_and_ms /);
      expect((await store.find('slots', bucket)).map((record) => record.id)).toEqual(['t:b', 't:c', 't:d']);
    });

    const planOf = (collection: string) =>
      (
        store.db
          .prepare(`EXPLAIN QUERY PLAN SELECT id FROM "rmd_${collection.replace(/"/g, '""')}" WHERE json_extract(doc, '$.tier') = ?`)
          .all('gold') as { detail: string }[]
      )
        .map((step) => step.detail)
        .join(' ');
    const indexNames = () =>
      store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'rm_ix_%' ORDER BY name").pluck().all();

    it('indexes one collection only, and drops its indexes with it', async () => {
      await store.ensureIndex("it's", ['tier']);
      await store.ensureIndex('other', ['tier']);
      await store.transaction((tx) => {
        tx.put("it's", '1', { tier: 'gold' });
        tx.put('other', '1', { tier: 'gold' });
        tx.put('unindexed', '1', { tier: 'gold' });
      });
      expect(indexNames()).toHaveLength(2);
      expect(planOf("it's")).toContain('USING INDEX rm_ix_');
      expect(planOf('unindexed')).not.toContain('USING INDEX rm_ix_');
      expect((await store.find("it's", { where: { tier: 'gold' } })).map((record) => record.id)).toEqual(['1']);
      expect((await store.find('unindexed', { where: { tier: 'gold' } })).map((record) => record.id)).toEqual(['1']);
      await store.dropCollection("it's");
      expect(indexNames()).toHaveLength(1);
      expect(await store.count("it's")).toBe(0);
      expect(await store.count('other')).toBe(1);
    });

    it('commits a batch that need not be durable without an fsync, then goes back to the connection level', async () => {
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
      await store.transaction(
        (tx) => {
          tx.put('c', '1', { v: 1 }, '1');
          tx.saveCheckpoint('p', '1');
        },
        { durable: false },
      );
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
      expect((await store.get('c', '1'))?.doc).toEqual({ v: 1 });
      expect(await store.loadCheckpoint('p')).toBe('1');
    });

    it('moves the one documents table of schema version 1 (and its shared indexes) into a table per collection', async () => {
      const db = new Database(store.db.name);
      db.exec(`CREATE TABLE rm_documents (collection TEXT NOT NULL, id TEXT NOT NULL, position TEXT, doc TEXT NOT NULL,
                 PRIMARY KEY (collection, id));
               CREATE INDEX rm_documents_by_tier ON rm_documents (collection, json_extract(doc, '$.tier'));
               INSERT INTO rm_documents VALUES ('people', '1', '7', '{"tier":"gold"}'), ('it''s', '2', NULL, '{"tier":"tin"}');
               UPDATE rm_schema SET version = 1`);
      const migrated = new SqliteReadStore(db);
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE name IN ('rm_documents', 'rm_documents_by_tier')").get()).toBeUndefined();
      expect(db.prepare('SELECT version FROM rm_schema').pluck().get()).toBe(READ_STORE_SCHEMA_VERSION);
      expect(await migrated.get('people', '1')).toEqual({ id: '1', doc: { tier: 'gold' }, position: '7' });
      expect((await migrated.find("it's", { where: { tier: 'tin' } })).map((record) => record.id)).toEqual(['2']);
      await migrated.close();
      db.close();
    });
  });
});
