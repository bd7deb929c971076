import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShutdownState } from '@crm/operations';
import type { ProjectionRunner } from '@crm/projections/runtime';
import { defineProjection } from '@crm/shared/read-model';
import { PROJECTION_RUNNER, ReadModels } from '../read-models/read-models.service';
import { http, startTestApp, type TestApp } from '../testing/test-app';

/** A projection the test breaks and mends, standing for a bug and its fix. */
const probe = { broken: false };
const contactCounter = defineProjection<{ contacts: number }>({
  name: 'ops-probe',
  version: 1,
  collection: 'ops_probe',
  eventTypes: ['ContactCreated'],
  documentId: () => 'all',
  evolve(doc) {
    if (probe.broken) throw new Error('probe projection is broken');
    return { contacts: (doc?.contacts ?? 0) + 1 };
  },
});

interface Check {
  readonly status: string;
  readonly error?: Record<string, unknown>;
  readonly info?: Record<string, unknown>;
  readonly details: Record<string, { status: string; [key: string]: unknown }>;
}

async function until<T>(probeOnce: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probeOnce();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('health: liveness, readiness and details (terminus)', () => {
  let server: TestApp;
  const get = <T = Check>(path: string) => http<T>(server.url, 'GET', path);
  const contact = (fullName: string) => http(server.url, 'POST', '/api/v1/contacts', { fullName });

  beforeAll(async () => {
    probe.broken = false;
    server = await startTestApp({}, { projections: [contactCounter] });
  });
  afterAll(async () => server.close());

  it('is live and ready when the stores answer and the projections run', async () => {
    expect((await get('/health/live')).status).toBe(200);
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      details: {
        eventStore: { status: 'up', kind: 'sqlite' },
        readStore: { status: 'up', kind: 'sqlite' },
        projections: { status: 'up', failed: [], lagging: [], maxLagSeconds: 60 },
        shutdown: { status: 'up' },
      },
    });
    expect(ready.body.details['projections']?.['owned']).toBeGreaterThan(1);
    // Anonymous: not the log's head, which counts every tenant's writes; the operator's /health has it.
    for (const checks of [ready.body.details, ready.body.info]) expect(checks?.['eventStore']).not.toHaveProperty('headPosition');
    expect((await get<{ eventStore: { headPosition: string | null } }>('/health')).body.eventStore.headPosition).toMatch(/^\d+$/);
  });

  it('turns readiness to 503 naming the projection that failed, and back to 200 after resume', async () => {
    const runner = server.app.get<ProjectionRunner>(PROJECTION_RUNNER);
    expect((await contact('پیش از خرابی')).status).toBe(201);
    probe.broken = true;
    const poison = await contact('پس از خرابی');
    expect(poison.status).toBe(201); // commands never wait on the read side

    const failed = await until(async () => {
      const reply = await get('/health/ready');
      return reply.status === 503 ? reply : undefined;
    }, 'readiness to fail');
    expect(failed.body).toMatchObject({
      status: 'error',
      error: { projections: { status: 'down', failed: ['ops-probe'] } },
      details: { eventStore: { status: 'up' }, readStore: { status: 'up' } },
    });
    expect((await get('/health/live')).status).toBe(200); // alive: restarting would not fix a bug

    const details = await get<Check & { projections: { name: string; owned: boolean; error?: { message: string }; summary: string }[] }>(
      '/health',
    );
    expect(details.status).toBe(503);
    const view = details.body.projections.find((p) => p.name === 'ops-probe');
    expect(view).toMatchObject({ owned: true, error: { message: 'Error: probe projection is broken' } });
    expect(view?.summary).toMatch(/^ops-probe v1: FAILED on ContactCreated/);

    probe.broken = false;
    await runner.resume('ops-probe');
    const mended = await until(async () => {
      const reply = await get('/health/ready');
      return reply.status === 200 ? reply : undefined;
    }, 'readiness to recover');
    expect(mended.body).toMatchObject({ status: 'ok', details: { projections: { status: 'up', failed: [] } } });
    const [counter] = await server.app.get(ReadModels).store.find<{ contacts: number }>(runner.collectionOf('ops-probe'));
    expect(counter?.doc.contacts).toBe(2); // the event it failed on was applied after the fix, once
  });

  it('while draining for a shutdown: stays live, answers readiness and details 503 with their own bodies, turns commands away', async () => {
    expect((await get('/health/live')).status).toBe(200); // (and the contract the replies are checked against is loaded)
    const shutdown = server.app.get(ShutdownState);
    shutdown.draining = true;
    try {
      // Every reply below is checked against the published OpenAPI document by `http` (its JSON, not problem+json).
      const live = await get('/health/live');
      expect({ status: live.status, type: live.headers.get('content-type'), connection: live.headers.get('connection') }).toEqual({
        status: 200,
        type: expect.stringMatching(/^application\/json/),
        connection: 'close',
      });
      const ready = await get('/health/ready');
      expect({ status: ready.status, type: ready.headers.get('content-type') }).toEqual({
        status: 503,
        type: expect.stringMatching(/^application\/json/),
      });
      expect(ready.body).toMatchObject({
        status: 'error',
        error: { shutdown: { status: 'down' } },
        details: { eventStore: { status: 'up' }, readStore: { status: 'up' } },
      });
      const details = await get<Check & { projections: unknown[] }>('/health');
      expect(details.status).toBe(503);
      expect(details.body.error).toMatchObject({ shutdown: { status: 'down' } });
      expect(details.body.projections.length).toBeGreaterThan(1);
      const refused = await contact('در حال خاموشی');
      expect({ status: refused.status, code: refused.body['code'], retryAfter: refused.headers.get('retry-after') }).toEqual({
        status: 503,
        code: 'SERVICE.SHUTTING_DOWN',
        retryAfter: '1',
      });
    } finally {
      shutdown.draining = false;
    }
    expect((await get('/health/ready')).status).toBe(200);
  });
});

