import { threadId } from 'node:worker_threads';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { ReadSideHost } from '../read-models/read-side-host';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';

/** The embedded default (CRM_PROJECTIONS=run): projections on a worker thread, the API thread only reads. */
describe('the read-side worker thread (CRM_PROJECTIONS=run, real server, embedded SQLite)', () => {
  let server: TestApp;
  const get = (path: string) => http(server.url, 'GET', `/api/v1${path}`);

  beforeAll(async () => {
    server = await startTestApp({ CRM_PROJECTIONS: 'run' });
  }, 60_000);
  afterAll(() => server?.close());

  it('runs the projections off the API thread and still reads its writes with minPosition', async () => {
    const host = server.app.get(PROJECTION_RUNNER);
    expect(host).toBeInstanceOf(ReadSideHost);
    expect(threadId).toBe(0);
    const complainant = { name: 'مریم احمدی', phone: '۰۹۱۲ ۱۱۱ ۲۲۳۳' };
    let position = '';
    for (let i = 0; i < 3; i += 1) {
      const reply = await http(server.url, 'POST', '/api/v1/complaints', {
        complainant,
        channel: 'phone',
        category: 'delivery',
        description: 'سفارش با تأخیر رسید',
      });
      expect(reply.status).toBe(201);
      position = reply.body['position'] as string;
    }
    const kpis = await get(`/views/complaints/kpis?minPosition=${position}`);
    expect(kpis.status).toBe(200);
    expect(kpis.body).toMatchObject({ complaints: 3 });
    // Every projection got there, told by the worker's messages, not by reading the store here.
    await (host as ReadSideHost).waitFor('all', position, 10_000);
    const status = await (host as ReadSideHost).status();
    expect(status.length).toBeGreaterThan(5);
    expect(status.every((s) => s.phase === 'running' && s.error === undefined)).toBe(true);
  }, 60_000);

  it('is ready, with the projections the worker runs counted as owned', async () => {
    const ready = await http<{ status: string; details: Record<string, Record<string, unknown>> }>(server.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details['projections']).toMatchObject({ status: 'up', failed: [] });
    expect(ready.body.details['projections']?.['owned']).toBeGreaterThan(5);
  });
});
