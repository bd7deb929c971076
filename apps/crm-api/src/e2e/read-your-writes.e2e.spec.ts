import { http, startTestApp, type TestApp } from '../testing/test-app';
import { ReadSideHost } from '../read-models/read-side-host';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';

/**
 * The embedded default's read-your-writes: each commit on the API thread wakes the read-side worker, which
 * reads for the projections the commit concerns and moves the others past it without reading. The poll is
 * set to a minute here, so only those wake-ups can bring a view to the position a command returned within
 * CRM_READ_WAIT_MS.
 */
describe('read-your-writes on the read-side worker (CRM_PROJECTIONS=run, poll 60 s, real server)', () => {
  let server: TestApp;
  const post = (path: string, body: unknown) => http(server.url, 'POST', `/api/v1${path}`, body);
  const get = (path: string) => http(server.url, 'GET', `/api/v1${path}`);

  beforeAll(async () => {
    server = await startTestApp({ CRM_PROJECTIONS: 'run', CRM_POLL_INTERVAL_MS: '60000', CRM_READ_WAIT_MS: '3000' });
    // The worker's first catch-up reads to the end whatever the poll; from here on only wake-ups move it.
    const host = server.app.get<ReadSideHost>(PROJECTION_RUNNER);
    const ready = await http(server.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(host).toBeInstanceOf(ReadSideHost);
  }, 60_000);
  afterAll(() => server?.close());

  it('answers a view with minPosition from a capture just made: the funnel waits on projections the capture does not concern', async () => {
    for (let i = 0; i < 3; i += 1) {
      const lead = await post('/leads', {
        fullName: 'مریم احمدی',
        source: 'web',
        email: `ryw-${i}@example.ir`,
        phone: `0912${String(3000000 + i)}`,
      });
      expect(lead.status).toBe(201);
      const funnel = await get(`/views/funnel?minPosition=${lead.body['position'] as string}`);
      expect(funnel.status).toBe(200);
      expect(JSON.stringify(funnel.body)).toContain('"web"');
    }
  }, 30_000);

  it('moves every projection to the position of a commit, those it concerns and those it does not', async () => {
    const host = server.app.get<ReadSideHost>(PROJECTION_RUNNER);
    const complaint = await post('/complaints', {
      complainant: { name: 'سارا رحیمی', phone: '۰۹۱۲ ۴۴۴ ۵۵۶۶' },
      channel: 'phone',
      category: 'delivery',
      description: 'سفارش با تأخیر رسید',
    });
    expect(complaint.status).toBe(201);
    const position = complaint.body['position'] as string;
    await expect(host.waitFor('all', position, 3_000)).resolves.toBeUndefined();
    const kpis = await get(`/views/complaints/kpis?minPosition=${position}`);
    expect(kpis.status).toBe(200);
    expect(kpis.body).toMatchObject({ complaints: 1 });
    const feedback = await post('/feedback', {
      from: { name: 'سارا رحیمی', email: 'sara@example.ir' },
      kind: 'praise',
      text: 'برخورد کارشناس عالی بود',
      channel: 'web',
    });
    expect(feedback.status).toBe(201);
    await expect(host.waitFor('all', feedback.body['position'] as string, 3_000)).resolves.toBeUndefined();
  }, 30_000);
});
