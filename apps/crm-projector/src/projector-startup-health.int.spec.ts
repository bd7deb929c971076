import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { seedEventStore } from '@crm/demo-data';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { ALL_PROJECTIONS } from '@crm/platform';
import { type Child, poll, startApp } from './testing/child-process';

const PROJECTOR = 'apps/crm-projector/src/main.ts';
const URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const NAMES = ALL_PROJECTIONS.map((p) => p.name);

interface Check {
  readonly status: string;
  readonly error?: Record<string, { status: string; [key: string]: unknown }>;
  readonly details: Record<string, { status: string; [key: string]: unknown }>;
}

/**
 * Taking the leases of every projection can take a while (18 s over a 20k-event PostgreSQL log): the
 * health port is served meanwhile, live, and not ready until every lease has been asked for. Here the
 * start is held for as long as the test likes: a transaction locks the lease row of the first
 * projection, so the projector's claim on it waits.
 */
describe('crm-projector serves /health while it is still taking its leases (PostgreSQL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-projector-startup-'));
  const schema = `fix_health_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const env = { CRM_EVENT_STORE: 'postgres', CRM_POSTGRES_URL: URL, CRM_POSTGRES_SCHEMA: schema, CRM_POSTGRES_POOL_SIZE: '4' };
  let projector: Child | undefined;
  let holder: Client | undefined;

  afterAll(async () => {
    await holder?.query('ROLLBACK').catch(() => undefined);
    await holder?.end().catch(() => undefined);
    if (projector && projector.process.exitCode === null) projector.process.kill('SIGKILL');
    await projector?.exited;
    const admin = new Pool({ connectionString: URL, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers live 200 and ready 503 ("starting") until every lease has been asked for, then ready 200', async () => {
    const events = await PostgresEventStore.open(URL, { schema, poolSize: 2 });
    await seedEventStore(events, { events: 300, seed: 5 });
    await events.close();
    // The first projection's lease row, held by someone else for a minute, and locked by an open transaction.
    const readStore = await PostgresReadStore.open(URL, { schema, poolSize: 2 });
    await readStore.acquireLease(NAMES[0] as string, 'the-test', 60_000);
    await readStore.close();
    holder = new Client({ connectionString: URL });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT name FROM ${schema}.rm_leases WHERE name = $1 FOR UPDATE`, [NAMES[0]]);

    const child = startApp(PROJECTOR, [], dataDir, env);
    projector = child;
    const lines = () =>
      child
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const url = await poll(
      () => lines().find((line) => line['msg'] === 'projector operations endpoint listening')?.['url'] as string | undefined,
      20_000,
      () => `the health port was not served while a lease was being taken:\n${child.output()}`,
    );
    // Still held back on the locked lease: alive, not ready, and saying why.
    expect(child.output()).not.toContain(`took over ${NAMES[0]}`);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    const readyBody = (await ready.json()) as Check;
    expect({ status: ready.status, body: readyBody }).toMatchObject({
      status: 503,
      body: { status: 'error', error: { projections: { status: 'down', message: expect.stringMatching(/^starting: taking the leases/) } } },
    });
    const details = await fetch(`${url}/health`);
    expect(details.status).toBe(503);
    expect(((await details.json()) as Check).error?.['projections']).toMatchObject({ status: 'down', starting: true });

    // Let go: the lease lapses at once, the projector takes it (and the rest), catches up and turns ready.
    await holder.query(`UPDATE ${schema}.rm_leases SET expires_at = to_timestamp(0) WHERE name = $1`, [NAMES[0]]);
    await holder.query('COMMIT');
    let answer: Response | undefined;
    const deadline = Date.now() + 30_000;
    while ((answer = await fetch(`${url}/health/ready`)).status !== 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect({ status: answer.status, output: answer.status === 200 ? '' : child.output() }).toEqual({ status: 200, output: '' });
    expect(NAMES.every((name) => child.output().includes(`took over ${name} (lease epoch`))).toBe(true);

    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});
