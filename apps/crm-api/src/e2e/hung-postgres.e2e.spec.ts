import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { PostgresKeyStore } from '@crm/key-store/postgres';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { isTransientStoreError } from '@crm/shared/kernel';
import { anEvent, pausableProxy } from '@crm/shared/testing';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { spawnApi, type ApiProcess } from '../testing/api-process';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const FEEDBACK = { from: { name: 'رضا کریمی' }, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' };

const settle = <T>(work: Promise<T>) =>
  work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

async function dropSchema(schema: string): Promise<void> {
  const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}

/** Opens `count` connections of the pool at once (a query on each), so later statements run on pooled connections. */
async function warm(pool: Pool, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  for (const client of clients) client.release();
  expect(pool.totalCount).toBe(count);
}

describe('a PostgreSQL that stops answering on connections already open (outside probe M2)', () => {
  const schema = `hung_pg_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  afterAll(() => dropSchema(schema));

  it('every store ends a statement left unanswered after its query timeout, as unavailable, and throws its connection away', async () => {
    const proxy = await pausableProxy(new URL(DATABASE_URL));
    const options = { schema, poolSize: 3, queryTimeoutMs: 400 };
    const events = await PostgresEventStore.open(proxy.url, { ...options, listen: false });
    const reads = await PostgresReadStore.open(proxy.url, options);
    const keys = await PostgresKeyStore.open(proxy.url, options);
    try {
      await events.appendToStream('deal-1', [anEvent('DealOpened')]);
      await reads.transaction((tx) => tx.put('deals', 'd1', { n: 1 }));
      for (const pool of [events.pool, reads.pool, keys.pool]) await warm(pool, 3);

      proxy.pause();
      const started = performance.now();
      const outcomes = await Promise.all([
        settle(events.readStream('deal-1')),
        settle(events.appendToStream('deal-2', [anEvent('DealOpened')])),
        settle(reads.get('deals', 'd1')),
        settle(reads.transaction((tx) => tx.put('deals', 'd2', { n: 2 }))),
        settle(keys.get({ tenantId: 't', subjectRef: 'contact-1' })),
        settle(keys.create({ tenantId: 't', subjectRef: 'contact-2' }, Buffer.from('key'))),
      ]);
      const tookMs = performance.now() - started;
      expect(outcomes.map((outcome) => (outcome.ok ? 'answered' : isTransientStoreError(outcome.error)))).toEqual(Array(6).fill(true));
      expect(tookMs).toBeLessThan(3_000);
      // The connections whose statements went unanswered were closed, not handed back to the pools.
      expect([events.pool, reads.pool, keys.pool].map((pool) => pool.totalCount)).toEqual([1, 1, 1]);

      proxy.resume();
      expect((await events.readStream('deal-1')).map((event) => event.type)).toEqual(['DealOpened']);
      expect((await reads.get('deals', 'd1'))?.doc).toEqual({ n: 1 });
      await keys.create({ tenantId: 't', subjectRef: 'contact-3' }, Buffer.from('key'));
      expect(await keys.has({ tenantId: 't', subjectRef: 'contact-3' })).toBe(true);
    } finally {
      await proxy.close();
      await Promise.all([events.close(), reads.close(), keys.close()].map((closing) => closing.catch(() => undefined)));
    }
  });

  it('a statement inside a transaction past its timeout ends the transaction and its connection (no ROLLBACK queued behind it)', async () => {
    const options = { schema, poolSize: 2, queryTimeoutMs: 300 };
    const reads = await PostgresReadStore.open(DATABASE_URL, options);
    const keys = await PostgresKeyStore.open(DATABASE_URL, options);
    const admin = new Pool({ connectionString: DATABASE_URL, max: 2 });
    const locker = await admin.connect();
    try {
      // The read store's first batch into a collection creates its table in a transaction, taking the creators'
      // lock first; the key store's createMany inserts in a transaction. Both wait here on locks held elsewhere.
      await locker.query('BEGIN');
      await locker.query(`SELECT pg_advisory_xact_lock(hashtext('crm.read_store.create'), hashtext($1))`, [`${schema}.fresh`]);
      await locker.query(`INSERT INTO "${schema}".personal_data_keys (tenant_id, subject_ref, wrapped) VALUES ('t', 'held', 'x')`);
      await warm(reads.pool, 2);
      await warm(keys.pool, 2);
      const started = performance.now();
      const [batch, created] = await Promise.all([
        settle(reads.transaction((tx) => tx.put('fresh', 'f1', { n: 1 }))),
        settle(keys.createMany([{ ref: { tenantId: 't', subjectRef: 'held' }, wrapped: Buffer.from('k') }])),
      ]);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect([batch, created].map((outcome) => !outcome.ok && isTransientStoreError(outcome.error))).toEqual([true, true]);
      expect([reads.pool.totalCount, keys.pool.totalCount]).toEqual([1, 1]);
      await locker.query('ROLLBACK');
      // The pools' remaining and new connections are clean: no transaction left open on them.
      await reads.transaction((tx) => tx.put('fresh', 'f1', { n: 1 }));
      expect((await reads.get('fresh', 'f1'))?.doc).toEqual({ n: 1 });
      expect(await keys.createMany([{ ref: { tenantId: 't', subjectRef: 'held' }, wrapped: Buffer.from('k') }])).toHaveLength(1);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
      await admin.end();
      await Promise.all([reads.close(), keys.close()]);
    }
  });

  it('long statements keep their long bound: migrations, index builds and rebuild (non-durable) commits wait past the query timeout', async () => {
    const own = `${schema}_long`;
    const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    const locker = await admin.connect();
    try {
      const holdFor = async (ms: number, ...statements: string[]) => {
        await locker.query('BEGIN');
        for (const statement of statements) await locker.query(statement);
        setTimeout(() => void locker.query('COMMIT'), ms);
      };
      // Another process migrating the schema for 800 ms: the migrations wait for it.
      await holdFor(800, `SELECT pg_advisory_xact_lock(hashtext('crm.event_store.migrate'), hashtext('${own}'))`);
      const events = await PostgresEventStore.open(DATABASE_URL, { schema: own, queryTimeoutMs: 200, listen: false });
      await holdFor(800, `SELECT pg_advisory_xact_lock(hashtext('crm.event_store.migrate'), hashtext('${own}'))`);
      const reads = await PostgresReadStore.open(DATABASE_URL, { schema: own, queryTimeoutMs: 200 });
      try {
        await reads.transaction((tx) => tx.put('big', 'b1', { n: 1 }));
        // The collection's table locked for 800 ms: an index build and a rebuild's commit wait; a serving commit gives up.
        await holdFor(800, `LOCK TABLE "${own}".rmd_big IN ACCESS EXCLUSIVE MODE`);
        const serving = await settle(reads.transaction((tx) => tx.put('big', 'b2', { n: 2 })));
        expect(!serving.ok && isTransientStoreError(serving.error)).toBe(true);
        await reads.ensureIndex('big', ['n']);
        await holdFor(800, `LOCK TABLE "${own}".rmd_big IN ACCESS EXCLUSIVE MODE`);
        await reads.transaction((tx) => tx.put('big', 'b3', { n: 3 }), { durable: false });
        expect((await reads.get('big', 'b3'))?.doc).toEqual({ n: 3 });
      } finally {
        await Promise.all([events.close(), reads.close()]);
      }
    } finally {
      await locker.query('COMMIT').catch(() => undefined);
      locker.release();
      await admin.query(`DROP SCHEMA IF EXISTS "${own}" CASCADE`);
      await admin.end();
    }
  });

  it('the API answers commands on pooled connections 503 STORE.UNAVAILABLE with Retry-After; the same Idempotency-Key then gets one 201', async () => {
    const proxy = await pausableProxy(new URL(DATABASE_URL));
    // The query timeout in the connection URL (node-postgres takes it over the pools' 30 s), 1 s here.
    const url = `${proxy.url}?query_timeout=1000`;
    let server: TestApp | undefined;
    try {
      server = await startTestApp({
        CRM_EVENT_STORE: 'postgres',
        DATABASE_URL: url,
        CRM_POSTGRES_URL: url,
        CRM_POSTGRES_SCHEMA: `${schema}_api`,
        CRM_PROJECTIONS: 'off',
      });
      const feedback = (key: string) => http(server?.url as string, 'POST', '/api/v1/feedback', FEEDBACK, { 'Idempotency-Key': key });
      // Every pool's connections opened by a burst (ten at once), so the three below run on pooled connections. A
      // loaded machine can take past the 1 s timeout to open them; a statement that times out throws its connection
      // away, so the burst is repeated (same keys) until one whole burst is answered 201.
      let burst: number[] = [];
      for (let round = 0; round < 5 && (round === 0 || burst.some((status) => status !== 201)); round += 1) {
        burst = (await Promise.all(Array.from({ length: 10 }, (_, i) => feedback(`warm-${i}`)))).map((reply) => reply.status);
        expect(burst.filter((status) => status !== 201 && status !== 503)).toEqual([]);
      }
      expect(burst).toEqual(Array(10).fill(201));

      proxy.pause();
      const started = performance.now();
      // Fewer than the key store's pool holds (4): a command queued behind those would need a new connection once their
      // timed-out ones are thrown away, and a new connection waits out the connect timeout (30 s) instead.
      const keys = Array.from({ length: 3 }, (_, i) => `hung-${i}`);
      const replies = await Promise.all(keys.map(feedback));
      expect(performance.now() - started).toBeLessThan(8_000);
      expect(
        replies.map((reply) => [reply.status, (reply.body as { code?: string }).code, reply.headers.get('retry-after') !== null]),
      ).toEqual(Array(3).fill([503, 'STORE.UNAVAILABLE', true]));

      proxy.resume();
      // Whether the append reached the server before the silence or not, a retry with the same key gets 201, once.
      const retried = await Promise.all(keys.map(feedback));
      expect(retried.map((reply) => reply.status)).toEqual(Array(3).fill(201));
      const again = await Promise.all(keys.map(feedback));
      expect(again.map((reply) => (reply.body as { id?: string }).id)).toEqual(retried.map((reply) => (reply.body as { id?: string }).id));
    } finally {
      await proxy.close();
      await server?.close().catch(() => undefined);
      await dropSchema(`${schema}_api`);
    }
  }, 60_000);
});

describe('SIGTERM while PostgreSQL hangs (outside probe M3)', () => {
  const schema = `hung_stop_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  let api: ApiProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-hung-stop-'));
  afterAll(async () => {
    api?.kill();
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('the API exits 1 within the grace and the close bound, saying what did not close', async () => {
    const proxy = await pausableProxy(new URL(DATABASE_URL));
    try {
      api = spawnApi({
        CRM_EVENT_STORE: 'postgres',
        DATABASE_URL: proxy.url,
        CRM_POSTGRES_URL: proxy.url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_SHUTDOWN_GRACE_MS: '1000',
        CRM_DATA_DIR: dataDir,
      });
      const url = await api.listening;
      const key = readFileSync(join(dataDir, 'bootstrap-admin.key'), 'utf8').trim();
      expect((await http(url, 'GET', '/health/ready', undefined, {}, { anonymous: true })).status).toBe(200);
      proxy.pause();
      // A command in hand on a pooled connection, its statement unanswered (the pools' 30 s query timeout).
      const hung = fetch(`${url}/api/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(FEEDBACK),
      }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const signalled = performance.now();
      api.process.kill('SIGTERM');
      const exit = await api.exited;
      const tookMs = performance.now() - signalled;
      await hung;
      // The grace (1 s), then closing has the grace again, at least 2 s: 3 s, some slack for a loaded machine.
      expect({ exit, inTime: tookMs < 8_000 }).toEqual({ exit: { code: 1, signal: null }, inTime: true });
      const line = api
        .output()
        .split('\n')
        .find((text) => text.includes('shutdown did not finish'));
      expect(line).toBeDefined();
      expect(JSON.parse(line as string)).toMatchObject({ notClosed: expect.any(Array) as unknown });
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
