import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiProcess, spawnApi } from '../testing/api-process';
import { http, issueKey, startTestApp, type HttpReply, type IssuedKey, type TestApp } from '../testing/test-app';

const NAME = 'مریم احمدی';

jest.setTimeout(30_000);

/**
 * A query replica on the embedded store: a second API process on the same data directory with
 * CRM_PROJECTIONS=off serves the views from read-models.sqlite, which the first process's projections
 * write, while the first takes the commands (ARCHITECTURE.md "Process topology").
 */
describe('query replica: a second API process on the same data directory serves the views', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-query-replica-'));
  let writer: TestApp;
  let replica: ApiProcess;
  let replicaUrl: string;
  let sales: IssuedKey;
  let acme: { admin: IssuedKey; sales: IssuedKey; service: IssuedKey; auditor: IssuedKey };

  const onWriter = (key: IssuedKey, path: string, body: unknown) => http(writer.url, 'POST', `/api/v1${path}`, body, key.headers);
  const onReplica = <T = Record<string, unknown>>(key: IssuedKey | undefined, path: string) =>
    http<T>(replicaUrl, 'GET', `/api/v1${path}`, undefined, key?.headers ?? {}, { anonymous: key === undefined });
  /** A key made on the writer counts on the replica once its subscription to the key streams delivers it. */
  const accepted = async (key: IssuedKey): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while ((await onReplica(key, '/views/funnel')).status === 401 && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 100));
  };
  const capture = async (key: IssuedKey, phone: string): Promise<{ id: string; position: string }> => {
    const reply = await onWriter(key, '/leads', { fullName: NAME, source: 'web', phone });
    expect(reply.status).toBe(201);
    return { id: reply.body['id'] as string, position: reply.body['position'] as string };
  };
  const leads = async (key: IssuedKey, position: string): Promise<unknown> => {
    const reply = await onReplica<{ total: { leads: number } }>(key, `/views/funnel?minPosition=${position}`);
    expect(reply.status).toBe(200);
    return reply.body.total.leads;
  };

  beforeAll(async () => {
    // The writer as `npm start` runs it: projections on the read-side worker thread.
    writer = await startTestApp({ CRM_DATA_DIR: dataDir, CRM_PROJECTIONS: 'run' });
    replica = spawnApi({ CRM_DATA_DIR: dataDir, CRM_PROJECTIONS: 'off', CRM_READ_WAIT_MS: '5000', CRM_SLA_CHECK_INTERVAL_MS: '0' });
    replicaUrl = await replica.listening;
    sales = await issueKey(writer, { name: 'sales', roles: ['sales'] });
    const admin = await issueKey(writer, { name: 'acme admin', roles: ['admin'], tenantId: 'acme' });
    acme = {
      admin,
      sales: await issueKey(writer, { name: 'acme sales', roles: ['sales'] }, admin.headers),
      service: await issueKey(writer, { name: 'acme service', roles: ['service'] }, admin.headers),
      auditor: await issueKey(writer, { name: 'acme auditor', roles: ['auditor'] }, admin.headers),
    };
    for (const key of [sales, acme.sales, acme.service, acme.auditor]) await accepted(key);
    // The writer's read-side worker has started and applied the keys' events: what follows times reads, not its start.
    const deadline = Date.now() + 60_000;
    const caughtUp = async () =>
      (await http<{ projections: { caughtUp: boolean }[] }>(writer.url, 'GET', '/health')).body.projections.every((p) => p.caughtUp);
    while (!(await caughtUp()) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
  }, 120_000);
  let writerClosed = false;
  afterAll(async () => {
    replica?.kill();
    if (!writerClosed) await writer?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is ready and owns no projection', async () => {
    expect((await http(replicaUrl, 'GET', '/health/ready', undefined, {}, { anonymous: true })).status).toBe(200);
    const bootstrap = { authorization: `Bearer ${writer.adminKey as string}` };
    const health = await http<{ projections: { owned: boolean }[] }>(replicaUrl, 'GET', '/health', undefined, bootstrap);
    expect(health.status).toBe(200);
    // It reports the projections it serves from, each owned elsewhere (the writer's read-side worker).
    expect(health.body.projections.length).toBeGreaterThan(0);
    expect(health.body.projections.filter(({ owned }) => owned)).toEqual([]);
  });

  it('shows a command taken by the writer in a view at the position the command returned', async () => {
    const first = await capture(sales, '09121110001');
    expect(await leads(sales, first.position)).toBe(1);
    const second = await capture(sales, '09121110002');
    expect(await leads(sales, second.position)).toBe(2);
  });

  it('keeps tenants apart and applies the access table', async () => {
    const own = await capture(acme.sales, '09121110003');
    expect(await leads(acme.sales, own.position)).toBe(1); // its own lead, not the default tenant's two
    expect(await leads(sales, own.position)).toBe(2);
    expect((await onReplica(acme.service, '/views/funnel')).status).toBe(403);
    expect((await onReplica(undefined, '/views/funnel')).status).toBe(401);
    expect((await onReplica(acme.auditor, `/streams/lead-${own.id}`)).status).toBe(200);
    expect((await onReplica(acme.auditor, `/streams/lead-${(await capture(sales, '09121110004')).id}`)).status).toBe(404);
  });

  it('answers 503 when the read models have not reached minPosition within CRM_READ_WAIT_MS', async () => {
    const { position } = await capture(sales, '09121110005');
    const ahead = String(Number(position) + 1_000_000);
    const reply = await onReplica(sales, `/views/funnel?minPosition=${ahead}`);
    expect(reply).toMatchObject({ status: 503, body: { code: 'READ_MODEL.NOT_CAUGHT_UP' } });
  });

  it('opens personal data with the shared keys, and loses it once the writer erases the person', async () => {
    const lead = await capture(acme.sales, '09121110006');
    const stream = (): Promise<HttpReply> => onReplica(acme.auditor, `/streams/lead-${lead.id}`);
    expect(JSON.stringify((await stream()).body)).toContain(NAME);
    const erased = await onWriter(acme.admin, '/data-subjects/erase', { subject: { type: 'lead', id: lead.id }, reason: 'درخواست حذف' });
    expect(erased.status).toBe(200);
    // The replica caches a data key for a short while (docs/personal-data.md): the name goes when that lapses.
    const deadline = Date.now() + 10_000;
    let text = JSON.stringify((await stream()).body);
    while (text.includes(NAME) && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 200));
      text = JSON.stringify((await stream()).body);
    }
    expect(text).not.toContain(NAME);
  });
  it('keeps serving the views it has once the writer has stopped', async () => {
    const { position } = await capture(sales, '09121110007');
    const before = await leads(sales, position);
    writerClosed = true;
    await writer.close();
    expect(await leads(sales, position)).toBe(before);
    expect((await onReplica(acme.auditor, '/views/complaints/kpis')).status).toBe(200);
  });
});