describe('health where crm-projector runs the projections (CRM_PROJECTIONS=off)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-health-off-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps readiness to the stores, and still shows every projection from the states the projector commits', async () => {
    // Before any projector ran: ready (the stores answer), and said plainly that nothing has built the views.
    const first = await startTestApp({ CRM_DATA_DIR: dataDir, CRM_PROJECTIONS: 'off' });
    try {
      expect((await http(first.url, 'GET', '/health/ready')).status).toBe(200);
      const unbuilt = await http<{ status: string; warnings?: string[] }>(first.url, 'GET', '/health');
      expect({ status: unbuilt.status, body: unbuilt.body.status }).toEqual({ status: 200, body: 'degraded' });
      expect(unbuilt.body.warnings).toEqual([expect.stringMatching(/^No projection has been built: .*crm-projector/)]);
    } finally {
      await first.close();
    }
    // Stands for the projector: an app that runs them, on the same data.
    const runner = await startTestApp({ CRM_DATA_DIR: dataDir });
    const created = await http(runner.url, 'POST', '/api/v1/contacts', { fullName: 'مریم احمدی' });
    await runner.app.get<ProjectionRunner>(PROJECTION_RUNNER).waitFor('all', created.body['position'] as string, 10_000);
    await runner.close();

    const api = await startTestApp({ CRM_DATA_DIR: dataDir, CRM_PROJECTIONS: 'off' });
    try {
      const ready = await http<Check>(api.url, 'GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details['projections']).toMatchObject({ status: 'up', owned: 0 });
      const details = await http<{
        status: string;
        projectionsRunHere: boolean;
        projections: { name: string; owned: boolean; caughtUp: boolean }[];
        warnings?: string[];
      }>(api.url, 'GET', '/health');
      expect(details.body.projectionsRunHere).toBe(false);
      expect(details.body.projections.length).toBeGreaterThan(1);
      expect(details.body.projections.filter((p) => p.owned || !p.caughtUp)).toEqual([]);
      // The process that ran them is gone and none holds their leases: said, though readiness does not judge them.
      expect({ status: details.status, body: details.body.status }).toEqual({ status: 200, body: 'degraded' });
      expect(details.body.warnings).toEqual([
        expect.stringMatching(/^No process runs activity-list, complaint-audit, .*pipeline-opportunities.* is crm-projector running\?$/),
      ]);
      const metrics = (await http<string>(api.url, 'GET', '/metrics')).body;
      expect(metrics).toMatch(/^crm_projection_caught_up\{projection="pipeline-leads",owner="elsewhere",service="crm-api"\} 1$/m);
    } finally {
      await api.close();
    }
  }, 30_000);

  it('says "degraded" and names the projections that failed in the process running them, while readiness stays 200', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'crm-health-off-failed-'));
    // Stands for crm-projector: it runs the projections (and the probe), holds their leases, and stays up.
    probe.broken = false;
    const runner = await startTestApp({ CRM_DATA_DIR: shared }, { projections: [contactCounter] });
    const api = await startTestApp({ CRM_DATA_DIR: shared, CRM_PROJECTIONS: 'off' });
    try {
      const fine = await http<{ status: string; warnings?: string[] }>(api.url, 'GET', '/health');
      expect({ status: fine.status, body: fine.body.status, warnings: fine.body.warnings }).toEqual({
        status: 200,
        body: 'ok',
        warnings: undefined,
      });

      probe.broken = true;
      expect((await http(api.url, 'POST', '/api/v1/contacts', { fullName: 'سارا رضایی' })).status).toBe(201);
      await until(async () => {
        const ready = await http<Check>(runner.url, 'GET', '/health/ready');
        return ready.status === 503 ? ready : undefined;
      }, 'the runner to fail on the probe');

      const details = await until(async () => {
        const reply = await http<{
          status: string;
          warnings?: string[];
          projections: { name: string; owned: boolean; error?: { message: string } }[];
        }>(api.url, 'GET', '/health');
        return reply.body.warnings?.some((warning) => warning.includes('ops-probe')) ? reply : undefined;
      }, 'the API to warn of the failed projection');
      expect(details.status).toBe(200); // the API's commands and views still work: not a reason to take it out of rotation
      expect(details.body.status).toBe('degraded');
      expect(details.body.warnings).toEqual([expect.stringMatching(/^Failed where they run: ops-probe \(.*\)/)]);
      expect(details.body.projections.find((p) => p.name === 'ops-probe')).toMatchObject({
        owned: false,
        error: { message: 'Error: probe projection is broken' },
      });
      // Readiness judges only what this process runs.
      const ready = await http<Check>(api.url, 'GET', '/health/ready');
      expect({ status: ready.status, body: ready.body.status }).toEqual({ status: 200, body: 'ok' });
    } finally {
      probe.broken = false;
      await api.close();
      await runner.close();
      rmSync(shared, { recursive: true, force: true });
    }
  }, 30_000);
});
