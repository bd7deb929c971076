import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { http, issueKey, startTestApp, type HttpReply, type IssuedKey, type TestApp } from '../testing/test-app';
import { daysFromNow } from './sales-e2e-support';

type Keys = Record<'admin' | 'sales' | 'service' | 'auditor' | 'analyst', IssuedKey>;

describe('tenants are sealed from each other (real server, embedded SQLite)', () => {
  let server: TestApp;
  let acme: Keys;
  let globex: Keys;
  const leadId = randomUUID();
  let complaintId: string;
  let position = '0';

  const call = (key: IssuedKey, method: string, path: string, body?: unknown): Promise<HttpReply> =>
    http(server.url, method, `/api/v1${path}`, body, key.headers);
  const post = async (key: IssuedKey, path: string, body: unknown): Promise<HttpReply> => {
    const reply = await call(key, 'POST', path, body);
    if (typeof reply.body?.['position'] === 'string') position = reply.body['position'] as string;
    return reply;
  };

  /** A tenant's admin, made by the bootstrap key; the admin then makes its own tenant's service keys. */
  async function tenant(tenantId: string): Promise<Keys> {
    const admin = await issueKey(server, { name: `${tenantId} admin`, roles: ['admin'], tenantId });
    const own = async (role: 'sales' | 'service' | 'auditor' | 'analyst') =>
      issueKey(server, { name: `${tenantId} ${role}`, roles: [role] }, admin.headers);
    return {
      admin,
      sales: await own('sales'),
      service: await own('service'),
      auditor: await own('auditor'),
      analyst: await own('analyst'),
    };
  }

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    acme = await tenant('acme');
    globex = await tenant('globex');
    expect((await post(acme.sales, '/leads', { id: leadId, fullName: 'مریم احمدی', source: 'web', phone: '09121234567' })).status).toBe(
      201,
    );
    const account = await post(acme.sales, '/accounts', { name: 'شرکت فولاد مبارکه' });
    const opportunity = await post(acme.sales, '/opportunities', {
      accountId: account.body['id'],
      name: 'ورق فولادی',
      need: 'ورق گرم‌نورد',
      amount: { amount: 800_000_000 },
      expectedCloseDate: daysFromNow(30),
    });
    expect(opportunity.status).toBe(201);
    const complaint = await post(acme.service, '/complaints', {
      complainant: { name: 'رضا کریمی' },
      channel: 'phone',
      category: 'کیفیت کالا',
      description: 'کالای تحویلی معیوب بود',
    });
    complaintId = complaint.body['id'] as string;
  });
  afterAll(async () => server.close());

  it("records every event in its writer's tenant, with its key as the actor", async () => {
    const stream = await call(acme.auditor, 'GET', `/streams/lead-${leadId}`);
    expect(stream.status).toBe(200);
    const [captured] = (stream.body['events'] as RecordedEvent[]) ?? [];
    expect(captured?.metadata).toMatchObject({ tenantId: 'acme', actor: { id: acme.sales.id, roles: ['sales'] } });
  });

  it("answers 404 for another tenant's lead, stream and complaint audit trail, as if they did not exist", async () => {
    expect((await post(globex.sales, `/leads/${leadId}/assign`, { ownerId: 'user-9' })).body).toMatchObject({ status: 404 });
    expect((await call(globex.auditor, 'GET', `/streams/lead-${leadId}`)).status).toBe(404);
    expect((await call(globex.auditor, 'GET', `/streams/complaint-${complaintId}`)).status).toBe(404);
    expect((await call(acme.service, 'GET', `/views/complaints/${complaintId}/audit-trail?minPosition=${position}`)).status).toBe(200);
    expect((await call(globex.service, 'GET', `/views/complaints/${complaintId}/audit-trail?minPosition=${position}`)).status).toBe(404);
    expect((await post(globex.service, `/complaints/${complaintId}/acknowledge`, {})).status).toBe(404);
  });

  it("keeps dedupe and ids per tenant: the same person and the same client id are another tenant's own", async () => {
    const same = await post(globex.sales, '/leads', { id: leadId, fullName: 'مریم احمدی', source: 'web', phone: '09121234567' });
    expect(same.status).toBe(201);
    // Within acme the same phone is a duplicate, naming acme's own lead.
    const duplicate = await post(acme.sales, '/leads', { fullName: 'مریم', source: 'phone', phone: '+98 912 123 4567' });
    expect(duplicate.body).toMatchObject({ status: 409, code: 'LEAD.DUPLICATE', details: { existingLeadId: leadId } });
    expect((await call(acme.auditor, 'GET', `/streams/lead-${leadId}`)).body['events']).toHaveLength(1);
  });

  it("counts only the caller's tenant in views", async () => {
    const opportunities = async (key: IssuedKey) =>
      (await call(key, 'GET', `/views/pipeline/opportunities?minPosition=${position}`)).body['total'] as number;
    const complaints = async (key: IssuedKey) =>
      (await call(key, 'GET', `/views/complaints/kpis?minPosition=${position}`)).body['complaints'] as number;
    const leads = async (key: IssuedKey) =>
      ((await call(key, 'GET', `/views/funnel?minPosition=${position}`)).body['total'] as { leads: number }).leads;
    expect(await opportunities(acme.analyst)).toBe(1);
    expect(await opportunities(globex.analyst)).toBe(0);
    expect(await complaints(acme.analyst)).toBe(1);
    expect(await complaints(globex.analyst)).toBe(0);
    expect(await leads(acme.analyst)).toBe(1);
    // The one globex captured with acme's phone and id in the test above.
    expect(await leads(globex.analyst)).toBe(1);
  });

  it("lets a tenant's admin manage its own keys only; the bootstrap key manages every tenant's", async () => {
    const foreign = await call(globex.admin, 'POST', '/admin/api-keys', { name: 'intruder', roles: ['admin'], tenantId: 'acme' });
    expect(foreign.body).toMatchObject({ status: 403, code: 'AUTH.FORBIDDEN' });
    const listed = (await call(globex.admin, 'GET', '/admin/api-keys')).body['items'] as { id: string; tenantId: string }[];
    expect(new Set(listed.map((key) => key.tenantId))).toEqual(new Set(['globex']));
    expect(listed.map((key) => key.id)).toContain(globex.sales.id);
    expect((await call(globex.admin, 'GET', '/admin/api-keys?tenantId=acme')).status).toBe(403);
    expect((await post(globex.admin, `/admin/api-keys/${acme.sales.id}/revoke`, {})).body).toMatchObject({
      status: 404,
      code: 'API_KEY.NOT_FOUND',
    });
    expect((await post(acme.sales, '/leads', { fullName: 'هنوز معتبر', source: 'web', phone: '09127654321' })).status).toBe(201);
    const all = (await http(server.url, 'GET', '/api/v1/admin/api-keys')).body['items'] as { tenantId: string }[];
    expect(new Set(all.map((key) => key.tenantId))).toEqual(new Set(['default', 'acme', 'globex']));
    // One Idempotency-Key of the bootstrap key names one request: sent again for another tenant it is another request,
    // 422 (it made a second key with the same id, which the revoke route could not tell apart).
    const onboard = (tenantId: string, key: string) =>
      http(
        server.url,
        'POST',
        '/api/v1/admin/api-keys',
        { name: `${tenantId} svc`, roles: ['sales'], tenantId },
        { 'idempotency-key': key },
      );
    const first = await onboard('initech', 'onboard-1');
    expect(first.status).toBe(201);
    expect((await onboard('umbrella', 'onboard-1')).body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect((await onboard('initech', 'onboard-1')).body).toMatchObject({ status: 409, code: 'API_KEY.SHOWN_ONCE' });
    expect((await onboard('default', 'onboard-1')).body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    const keys = (await http(server.url, 'GET', '/api/v1/admin/api-keys')).body['items'] as { id: string; tenantId: string }[];
    expect(keys.filter((key) => key.id === first.body['id']).map((key) => key.tenantId)).toEqual(['initech']);
    expect(keys.some((key) => key.tenantId === 'umbrella')).toBe(false);
  });

  it('pages the key list by cursor (limit ≤ 200), each page of the list it was given for only', async () => {
    type Page = { items: { id: string; tenantId: string }[]; nextCursor: string | null };
    const whole = (await http<Page>(server.url, 'GET', '/api/v1/admin/api-keys?limit=200')).body;
    expect(whole.nextCursor).toBeNull();
    const walked: string[] = [];
    let cursor: string | null = '';
    for (let pages = 0; cursor !== null; pages += 1) {
      expect(pages).toBeLessThan(whole.items.length);
      const page: Page = (await http<Page>(server.url, 'GET', `/api/v1/admin/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
      expect(page.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.items.map((key) => key.id));
      cursor = page.nextCursor;
    }
    expect(walked).toEqual(whole.items.map((key) => key.id));
    expect(walked.length).toBeGreaterThan(4);
    // A cursor is the list's it came from: not another tenant's, not altered, and limit stays within 1–200.
    const first = (await http<Page>(server.url, 'GET', '/api/v1/admin/api-keys?limit=1')).body.nextCursor as string;
    const globexPage = await call(globex.admin, 'GET', `/admin/api-keys?limit=1&cursor=${first}`);
    expect([globexPage.status, globexPage.body['errors']]).toEqual([
      400,
      [{ field: 'cursor', messages: [expect.stringMatching(/^cursor must be/)] }],
    ]);
    const altered = `${first.slice(0, -2)}${first.endsWith('AA') ? 'AB' : 'AA'}`;
    expect((await http(server.url, 'GET', `/api/v1/admin/api-keys?cursor=${altered}`)).status).toBe(400);
    for (const limit of ['0', '201', 'x'])
      expect((await http(server.url, 'GET', `/api/v1/admin/api-keys?limit=${limit}`)).body).toMatchObject({
        status: 400,
        errors: [{ field: 'limit' }],
      });
    const own = (await call(globex.admin, 'GET', '/admin/api-keys?limit=1')).body as Page;
    expect(own.items.map((key) => key.tenantId)).toEqual(['globex']);
    const next = (await call(globex.admin, 'GET', `/admin/api-keys?limit=1&cursor=${String(own.nextCursor)}`)).body as Page;
    expect(next.items.every((key) => key.tenantId === 'globex')).toBe(true);
  });

  it("keeps the process-wide routes (health details, metrics: every tenant's traffic) to the operator's tenant", async () => {
    const acmeOps = await issueKey(server, { name: 'acme monitoring', roles: ['ops'] }, acme.admin.headers);
    for (const path of ['/health', '/metrics']) {
      for (const key of [acmeOps, acme.admin]) {
        const reply = await http(server.url, 'GET', path, undefined, key.headers);
        expect({ path, status: reply.status, code: reply.body['code'] }).toEqual({ path, status: 403, code: 'AUTH.FORBIDDEN' });
        expect(reply.body['detail']).toContain("only the operator's tenant");
      }
      const operatorOps = await issueKey(server, { name: `operator monitoring ${path}`, roles: ['ops'] });
      expect((await http(server.url, 'GET', path, undefined, operatorOps.headers)).status).toBe(200);
    }
    // Their own tenant's probes stay open to them, as to anyone.
    expect((await http(server.url, 'GET', '/health/ready', undefined, acmeOps.headers)).status).toBe(200);
  });
});
