import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const NAME = 'کاوه سپهری‌فر';
const EMAIL = 'kaveh.sepehri@example.ir';
const COMPLAINT_TEXT = 'فاکتور دوبار از حساب من برداشت شده است';

/**
 * The same erasure on the PostgreSQL store: events, read models and keys in
 * one schema. Every table of the schema is searched as text afterwards (live
 * rows; PostgreSQL keeps dead row versions until vacuum, docs/personal-data.md).
 */
describe('personal data erasure on PostgreSQL (real server)', () => {
  const schema = `pd_e2e_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
  let server: TestApp;
  const { post } = salesClient(() => server);

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'postgres', DATABASE_URL, CRM_POSTGRES_SCHEMA: schema });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  async function schemaText(): Promise<string> {
    const { rows } = await admin.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
      [schema],
    );
    let all = '';
    for (const { table_name } of rows) {
      const dump = await admin.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table_name}" t`);
      all += dump.rows.map((r) => r.row).join('\n');
    }
    return all;
  }

  it('seals in the schema, erases, and leaves no live row, route or claim with the person', async () => {
    const lead = await post('/leads', { fullName: NAME, email: EMAIL, phone: '۰۹۳۵۴۴۴۳۳۲۲', source: 'web' });
    expect(lead.status).toBe(201);
    const leadId = lead.body['id'] as string;
    const qualified = await post(`/leads/${leadId}/qualify`, {
      opportunity: { name: 'خرید سالانه', estimatedValue: { amount: 5_000_000 }, expectedCloseDate: daysFromNow(20) },
    });
    const { contactId } = qualified.body as { contactId: string };
    const complaint = await post('/complaints', {
      complainant: { contactId },
      channel: 'phone',
      category: 'مالی',
      description: COMPLAINT_TEXT,
    });
    expect(complaint.status).toBe(201);
    const complaintId = complaint.body['id'] as string;
    const views = () =>
      http(server.url, 'GET', `/api/v1/views/complaints/${complaintId}/audit-trail?minPosition=${String(complaint.body['position'])}`);
    expect((await views()).status).toBe(200);

    // Sealed at rest: the events table holds ciphertext; only the read models (rebuildable) hold plaintext.
    const { rows } = await admin.query<{ data: string }>(`SELECT data::text AS data FROM "${schema}".events`);
    expect(rows.map((r) => r.data).join('\n')).not.toContain(NAME);
    expect(rows.map((r) => r.data).join('\n')).toContain('pd1:');

    // The search below can see: the read models (the audience) hold the name in plaintext until the erasure.
    expect(await schemaText()).toContain(NAME);
    const erased = await post('/data-subjects/erase', { subject: { type: 'contact', id: contactId }, reason: 'حق فراموشی' });
    expect(erased.status).toBe(200);

    const text = await schemaText();
    for (const secret of [NAME, EMAIL, COMPLAINT_TEXT]) expect(text).not.toContain(secret);
    const replies = [
      await http(server.url, 'GET', `/api/v1/streams/lead-${leadId}`),
      await http(server.url, 'GET', `/api/v1/streams/complaint-${complaintId}`),
      await views(),
      await http(server.url, 'GET', `/api/v1/data-subjects/lead/${leadId}`),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      for (const secret of [NAME, EMAIL, COMPLAINT_TEXT]) expect(JSON.stringify(reply.body)).not.toContain(secret);
    }
    expect((replies[1]?.body as { integrity: { ok: boolean } }).integrity.ok).toBe(true);
    expect((await post('/leads', { fullName: 'کسی دیگر', phone: '09354443322', source: 'web' })).status).toBe(201);
  }, 60_000);

  it('erases a complainant on file as neither lead nor contact, named by their complaint', async () => {
    const stranger = 'شیرین قاسمی‌زاده';
    const text = 'کالای خریداری‌شده را پس نگرفتند';
    const complaint = await post('/complaints', {
      complainant: { name: stranger, phone: '۰۹۱۷۲۲۲۳۳۴۴' },
      channel: 'phone',
      category: 'مرجوعی',
      description: text,
    });
    expect(complaint.status).toBe(201);
    const complaintId = complaint.body['id'] as string;
    const trail = () =>
      http(server.url, 'GET', `/api/v1/views/complaints/${complaintId}/audit-trail?minPosition=${String(complaint.body['position'])}`);
    expect(JSON.stringify((await trail()).body)).toContain(stranger);
    const access = await http(server.url, 'GET', `/api/v1/data-subjects/complaint/${complaintId}`);
    expect(access.status).toBe(200);
    expect(JSON.stringify(access.body)).toContain(text);
    const erased = await post('/data-subjects/erase', { subject: { type: 'complaint', id: complaintId }, reason: 'درخواست شاکی' });
    expect(erased).toMatchObject({ status: 200, body: { records: 1 } });
    const all = await schemaText();
    for (const secret of [stranger, text]) expect(all).not.toContain(secret);
    for (const reply of [await trail(), await http(server.url, 'GET', `/api/v1/streams/complaint-${complaintId}`)]) {
      expect(reply.status).toBe(200);
      for (const secret of [stranger, text]) expect(JSON.stringify(reply.body)).not.toContain(secret);
    }
  }, 60_000);
});
