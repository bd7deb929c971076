import { threadId } from 'node:worker_threads';
import { READ_STORE } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
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

  it('erases through the worker: the API thread waits for its barrier, and no read model keeps the person', async () => {
    const host = server.app.get<ReadSideHost>(PROJECTION_RUNNER);
    const purge = jest.spyOn(host, 'purge');
    const name = 'پرستو صالحی‌نژاد';
    const complaint = await http(server.url, 'POST', '/api/v1/complaints', {
      complainant: { name, phone: '۰۹۱۲ ۵۵۵ ۶۶۷۷' },
      channel: 'phone',
      category: 'delivery',
      description: 'بسته ناقص رسید',
    });
    expect(complaint.status).toBe(201);
    await host.waitFor('all', complaint.body['position'] as string, 10_000);
    const readStore = server.app.get<ReadStore>(READ_STORE);
    const everything = async () => {
      let all = '';
      for (const state of await readStore.listStates())
        if (state.collection) all += JSON.stringify(await readStore.find(state.collection, { limit: 10_000 }));
      return all;
    };
    expect(await everything()).toContain(name);
    const erased = await http(server.url, 'POST', '/api/v1/data-subjects/erase', {
      subject: { type: 'complaint', id: complaint.body['id'] },
      reason: 'حق فراموشی',
    });
    expect(erased.status).toBe(200);
    expect(purge).toHaveBeenCalledTimes(1);
    await expect(purge.mock.results[0]?.value).resolves.toEqual(expect.any(Number));
    expect(await everything()).not.toContain(name);
    // The lanes went on after the barrier.
    await host.waitFor('all', erased.body['position'] as string, 10_000);
    expect((await host.status()).every((s) => s.phase === 'running')).toBe(true);
    purge.mockRestore();
  }, 60_000);

  it('restarts a worker that died: not ready while it is down, ready again after, and projecting again', async () => {
    const host = server.app.get<ReadSideHost>(PROJECTION_RUNNER);
    const ready = () => http<{ details: Record<string, Record<string, unknown>> }>(server.url, 'GET', '/health/ready');
    const name = 'فرامرز اصلانی‌پور';
    const complaint = await http(server.url, 'POST', '/api/v1/complaints', {
      complainant: { name, phone: '۰۹۱۲ ۸۸۸ ۹۹۰۰' },
      channel: 'web',
      category: 'delivery',
      description: 'پیش از توقف',
    });
    await host.waitFor('all', complaint.body['position'] as string, 10_000);
    const before = (await get('/views/complaints/kpis')).body['complaints'] as number;
    await host.crashWorkerForTest();
    const downAt = Date.now();
    let down: Awaited<ReturnType<typeof ready>> | undefined;
    while (Date.now() - downAt < 5000) {
      const reply = await ready();
      if (reply.status === 503) {
        down = reply;
        break;
      }
    }
    expect(down?.status).toBe(503);
    expect(down?.body.details['projections']).toMatchObject({
      status: 'down',
      message: expect.stringContaining('the read-side worker is not running'),
    });
    // An erasure while the worker is down: its barrier is done by the next worker once started.
    const erased = await http(server.url, 'POST', '/api/v1/data-subjects/erase', {
      subject: { type: 'complaint', id: complaint.body['id'] },
      reason: 'حق فراموشی',
    });
    expect(erased.status).toBe(200);
    expect(host.running).toBe(true);
    const readStore = server.app.get<ReadStore>(READ_STORE);
    for (const state of await readStore.listStates())
      if (state.collection) expect(JSON.stringify(await readStore.find(state.collection, { limit: 10_000 }))).not.toContain(name);
    let upAgain = false;
    while (!upAgain && Date.now() - downAt < 30_000) {
      upAgain = (await ready()).status === 200;
      if (!upAgain) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(upAgain).toBe(true);
    expect(host.running).toBe(true);
    // The new worker renews the dead one's leases at once (the same owner) and applies new events.
    const reply = await http(server.url, 'POST', '/api/v1/complaints', {
      complainant: { name: 'علی رضایی', phone: '۰۹۱۲ ۳۳۳ ۴۴۵۵' },
      channel: 'web',
      category: 'delivery',
      description: 'پس از راه‌اندازی دوباره',
    });
    expect(reply.status).toBe(201);
    const kpis = await get(`/views/complaints/kpis?minPosition=${reply.body['position'] as string}`);
    expect(kpis).toMatchObject({ status: 200, body: { complaints: before + 1 } });
    expect((await host.status()).every((s) => s.phase === 'running' && s.error === undefined)).toBe(true);
  }, 60_000);
});
