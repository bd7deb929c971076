import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { pausableProxy } from '@crm/shared/testing';
import { type Child, poll, startApp } from './testing/child-process';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PROJECTOR = 'apps/crm-projector/src/main.ts';

describe('crm-projector: SIGTERM while PostgreSQL hangs (outside probe M3)', () => {
  const schema = `hung_projector_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-projector-hung-'));
  let projector: Child | undefined;
  afterAll(async () => {
    if (projector && projector.process.exitCode === null) projector.process.kill('SIGKILL');
    await projector?.exited;
    rmSync(dataDir, { recursive: true, force: true });
    const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('exits 1 within the grace and the close bound, naming the step it was stuck in', async () => {
    const proxy = await pausableProxy(new URL(DATABASE_URL));
    try {
      projector = startApp(PROJECTOR, [], dataDir, {
        CRM_EVENT_STORE: 'postgres',
        DATABASE_URL: proxy.url,
        CRM_POSTGRES_URL: proxy.url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_SHUTDOWN_GRACE_MS: '1000',
      });
      const child = projector;
      const url = await poll(
        () =>
          child
            .output()
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line) as Record<string, unknown>)
            .find((line) => line['msg'] === 'projector operations endpoint listening')?.['url'] as string | undefined,
        30_000,
        () => child.output(),
      );
      let ready = await fetch(`${url}/health/ready`);
      for (const deadline = Date.now() + 30_000; ready.status !== 200 && Date.now() < deadline; ready = await fetch(`${url}/health/ready`))
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ready.status).toBe(200);
      proxy.pause();
      await new Promise((resolve) => setTimeout(resolve, 500)); // its subscriptions and lease renewals now wait on the silence
      const signalled = performance.now();
      child.process.kill('SIGTERM');
      const exit = await child.exited;
      const tookMs = performance.now() - signalled;
      // The grace (1 s) and closing the grace again, at least 2 s: 3 s, with slack for a loaded machine.
      expect({ exit, inTime: tookMs < 8_000 }).toEqual({ exit: { code: 1, signal: null }, inTime: true });
      const line = child
        .output()
        .split('\n')
        .find((text) => text.includes('stopping did not finish'));
      expect(line).toBeDefined();
      expect(JSON.parse(line as string)).toMatchObject({ notClosed: expect.any(String) as unknown });
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
