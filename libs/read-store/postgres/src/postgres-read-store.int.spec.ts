import { parsePath, readBatch, type FindQuery, type ReadStore, type Where } from '@crm/shared/read-model';
import { describeReadStoreContract, endLentConnection } from '@crm/shared/testing';
import { PostgresReadStore } from './postgres-read-store';
import { READ_STORE_SCHEMA_VERSION } from './schema';
import { indexSql, tableOf } from './sql-query';
import { AdminConnection, databaseUrl, openTestStore, uniqueSchema } from './test-support';

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

/** The plan of the last SELECT a store sent while `ask` ran, as EXPLAIN (FORMAT JSON) gives it for the same parameters. */
function planner(store: PostgresReadStore): (ask: () => Promise<unknown>) => Promise<string> {
  const sent: { text: string; values: unknown[] }[] = [];
  const query = store.pool.query.bind(store.pool) as (...args: unknown[]) => unknown;
  Object.assign(store.pool, {
    query: (...args: unknown[]) => {
      const first = args[0] as { text?: string; values?: unknown[] };
      if (typeof first === 'object' && first.text?.startsWith('SELECT')) sent.push({ text: first.text, values: first.values ?? [] });
      return query(...args);
    },
  });
  return async (ask) => {
    sent.length = 0;
    await ask();
    const [last] = sent.slice(-1);
    if (!last) throw new Error('no statement was sent');
    const { rows } = await admin.pool.query<{ 'QUERY PLAN': unknown }>({ text: `EXPLAIN (FORMAT JSON) ${last.text}`, values: last.values });
    return JSON.stringify(rows[0]?.['QUERY PLAN']);
  };
}

