import { randomUUID } from 'node:crypto';
import { routesOutsideTable } from '@crm/identity/application';
import { ROLES, type Role } from '@crm/identity/domain';
import { http, issueKey, startTestApp, type HttpReply, type IssuedKey, type TestApp } from '../testing/test-app';
import { phoneCall } from './activities-e2e-support';
import { salesClient } from './sales-e2e-support';

type Caller = Role | 'anonymous';
interface Probe {
  readonly method: 'GET' | 'POST';
  readonly path: () => string;
  readonly body?: () => unknown;
  /** What an allowed caller gets: success, or the business answer (404 for an unknown id) past the door. */
  readonly ok: number;
}
interface Family {
  readonly family: string;
  /** API.md's table, restated here rather than read from the code under test; admin may call everything. */
  readonly roles: readonly Role[];
  readonly probes: readonly Probe[];
}

let phone = 9120000000;
const lead = () => ({ fullName: 'مریم احمدی', source: 'web', phone: `0${(phone += 1)}` });

describe('every role against every route family (real server, embedded SQLite)', () => {
  let server: TestApp;
  const keys = new Map<Role, IssuedKey>();
  let contactId: string;
  let leadId: string;
  const admin = salesClient(() => server);

  const FAMILIES: readonly Family[] = [
    { family: 'sales commands', roles: ['sales'], probes: [{ method: 'POST', path: () => '/leads', body: lead, ok: 201 }] },
    {
      family: 'marketing commands',
      roles: ['marketing'],
      probes: [
        {
          method: 'POST',
          path: () => '/marketing-lists',
          body: () => ({ name: 'مشتریان وفادار', memberType: 'contact', kind: 'static' }),
          ok: 201,
        },
      ],
    },
    {
      family: 'activities and interactions',
      roles: ['sales', 'marketing', 'service'],
      probes: [
        { method: 'POST', path: () => '/interactions', body: () => phoneCall(contactId), ok: 201 },
        { method: 'POST', path: () => `/activities/${randomUUID()}/complete`, body: () => ({ outcome: 'done' }), ok: 404 },
      ],
    },
    {
      family: 'service commands',
      roles: ['service'],
      probes: [
        {
          method: 'POST',
          path: () => '/feedback',
          body: () => ({ from: { name: 'رضا کریمی' }, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' }),
          ok: 201,
        },
        { method: 'POST', path: () => `/complaints/${randomUUID()}/acknowledge`, body: () => ({}), ok: 404 },
      ],
    },
    {
      family: 'pipeline, funnel and campaign views',
      roles: ['sales', 'marketing', 'analyst'],
      probes: [
        { method: 'GET', path: () => '/views/pipeline', ok: 200 },
        { method: 'GET', path: () => '/views/funnel', ok: 200 },
        { method: 'GET', path: () => `/views/campaigns/${randomUUID()}/performance`, ok: 404 },
      ],
    },
    {
      family: 'complaint and satisfaction views',
      roles: ['service', 'analyst', 'auditor'],
      probes: [
        { method: 'GET', path: () => '/views/complaints/kpis', ok: 200 },
        { method: 'GET', path: () => '/views/satisfaction', ok: 200 },
        { method: 'GET', path: () => `/views/complaints/${randomUUID()}/audit-trail`, ok: 404 },
      ],
    },
    {
      family: 'customer views',
      roles: ['sales', 'analyst'],
      probes: [
        { method: 'GET', path: () => '/views/churn', ok: 200 },
        { method: 'GET', path: () => `/views/customers/${randomUUID()}/loyalty`, ok: 404 },
      ],
    },
    { family: 'raw streams', roles: ['auditor'], probes: [{ method: 'GET', path: () => `/streams/lead-${leadId}`, ok: 200 }] },
    { family: 'administration', roles: [], probes: [{ method: 'GET', path: () => '/admin/api-keys', ok: 200 }] },
    {
      family: 'operations',
      roles: ['ops'],
      probes: [
        { method: 'GET', path: () => '/health', ok: 200 },
        { method: 'GET', path: () => '/metrics', ok: 200 },
      ],
    },
  ];
  const CALLERS: readonly Caller[] = [...ROLES, 'anonymous'];

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    for (const role of ROLES) keys.set(role, await issueKey(server, { name: `${role} service`, roles: [role] }));
    const contact = await admin.post('/contacts', { fullName: 'مریم احمدی', phone: '09121112233' });
    contactId = contact.body['id'] as string;
    leadId = (await admin.post('/leads', lead())).body['id'] as string;
  });
  afterAll(async () => server.close());

  const call = (caller: Caller, probe: Probe, path: string): Promise<HttpReply> => {
    const url = path.startsWith('/health') || path.startsWith('/metrics') ? path : `/api/v1${path}`;
    const headers = caller === 'anonymous' ? {} : { ...(keys.get(caller) as IssuedKey).headers };
    return http(server.url, probe.method, url, probe.body?.(), headers, { anonymous: caller === 'anonymous' });
  };

  describe.each(FAMILIES.map((family) => [family.family, family] as const))('%s', (_name, family) => {
    it.each(CALLERS.map((caller) => [caller] as const))('%s', async (caller) => {
      const allowed = caller === 'admin' || (caller !== 'anonymous' && family.roles.includes(caller));
      for (const probe of family.probes) {
        const path = probe.path();
        const reply = await call(caller, probe, path);
        const expected = allowed ? probe.ok : caller === 'anonymous' ? 401 : 403;
        expect({ route: `${probe.method} ${path}`, status: reply.status }).toEqual({ route: `${probe.method} ${path}`, status: expected });
        if (expected === 401) {
          expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="crm"');
          expect(reply.body).toMatchObject({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
        }
        if (expected === 403) {
          expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(reply.body).toMatchObject({ status: 403, code: 'AUTH.FORBIDDEN' });
        }
      }
    });
  });

  it('leaves the OpenAPI document open to anyone, and never puts the liveness and readiness probes behind credentials', async () => {
    expect((await http(server.url, 'GET', '/api/docs-json', undefined, {}, { anonymous: true })).status).toBe(200);
    // Whatever the probes answer (up, not ready, or not served by this build), it is never "who are you".
    for (const path of ['/health/live', '/health/ready']) {
      for (const caller of CALLERS) {
        const status = (await call(caller, { method: 'GET', path: () => path, ok: 200 }, path)).status;
        expect({ path, caller, refused: status === 401 || status === 403 }).toEqual({ path, caller, refused: false });
      }
    }
  });

  it('refuses a caller without the role before anything happens: no existing lead named, nothing appended', async () => {
    const first = await admin.post('/leads', { fullName: 'زهرا کریمی', source: 'phone', phone: '09350001122' });
    expect(first.status).toBe(201);
    const before = await admin.head();
    const marketing = keys.get('marketing') as IssuedKey;
    const refused = await http(
      server.url,
      'POST',
      '/api/v1/leads',
      { fullName: 'زهرا', source: 'phone', phone: '09350001122' },
      marketing.headers,
    );
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain(first.body['id'] as string);
    expect(await admin.head()).toBe(before);
    // A caller allowed to capture leads may read them, so it learns which lead it duplicates.
    const sales = keys.get('sales') as IssuedKey;
    const duplicate = await http(
      server.url,
      'POST',
      '/api/v1/leads',
      { fullName: 'زهرا', source: 'phone', phone: '09350001122' },
      sales.headers,
    );
    expect(duplicate.body).toMatchObject({ status: 409, code: 'LEAD.DUPLICATE', details: { existingLeadId: first.body['id'] } });
  });

  it('has a row of the access table for every route the app serves', () => {
    expect(routesOutsideTable(server.app.getHttpAdapter().getInstance())).toEqual([]);
  });

  it('publishes the table in OpenAPI: the bearer scheme, 401 and 403 and the roles on every protected operation', async () => {
    const docs = await http<{ paths: Record<string, Record<string, { security?: unknown; responses: object; description?: string }>> }>(
      server.url,
      'GET',
      '/api/docs-json',
    );
    const operations = Object.entries(docs.body.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );
    const protectedOps = operations.filter(({ path }) => path.startsWith('/api/v1') || path === '/health' || path === '/metrics');
    expect(protectedOps.length).toBeGreaterThan(60);
    for (const { path, method, op } of protectedOps) {
      expect({
        path,
        method,
        security: op.security,
        responses: Object.keys(op.responses).filter((s) => s === '401' || s === '403'),
      }).toEqual({
        path,
        method,
        security: [{ bearer: [] }],
        responses: ['401', '403'],
      });
      expect(op.description).toMatch(/^Roles: ([a-z]+, )*admin\./);
    }
  });
});
