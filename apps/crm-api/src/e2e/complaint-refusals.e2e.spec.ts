import { ServiceOptionsModule } from '@crm/service/application';
import { http, startTestApp, type TestApp } from '../testing/test-app';

interface StreamEvent {
  readonly type: string;
}

describe('complaint refusals, idempotency and concurrency through HTTP (real server, embedded SQLite)', () => {
  let server: TestApp;
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http(server.url, method, path, body, headers);
  const post = (path: string, body: unknown = {}, headers: Record<string, string> = {}) => call('POST', `/api/v1${path}`, body, headers);
  const streamOf = async (streamId: string) => {
    const reply = await call('GET', `/api/v1/streams/${streamId}`);
    return reply.status === 404 ? [] : (reply.body['events'] as StreamEvent[]);
  };
  const fieldsOf = (body: Record<string, unknown>) =>
    ((body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();
  const receive = async (more: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    post(
      '/complaints',
      { complainant: { name: 'مریم احمدی' }, channel: 'web', category: 'ارسال', description: 'بسته دیر رسید', ...more },
      headers,
    );

  beforeAll(async () => {
    server = await startTestApp(
      { CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' },
      // No SLA timer: a breach it recorded would change the streams these tests count.
      { contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 0 })] },
    );
  });
  afterAll(async () => server.close());

  it('refuses steps out of order with 409 and the rule code, appending nothing', async () => {
    const id = (await receive()).body['id'] as string;
    const refused = async (step: string, body: unknown, code: string) => {
      const reply = await post(`/complaints/${id}/${step}`, body);
      expect({ step, status: reply.status, code: reply.body['code'] }).toEqual({ step, status: 409, code });
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    };
    await refused('respond', { response: 'پاسخ زودهنگام' }, 'COMPLAINT.NOT_ACKNOWLEDGED');
    await refused('close', { outcome: 'resolved' }, 'COMPLAINT.DECISION_NOT_COMMUNICATED');
    await refused('satisfaction', { score: 5 }, 'COMPLAINT.NOT_CLOSED');
    await refused('reopen', { reason: 'هنوز باز است' }, 'COMPLAINT.NOT_CLOSED');
    expect((await post(`/complaints/${id}/escalate`, { toLevel: 'external_body', reason: 'داوری' })).status).toBe(200);
    await refused('escalate', { toLevel: 'head_office', reason: 'بازگشت' }, 'COMPLAINT.ESCALATION_NOT_UPWARD');
    expect((await streamOf(`complaint-${id}`)).map((e) => e.type)).toEqual(['ComplaintReceived', 'ComplaintEscalated']);
  });

  it('answers 400 naming every bad field, at the edge and from the domain, and appends nothing', async () => {
    const missing = await post('/complaints', { complainant: { contactId: '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d', name: 'دو شکل' } });
    expect(missing.status).toBe(400);
    expect(missing.body['code']).toBe('VALIDATION.FAILED');
    expect(fieldsOf(missing.body)).toEqual(['category', 'channel', 'complainant', 'description']);

    const unknownField = await receive({ channel: 'pigeon', relatedTo: { type: 'invoice', id: 'x' }, priority: 'high' });
    expect(fieldsOf(unknownField.body)).toEqual(['channel', 'priority', 'relatedTo.id', 'relatedTo.type']);
    expect(fieldsOf((await receive({ description: 'x'.repeat(10_001) })).body)).toEqual(['description']);
    const badPhone = await receive({ complainant: { name: 'رضا', phone: '۱۲۳' } });
    // Checked at the edge now, naming the field (it reached the kernel as a bare PHONE.INVALID before).
    expect(badPhone.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED', errors: [{ field: 'complainant.phone' }] });
    const blank = await receive({ description: '\u200c \u200c' });
    expect(blank.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED', errors: [{ field: 'description' }] });

    const id = (await receive()).body['id'] as string;
    const badSeverity = await post(`/complaints/${id}/assess`, { severity: 'catastrophic' });
    expect(badSeverity.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect(fieldsOf(badSeverity.body)).toEqual(['severity']);
    expect(fieldsOf((await post(`/complaints/${id}/escalate`, { toLevel: 'local', reason: 'پایین' })).body)).toEqual(['toLevel']);
    expect(fieldsOf((await post(`/complaints/${id}/assign`, { assignee: {} })).body)).toEqual(['assignee']);
    expect(fieldsOf((await post(`/complaints/${id}/satisfaction`, { score: 6 })).body)).toEqual(['score']);
    expect(fieldsOf((await post('/complaints/not-a-uuid/acknowledge')).body)).toEqual(['id']);
    expect((await streamOf(`complaint-${id}`)).map((e) => e.type)).toEqual(['ComplaintReceived']);
  });

  it('answers 404 for a complaint that was never received', async () => {
    const reply = await post('/complaints/0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d/acknowledge');
    expect(reply.body).toMatchObject({ status: 404, code: 'COMPLAINT.NOT_FOUND' });
  });

  it('returns the first reply for a repeated Idempotency-Key and appends nothing', async () => {
    const key = { 'idempotency-key': 'call-centre-ticket-9981' };
    const first = await receive({}, key);
    const again = await receive({}, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const id = first.body['id'] as string;
    const ack = await post(`/complaints/${id}/acknowledge`, {}, { 'idempotency-key': 'ack-9981' });
    const ackAgain = await post(`/complaints/${id}/acknowledge`, {}, { 'idempotency-key': 'ack-9981' });
    expect(ackAgain.body).toEqual(ack.body);
    expect((await streamOf(`complaint-${id}`)).map((e) => e.type)).toEqual(['ComplaintReceived', 'ComplaintAcknowledged']);
  });

  it('answers 412 for a stale If-Match and accepts the current revision', async () => {
    const id = (await receive()).body['id'] as string;
    // A step with nothing to say needs no body at all.
    const ack = await call('POST', `/api/v1/complaints/${id}/acknowledge`, undefined, { 'if-match': '"0"' });
    expect(ack.body).toMatchObject({ id, revision: 1 });
    const stale = await post(`/complaints/${id}/assess`, { severity: 'low' }, { 'if-match': '"0"' });
    expect(stale.body).toMatchObject({ status: 412, code: 'CONCURRENCY.REVISION_MISMATCH', actualRevision: 1 });
    expect((await post(`/complaints/${id}/assess`, { severity: 'low' }, { 'if-match': '"1"' })).body).toMatchObject({ revision: 2 });
    expect(await streamOf(`complaint-${id}`)).toHaveLength(3);
  });
});
