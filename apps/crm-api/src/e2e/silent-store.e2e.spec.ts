import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { isTransientStoreError } from '@crm/shared/kernel';
import { pausableProxy } from '@crm/shared/testing';
import { http, startTestApp, type TestApp } from '../testing/test-app';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('a PostgreSQL server that takes connections and never answers (an outside probe: every request hung)', () => {
  const schema = `silent_e2e_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  afterAll(async () => {
    const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('a store refuses within its connect timeout, as unavailable (503), instead of waiting for ever', async () => {
    const proxy = await pausableProxy(new URL(DATABASE_URL));
    try {
      proxy.silence();
      const started = performance.now();
      const opening = PostgresEventStore.open(proxy.url, { schema, connectTimeoutMs: 500 });
      const failure = await opening.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeDefined();
      expect(isTransientStoreError(failure)).toBe(true);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await proxy.close();
    }
  });

  it("readiness answers 503 within the stores' bound (2 s), naming both stores, while the API serves no projections", async () => {
    const proxy = await pausableProxy(new URL(DATABASE_URL));
    let server: TestApp | undefined;
    try {
      server = await startTestApp({
        CRM_EVENT_STORE: 'postgres',
        DATABASE_URL: proxy.url,
        CRM_POSTGRES_URL: proxy.url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_PROJECTIONS: 'off',
      });
      expect((await http(server.url, 'GET', '/health/ready')).status).toBe(200);
      // Past the second in which readiness answers probes from its last check.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      proxy.silence();
      const started = performance.now();
      const ready = await http(server.url, 'GET', '/health/ready');
      // Not the projections' 5 s bound: their states are read from the stores that do not answer (it took 5 s before).
      expect(performance.now() - started).toBeLessThan(3_500);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ error: { eventStore: { status: 'down' }, readStore: { status: 'down' } } });
      expect((await http(server.url, 'GET', '/health/live')).status).toBe(200);
    } finally {
      await proxy.close();
      await server?.close().catch(() => undefined);
    }
  }, 60_000);
});