/** A pool.query call of ANALYZE: its text alone, or in a config (the long statements carry their own query_timeout). */
function isAnalyze(query: unknown): boolean {
  const text = typeof query === 'string' ? query : (query as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' && text.startsWith('ANALYZE');
}

describe('PostgresReadStore: a connection the server ends (real server)', () => {
  it('while lent out and idle (a batch between two statements): the process goes on and the store answers', async () => {
    const store = await openTestStore();
    try {
      // Before, the server's notice on a lent connection was an 'error' nobody heard, and it ended the process.
      await endLentConnection(store.pool, admin.pool);
      expect(await store.acquireLease('a-projection', 'this-process', 5000)).toMatchObject({ owner: 'this-process' });
      expect(await store.count('nothing-yet')).toBe(0);
    } finally {
      await store.close();
      await admin.dropSchema(store.schema);
    }
  });
});

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
      await store.ensureIndex('c', ['v']); // the collection's table, for the trigger
      await admin.pool.query(`
        CREATE FUNCTION ${store.schema}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.id = 'poison' THEN RAISE EXCEPTION 'refused by trigger'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER refuse BEFORE INSERT ON ${tableOf(store.schema, 'c')} FOR EACH ROW EXECUTE FUNCTION ${store.schema}.refuse();`);
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

    const tableExists = async (collection: string) =>
      (await admin.pool.query(`SELECT to_regclass($1) AS t`, [tableOf(store.schema, collection)])).rows[0]?.t !== null;

    it('keeps each collection in a table of its own, created by its first batch and dropped whole', async () => {
      expect(await tableExists('deals_v1_1')).toBe(false);
      await store.transaction((tx) => {
        tx.put('deals_v1_1', 'd1', { n: 1 }, '1');
        tx.put('owners_v1_1', 'o1', { n: 2 }, '1');
        tx.saveCheckpoint('deals', '1');
      });
      expect([await tableExists('deals_v1_1'), await tableExists('owners_v1_1')]).toEqual([true, true]);
      await store.dropCollection('deals_v1_1');
      expect(await tableExists('deals_v1_1')).toBe(false);
      expect(await store.get('deals_v1_1', 'd1')).toBeUndefined();
      expect((await store.get('owners_v1_1', 'o1'))?.doc).toEqual({ n: 2 });
      // Deleting from a collection with no table, or reading one, is nothing.
      await store.transaction((tx) => tx.delete('never_written', 'x'));
      expect(await tableExists('never_written')).toBe(false);
      expect(await store.count('never_written')).toBe(0);
    });

    it('reads a collection another process dropped as empty, in every kind of read', async () => {
      const other = await openTestStore(store.schema);
      try {
        await store.transaction((tx) => tx.put('gone_v1_1', 'a', { tenantId: 't' }, '1'));
        expect(await store.count('gone_v1_1')).toBe(1); // this store has seen the table
        await other.dropCollection('gone_v1_1');
        expect(await store.get('gone_v1_1', 'a')).toBeUndefined();
        expect(await store.find('gone_v1_1', { where: { tenantId: 't' } })).toEqual([]);
        expect(await store.count('gone_v1_1')).toBe(0);
        expect(await store.aggregate('gone_v1_1', { groupBy: ['tenantId'] })).toEqual([]);
        await store.transaction((tx) => tx.put('kept', 'k', { v: 1 }, '1'));
        await other.dropCollection('gone_v1_1');
        expect(
          await readBatch(store, [
            { collection: 'gone_v1_1', id: 'a' },
            { collection: 'kept', id: 'k' },
          ]),
        ).toEqual([[], [{ id: 'k', position: '1', doc: { v: 1 } }]]);
      } finally {
        await other.close();
      }
    });

    it("creates a new collection's table in its first batch's transaction: two processes at once both commit, a fenced-off one leaves none", async () => {
      const others = await Promise.all([1, 2, 3].map(() => openTestStore(store.schema)));
      try {
        await Promise.all(others.map((other, i) => other.transaction((tx) => tx.put('raced_v1_1', `r${i}`, { i }, '1'))));
        expect(await store.count('raced_v1_1')).toBe(3);
      } finally {
        await Promise.all(others.map((other) => other.close()));
      }
      const lease = await store.acquireLease('p', 'owner-a', 60_000);
      await expect(
        store.transaction((tx) => tx.put('fenced_v1_1', 'f', { v: 1 }, '1'), { fence: { lease: 'p', epoch: (lease?.epoch ?? 0) + 1 } }),
      ).rejects.toMatchObject({ name: 'LeaseLostError' });
      expect(await tableExists('fenced_v1_1')).toBe(false);
    });

    const indexNames = async () =>
      (
        await admin.pool.query<{ name: string }>(
          `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'rm\\_ix\\_%' ORDER BY 1`,
          [store.schema],
        )
      ).rows.map((row) => row.name);

    it("indexes one collection's declared fields only, serves equality from them, and drops them with it", async () => {
      await store.transaction((tx) => {
        for (let i = 0; i < 2000; i += 1) tx.put("it's", `d${i}`, { tier: `t${i % 100}`, n: i });
        tx.put('other', '1', { tier: 't1' });
      });
      await store.ensureIndex("it's", ['tier']);
      await store.ensureIndex("it's", ['tier']);
      await store.ensureIndex('other', ['tier', 'n']);
      // Each declaration: one index on the fields' JSONB, one with the last field by type.
      expect(await indexNames()).toHaveLength(4);
      const plan = await admin.pool.query(
        `EXPLAIN SELECT id FROM ${tableOf(store.schema, "it's")} WHERE (doc #> '{tier}') = '"t7"'::jsonb`,
      );
      expect(JSON.stringify(plan.rows)).toMatch(/rm_ix_[0-9a-f]+_[0-9a-f]+/);
      expect(await store.count("it's", { tier: 't7' })).toBe(20);
      expect(await store.count("it's", { tier: { ne: 't7' } })).toBe(1980);
      await store.dropCollection("it's");
      expect(await indexNames()).toHaveLength(2);
      expect(await store.count("it's")).toBe(0);
      expect(await store.count('other', { tier: 't1' })).toBe(1);
    });

    it("walks an index for a page in the last declared field's order and for a range on it, after equalities on the others", async () => {
      const statuses = ['open', 'won', 'lost'];
      const day = (i: number) => `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
      const deals = Array.from({ length: 3000 }, (_, i) => ({
        id: `d${i}`,
        doc: {
          tenantId: i % 10 === 0 ? 'other' : 't',
          status: statuses[i % 3] as string,
          openedAt: `${day(i)}T${String(i % 24).padStart(2, '0')}:00Z`,
          closingDate: day(i * 7),
          amount: (i * 37) % 1000,
        },
      }));
      await store.transaction((tx) => {
        for (const deal of deals) tx.put('deals', deal.id, deal.doc);
        // Other collections with the same fields: a partial index's statistics do not reach the planner.
        for (let i = 0; i < 3000; i += 1) tx.put('leads', `l${i}`, { tenantId: 't', status: 'new', openedAt: day(i) });
      });
      await store.ensureIndex('deals', ['tenantId', 'openedAt']);
      await store.ensureIndex('deals', ['tenantId', 'amount']);
      await store.ensureIndex('deals', ['tenantId', 'status', 'closingDate']);
      const planOf = planner(store);
      const mine = deals.filter((deal) => deal.doc.tenantId === 't' && deal.doc.status !== 'lost');
      const where = { tenantId: 't', status: { in: ['open', 'won'] } };

      const latest = () =>
        store.find<(typeof deals)[number]['doc']>('deals', { where, orderBy: [{ field: 'openedAt', direction: 'desc' }], limit: 20 });
      const byOpened = [...mine].sort((a, b) =>
        a.doc.openedAt < b.doc.openedAt ? 1 : a.doc.openedAt > b.doc.openedAt ? -1 : a.id < b.id ? 1 : -1,
      );
      expect((await latest()).map((record) => record.id)).toEqual(byOpened.slice(0, 20).map((deal) => deal.id));
      const latestPlan = await planOf(latest);
      expect(latestPlan).toMatch(/"Index Name":"rm_ix_[0-9a-f]+_[0-9a-f]+_t"/);
      expect(latestPlan).not.toMatch(/"Node Type":"Sort"/);

      const biggest = () => store.find('deals', { where: { tenantId: 't' }, orderBy: [{ field: 'amount', direction: 'desc' }], limit: 5 });
      const amounts = deals
        .filter((deal) => deal.doc.tenantId === 't')
        .map((deal) => deal.doc.amount)
        .sort((a, b) => b - a);
      expect((await biggest()).map((record) => (record.doc as { amount: number }).amount)).toEqual(amounts.slice(0, 5));
      expect(await planOf(biggest)).not.toMatch(/"Node Type":"Sort"/);

      const period = { ...where, closingDate: { gte: '2025-03-01', lt: '2025-05-01' } };
      const inPeriod = () => store.count('deals', period);
      expect(await inPeriod()).toBe(
        mine.filter((deal) => deal.doc.closingDate >= '2025-03-01' && deal.doc.closingDate < '2025-05-01').length,
      );
      const periodPlan = await planOf(inPeriod);
      expect(periodPlan).toMatch(/"Index Name":"rm_ix_[0-9a-f]+_[0-9a-f]+_t"/);
      // The period is an index condition: no document outside it is read.
      expect(periodPlan).toMatch(/"Index Cond":.*closingDate/);
      expect(periodPlan).not.toMatch(/"Filter"/);
      // One stretch of the index: the number column (no number: NULL) is bound too, not only the string after it.
      expect(periodPlan).toMatch(/"Index Cond":"[^\n]*'number'::text\) THEN [^\n]* IS NULL\)/);
    });

    it("walks the sort field's (or the named field's) index when the find bounds it, leaving other fields' ranges to the rows it reads", async () => {
      // A median's window: one bucket of a duration, ordered by it, within a long receipt period (complaint KPIs).
      // The planner's estimate for each conjunction is a row or two; given both ranges as index conditions it took
      // the receipt index and sorted the period's every row (0.26–0.5 s at 1M events for 749 rows kept of 38,738).
      const rows = Array.from({ length: 4000 }, (_, i) => ({
        id: `t:${String(i).padStart(4, '0')}`,
        doc: { tenantId: 't', ms: (i * 7919) % 4000, receivedAt: `20${String(25 + (i % 25))}-0${1 + (i % 9)}-01` },
      }));
      await store.transaction((tx) => {
        for (const row of rows) tx.put('slots', row.id, row.doc);
      });
      await store.ensureIndex('slots', ['tenantId', 'ms']);
      await store.ensureIndex('slots', ['tenantId', 'receivedAt']);
      const indexName = (fields: string[]) => `${indexSql(store.schema, 'slots', fields.map(parsePath))[0]?.name}_t`;
      const planOf = planner(store);
      const query: FindQuery = {
        where: { tenantId: 't', ms: { gte: 100, lt: 160 }, receivedAt: { gte: '2026-01-01', lte: '2049-12-31' } },
        orderBy: [{ field: 'ms' }],
        offset: 3,
        limit: 5,
      };
      const expected = rows
        .filter(({ doc }) => doc.ms >= 100 && doc.ms < 160 && doc.receivedAt >= '2026-01-01' && doc.receivedAt <= '2049-12-31')
        .sort((a, b) => a.doc.ms - b.doc.ms)
        .slice(3, 8)
        .map((row) => row.id);
      expect(expected).toHaveLength(5);
      const ids = (found: readonly { id: string }[]) => found.map((record) => record.id);

      expect(ids(await store.find('slots', query))).toEqual(expected);
      const sorted = await planOf(() => store.find('slots', query));
      expect(sorted).toContain(`"Index Name":"${indexName(['tenantId', 'ms'])}"`);
      expect(sorted).not.toContain(indexName(['tenantId', 'receivedAt']));

      // Naming the receipt as the narrowest field (here one year of 25) walks its index instead; the page is sorted in memory.
      const year = { gte: '2026-01-01', lte: '2026-12-31' };
      const hinted = { ...query, where: { tenantId: 't', ms: { gte: 0, lt: 2000 }, receivedAt: year }, through: 'receivedAt' };
      const inYear = rows
        .filter(({ doc }) => doc.ms < 2000 && doc.receivedAt >= year.gte && doc.receivedAt <= year.lte)
        .sort((a, b) => a.doc.ms - b.doc.ms)
        .slice(3, 8)
        .map((row) => row.id);
      expect(inYear).toHaveLength(5);
      expect(ids(await store.find('slots', hinted))).toEqual(inYear);
      const hintedPlan = await planOf(() => store.find('slots', hinted));
      expect(hintedPlan).toContain(`"Index Name":"${indexName(['tenantId', 'receivedAt'])}"`);
      expect(hintedPlan).not.toContain(indexName(['tenantId', 'ms']));

      // So does an unsorted find: every row of one bucket within the period, through the bucket's index.
      const bucket = { where: query.where, through: 'ms' };
      const inBucket = rows.filter(({ doc }) => doc.ms >= 100 && doc.ms < 160 && doc.receivedAt >= '2026-01-01').map((row) => row.id);
      expect(ids(await store.find('slots', bucket))).toEqual(inBucket);
      expect(await planOf(() => store.find('slots', bucket))).toContain(`"Index Name":"${indexName(['tenantId', 'ms'])}"`);
    });

    it("analyzes the table when a collection's indexes are new, as a rebuild's fresh collection gets them at its end", async () => {
      // The serving build: indexed (statistics made, table analyzed) while the table holds none of the next build.
      await store.transaction((tx) => {
        for (let i = 0; i < 200; i += 1) tx.put('deals_v1', `d${i}`, { tenantId: 't', openedAt: String(i) });
      });
      await store.ensureIndex('deals_v1', ['tenantId', 'openedAt']);
      // The rebuild loads its collection, then declares the same indexes on it.
      await store.transaction((tx) => {
        for (let i = 0; i < 4000; i += 1) tx.put('deals_v2', `d${i}`, { tenantId: 't', openedAt: String(i) });
      });
      await store.ensureIndex('deals_v2', ['tenantId', 'openedAt']);
      const estimate = async () => {
        const { rows } = await admin.pool.query<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }>(
          `EXPLAIN (FORMAT JSON) SELECT id FROM ${tableOf(store.schema, 'deals_v2')} WHERE (doc #> '{tenantId}') = '"t"'::jsonb`,
        );
        return rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0;
      };
      // The planner knows the new collection's size (it guessed a handful of rows before), and a later start does not analyze again.
      expect(await estimate()).toBeGreaterThan(2000);
      const analyzed = jest.spyOn(store.pool, 'query');
      await store.ensureIndex('deals_v2', ['tenantId', 'openedAt']);
      expect(analyzed.mock.calls.filter(([sql]) => isAnalyze(sql))).toEqual([]);
      analyzed.mockRestore();
    });

    it('analyzes an indexed collection again as its documents grow, as a first build from an empty table does', async () => {
      // A first start: the serving collection is indexed (and analyzed) while its table is empty, then fills.
      await store.ensureIndex('deals', ['tenantId', 'openedAt']);
      const planned = async () => {
        const { rows } = await admin.pool.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [
          tableOf(store.schema, 'deals'),
        ]);
        return Number(rows[0]?.n);
      };
      expect(await planned()).toBeLessThanOrEqual(0);
      const analyses = jest.spyOn(store.pool, 'query');
      const analyzed = () => analyses.mock.calls.filter(([sql]) => isAnalyze(sql)).length;
      for (let batch = 0; batch < 12; batch += 1) {
        await store.transaction((tx) => {
          for (let i = 0; i < 500; i += 1) tx.put('deals', `d${batch}-${i}`, { tenantId: 't', openedAt: String(batch * 500 + i) });
        });
      }
      await store.close(); // waits for the analysis under way
      const times = analyzed();
      analyses.mockRestore();
      // 6,000 rows: analyzed after 1,000 (then 1,000 + 500 more: 2,500), and after 2,250 more (at about 5,000).
      expect(times).toBeGreaterThanOrEqual(2);
      expect(times).toBeLessThanOrEqual(4);
      expect(await planned()).toBeGreaterThanOrEqual(4000);
      // A collection without indexes (a rebuild's fresh one, loading) is left to the analysis its indexes bring.
      store = await PostgresReadStore.open(databaseUrl(), { schema: store.schema });
      const more = jest.spyOn(store.pool, 'query');
      await store.transaction((tx) => {
        for (let i = 0; i < 3000; i += 1) tx.put('deals_v2', `d${i}`, { tenantId: 't', openedAt: String(i) });
      });
      await store.close();
      const analyzedFresh = more.mock.calls.filter(([sql]) => isAnalyze(sql));
      more.mockRestore();
      expect(analyzedFresh).toEqual([]);
      store = await PostgresReadStore.open(databaseUrl(), { schema: store.schema });
    });

    it('walks a collection in id order along its primary key, a page at a time, whatever the database collation', async () => {
      // The loyalty population reads every document of a tenant 500 at a time in id order (keyset on the id).
      const ids = Array.from({ length: 6000 }, (_, i) => `t:${(i * 7919) % 6000}-${i % 3 === 0 ? 'B' : 'a'}`);
      await store.transaction((tx) => {
        for (const id of ids) tx.put('people', id, { tenantId: 't', accountId: id });
      });
      // As the loyalty collections are indexed: the tenant leads an index, so the planner knows how many it holds.
      await store.ensureIndex('people', ['tenantId', 'accountId']);
      await admin.pool.query(`ANALYZE ${tableOf(store.schema, 'people')}`);
      const page = (after?: string) =>
        store.find('people', {
          where: { tenantId: 't' },
          limit: 500,
          ...(after === undefined ? {} : { after: { values: [], id: after } }),
        });
      const walked: string[] = [];
      for (let last: string | undefined; ;) {
        const found = await page(last);
        walked.push(...found.map((record) => record.id));
        if (found.length < 500) break;
        last = found.at(-1)?.id;
      }
      // Byte order: upper case before lower, as the SQLite store and the in-memory one give it.
      expect(walked).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      const plan = await planner(store)(() => page(walked[2999]));
      expect(plan).toContain(`"Index Name":"${tableOf(store.schema, 'people').split('.')[1]}_pkey"`);
      expect(plan).not.toMatch(/"Node Type":"Sort"/);
    });

    it('puts the ids of version 4 tables in byte order (version 5), keeping their documents', async () => {
      const table = tableOf(store.schema, 'old_v1_1');
      await admin.pool.query(`CREATE TABLE ${table} (id text PRIMARY KEY, position text, doc jsonb NOT NULL);
                              INSERT INTO ${table} VALUES ('b', '2', '{"n":2}'), ('B', '1', '{"n":1}');
                              UPDATE ${store.schema}.rm_schema SET version = 4`);
      const migrated = await openTestStore(store.schema);
      try {
        const collation = await admin.pool.query<{ c: string | null }>(
          `SELECT collation_name AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = 'id'`,
          [store.schema, table.split('.')[1]],
        );
        expect(collation.rows).toEqual([{ c: 'C' }]);
        expect((await migrated.find('old_v1_1', {})).map((record) => [record.id, record.doc])).toEqual([
          ['B', { n: 1 }],
          ['b', { n: 2 }],
        ]);
        const version = await admin.pool.query<{ version: number }>(`SELECT version FROM ${store.schema}.rm_schema`);
        expect(version.rows[0]?.version).toBe(READ_STORE_SCHEMA_VERSION);
      } finally {
        await migrated.close();
      }
    });

    it('keeps its connections while idle, and carries on when the server closes one', async () => {
      const single = await PostgresReadStore.open(databaseUrl(), { schema: store.schema, poolSize: 1 });
      try {
        expect(single.pool.options.idleTimeoutMillis).toBe(0);
        expect(single.pool.listenerCount('error')).toBe(1);
        const pid = async () => (await single.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
        const before = await pid();
        // The idle connection is ended by the server: the pool reports it (an unheard 'error' would end the process).
        const reported = new Promise<void>((resolve) => single.pool.once('error', () => resolve()));
        await admin.pool.query('SELECT pg_terminate_backend($1)', [before]);
        await reported;
        await single.transaction((tx) => tx.put('c', 'a', { n: 1 }));
        expect((await single.get('c', 'a'))?.doc).toEqual({ n: 1 });
        expect(await pid()).not.toBe(before);
      } finally {
        await single.close();
      }
    });

    it('answers a batch of reads in one statement', async () => {
      await store.ensureIndex('c', ['tenantId', 'accountId']);
      await store.transaction((tx) => {
        tx.put('c', 'a', { tenantId: 't', accountId: 'x' }, '1');
        tx.put('c', 'b', { tenantId: 't', accountId: 'y' }, '2');
        tx.put('d', 'a', { tenantId: 't' }, '3');
      });
      const query = jest.spyOn(store.pool, 'query');
      const answers = await readBatch(store, [
        { collection: 'c', id: 'b' },
        { collection: 'd', id: 'a' },
        { collection: 'c', find: { where: { tenantId: 't', accountId: { in: ['x', 'z'] } } } },
      ]);
      expect(query).toHaveBeenCalledTimes(1);
      query.mockRestore();
      expect(answers.map((records) => records.map((record) => record.position))).toEqual([['2'], ['3'], ['1']]);
    });

    it('matches `in` lists and getMany ids of every length, and keeps a generic plan for a short list instead of planning each execution', async () => {
      const single = await PostgresReadStore.open(databaseUrl(), { schema: store.schema, poolSize: 1 });
      try {
        await single.ensureIndex('i', ['tenantId', 'contactId']);
        await single.transaction((tx) => {
          for (let i = 0; i < 3000; i += 1)
            tx.put('i', `d${String(i).padStart(4, '0')}`, { tenantId: 't', contactId: `c${i % 1000}`, n: i % 7 }, '1');
        });
        await admin.pool.query(`ANALYZE ${tableOf(store.schema, 'i')}`);
        const ids = async (where: Where) => (await single.find('i', { where })).map((record) => record.id);
        // Three values (spelled out as four), one repeated, and a number that is no string.
        expect(await ids({ tenantId: 't', contactId: { in: ['c5', 'c17', 'c5'] } })).toEqual([
          'd0005',
          'd0017',
          'd1005',
          'd1017',
          'd2005',
          'd2017',
        ]);
        expect(await ids({ tenantId: 't', n: { in: [6, '6'] } })).toHaveLength(428);
        expect(await ids({ tenantId: 't', n: { in: ['6'] } })).toEqual([]);
        // Longer than LISTED_VALUES: one array parameter.
        const many = Array.from({ length: 100 }, (_, i) => `c${i * 10}`);
        expect(await ids({ tenantId: 't', contactId: { in: many } })).toHaveLength(300);
        for (let k = 0; k < 10; k += 1) await ids({ tenantId: 't', contactId: { in: [`c${k}`, `c${k + 100}`] } });
        const plans = await single.pool.query<{ generic: string; custom: string }>(
          `SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements WHERE statement LIKE '%contactId%' ORDER BY generic_plans + custom_plans DESC LIMIT 1`,
        );
        // getMany: the same for its ids.
        for (let k = 0; k < 10; k += 1) expect((await single.getMany('i', [`d000${k}`, `d100${k}`, 'none'])).size).toBe(2);
        expect([
          ...(
            await single.getMany(
              'i',
              many.map((_, i) => `d${String(i).padStart(4, '0')}`),
            )
          ).keys(),
        ]).toHaveLength(100);
        const byId = await single.pool.query<{ generic: string; custom: string }>(
          `SELECT generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements
           WHERE statement LIKE '%rmd_i WHERE id IN%' ORDER BY generic_plans + custom_plans DESC LIMIT 1`,
        );
        expect(byId.rows.map((row) => [Number(row.generic), Number(row.custom)])).toEqual([[5, 5]]);
        // The statement run most (the ten two-value finds): PostgreSQL plans the first five executions for their values,
        // then keeps a generic plan priced as those (with one array parameter: every execution planned, 0 generic).
        const [most] = plans.rows;
        expect([Number(most?.generic), Number(most?.custom)]).toEqual([5, 5]);
      } finally {
        await single.close();
      }
    });

    it('commits a batch that need not be durable all the same, and reads it back', async () => {
      await store.transaction(
        (tx) => {
          tx.put('c', '1', { v: 1 }, '1');
          tx.saveCheckpoint('p', '1');
        },
        { durable: false },
      );
      expect((await store.get('c', '1'))?.doc).toEqual({ v: 1 });
      expect(await store.loadCheckpoint('p')).toBe('1');
      const setting = await admin.pool.query<{ s: string }>('SHOW synchronous_commit');
      expect(setting.rows[0]?.s).not.toBe('off');
    });

    it("moves version 1's documents (one table, a GIN index) to a table per collection", async () => {
      await admin.pool.query(`CREATE TABLE ${store.schema}.rm_documents (collection text NOT NULL, id text NOT NULL, position text,
                                doc jsonb NOT NULL, PRIMARY KEY (collection, id));
                              CREATE INDEX rm_documents_doc ON ${store.schema}.rm_documents USING gin (doc jsonb_path_ops);
                              INSERT INTO ${store.schema}.rm_documents VALUES ('deals_v1_1', 'd1', '7', '{"tier":"gold"}'),
                                ('deals_v1_1', 'd2', NULL, '{"tier":"tin"}'), ('it''s', 'x', '9', '{"n":1}');
                              UPDATE ${store.schema}.rm_schema SET version = 1`);
      const migrated = await openTestStore(store.schema);
      try {
        const left = await admin.pool.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'rm_documents'`, [store.schema]);
        expect(left.rowCount).toBe(0);
        expect(await migrated.find('deals_v1_1', { where: { tier: 'gold' } })).toEqual([
          { id: 'd1', position: '7', doc: { tier: 'gold' } },
        ]);
        expect(await migrated.count('deals_v1_1')).toBe(2);
        expect((await migrated.get("it's", 'x'))?.doc).toEqual({ n: 1 });
        const version = await admin.pool.query<{ version: number }>(`SELECT version FROM ${store.schema}.rm_schema`);
        expect(version.rows[0]?.version).toBe(READ_STORE_SCHEMA_VERSION);
      } finally {
        await migrated.close();
      }
    });

    it('migrates a fresh schema concurrently without tripping over CREATE SCHEMA', async () => {
      const schema = uniqueSchema();
      const stores = await Promise.all([1, 2, 3].map(() => openTestStore(schema)));
      await Promise.all(stores.map((s) => s.close()));
      await admin.dropSchema(schema);
    });
  });
});
