import { http, issueKey, startTestApp, type HttpReply, type IssuedKey, type TestApp } from '../testing/test-app';

interface StreamEvent {
  readonly type: string;
  readonly revision: number;
  readonly data: Record<string, unknown>;
}

interface Step {
  readonly revision: number;
  readonly type: string;
  readonly details: Record<string, unknown>;
}

const NAME = 'مریم احمدی‌نژاد';
const PHONE = '۰۹۱۲۱۱۱۲۲۹۹';
const DESCRIPTION = 'یخچال خریداری‌شده از روز اول صدا می‌دهد و خنک نمی‌کند';
/** Texts staff would write after the erasure: each names the person, so none may be recorded. */
const RESPONSE = `${NAME} عزیز، یخچال تعویض می‌شود`;
const DECISION = `تعویض یخچال ${NAME} ظرف سه روز کاری`;
const REASON = `پرونده‌ی ${NAME} به تأیید دفتر مرکزی نیاز دارد`;

/**
 * Once the complainant is erased (crypto-shredding: the complaint's data key is destroyed), an open complaint still has
 * to be answered, decided and closed (ISO 10002), or its resolve deadline is certain to be breached and the KPIs skew.
 * Before this fix, the only way out was closing it as withdrawn: the response, decision and escalation reason were
 * required texts, and a text is personal, sealed under the destroyed key, so every try was 409 PERSONAL_DATA.ERASED.
 * Now those texts may be left out, and only then, when the complaint's personal data is erased: the steps are recorded
 * without them; a text given is still refused and appends nothing; a complaint not erased still needs its texts.
 */
describe('a complaint whose complainant is erased is handled to its close without personal text (real server, embedded SQLite)', () => {
  let server: TestApp;
  let agent: IssuedKey;
  let auditor: IssuedKey;
  const post = (path: string, body: unknown, headers: Record<string, string> = agent.headers) =>
    http(server.url, 'POST', `/api/v1${path}`, body, headers);
  const get = <T = Record<string, unknown>>(path: string, headers: Record<string, string> = auditor.headers) =>
    http<T>(server.url, 'GET', `/api/v1${path}`, undefined, headers);
  const events = async (id: string) => (await get<{ events: StreamEvent[] }>(`/streams/complaint-${id}`)).body.events;
  const head = async (id: string) => (await events(id)).at(-1)?.revision ?? -1;
  const fields = (reply: HttpReply) => ((reply.body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();

  async function receive(complainant: Record<string, unknown>): Promise<string> {
    const reply = await post('/complaints', { complainant, channel: 'phone', category: 'کیفیت کالا', description: DESCRIPTION });
    expect(reply.status).toBe(201);
    return reply.body['id'] as string;
  }

  async function contact(fullName: string, phone: string): Promise<string> {
    const reply = await http(server.url, 'POST', '/api/v1/contacts', { fullName, phone });
    expect(reply.status).toBe(201);
    return reply.body['id'] as string;
  }

  /** A step that must be refused as it was before the erasure: a 409 naming the erased record, the stream unchanged. */
  async function refusedAsErased(id: string, step: string, body: Record<string, unknown>): Promise<void> {
    const before = await head(id);
    const reply = await post(`/complaints/${id}/${step}`, body);
    expect({ step, status: reply.status, code: reply.body['code'] }).toEqual({ step, status: 409, code: 'PERSONAL_DATA.ERASED' });
    expect(await head(id)).toBe(before);
  }

  beforeAll(async () => {
    server = await startTestApp();
    agent = await issueKey(server, { name: 'call-centre', roles: ['service'] });
    auditor = await issueKey(server, { name: 'audit', roles: ['auditor'] });
  });
  afterAll(async () => server?.close());

  it('acknowledges, assesses, responds, escalates, communicates the decision and closes resolved without text; a text is still refused', async () => {
    const contactId = await contact(NAME, PHONE);
    const id = await receive({ contactId });
    const erased = await post('/data-subjects/erase', { subject: { type: 'contact', id: contactId }, reason: 'درخواست حذف (ماده ۱۷)' }, {});
    expect(erased).toMatchObject({ status: 200 });

    // A text given after the erasure would be sealed under the destroyed key: still refused, nothing appended.
    await refusedAsErased(id, 'acknowledge', { message: `${NAME} عزیز، شکایت شما ثبت شد` });
    const steps: [string, Record<string, unknown>][] = [
      ['acknowledge', {}],
      ['assess', { severity: 'high', urgency: 'urgent' }],
      ['assign', { assignee: { teamId: 'team-after-sales' } }],
    ];
    for (const [step, body] of steps) {
      const reply = await post(`/complaints/${id}/${step}`, body);
      expect({ step, status: reply.status }).toEqual({ step, status: 200 });
    }
    await refusedAsErased(id, 'respond', { response: RESPONSE });
    // Every personal field of the step is refused, not only the one that may be left out.
    await refusedAsErased(id, 'respond', { remedy: 'تعویض کالا' });
    const responded = await post(`/complaints/${id}/respond`, {});
    expect(responded).toMatchObject({ status: 200, body: { id, revision: 4 } });

    await refusedAsErased(id, 'escalate', { toLevel: 'head_office', reason: REASON });
    expect(await post(`/complaints/${id}/escalate`, { toLevel: 'head_office' })).toMatchObject({ status: 200, body: { revision: 5 } });

    await refusedAsErased(id, 'communicate-decision', { decision: DECISION, channel: 'phone' });
    const communicated = await post(`/complaints/${id}/communicate-decision`, { channel: 'phone' });
    expect(communicated).toMatchObject({ status: 200, body: { revision: 6 } });

    await refusedAsErased(id, 'close', { outcome: 'resolved', note: `${NAME} راضی بود` });
    const closed = await post(`/complaints/${id}/close`, { outcome: 'resolved' });
    expect(closed).toMatchObject({ status: 200, body: { revision: 7 } });

    const recorded = await events(id);
    expect(recorded.map((e) => [e.revision, e.type, e.data['to'] ?? e.data['status']])).toEqual([
      [0, 'ComplaintReceived', 'received'],
      [1, 'ComplaintAcknowledged', 'acknowledged'],
      [2, 'ComplaintAssessed', 'acknowledged'],
      [3, 'ComplaintAssigned', 'acknowledged'],
      [4, 'ComplaintResponded', 'responded'],
      [5, 'ComplaintEscalated', 'responded'],
      [6, 'ComplaintDecisionCommunicated', 'decision_communicated'],
      [7, 'ComplaintClosed', 'closed'],
    ]);
    // The steps after the erasure carry no personal field at all (nothing sealed under the destroyed key)…
    const after = recorded.slice(1);
    for (const field of ['message', 'rationale', 'response', 'remedy', 'actions', 'reason', 'decision', 'note']) {
      expect(after.filter((e) => field in e.data).map((e) => e.type)).toEqual([]);
    }
    expect(recorded[5]?.data).toMatchObject({ fromLevel: 'local', escalationLevel: 'head_office' });
    expect(recorded[6]?.data).toMatchObject({ channel: 'phone' });
    expect(recorded[7]?.data).toMatchObject({ outcome: 'resolved', from: 'decision_communicated' });
    // …and the receipt's reads as erased.
    const text = JSON.stringify(recorded);
    for (const secret of [NAME, DESCRIPTION, RESPONSE, DECISION, REASON]) expect(text).not.toContain(secret);

    // The audit trail records every step (the projection folds the steps without their texts), with no personal text.
    const trail = await get<{ steps: Step[]; integrity: { ok: boolean } }>(
      `/views/complaints/${id}/audit-trail?minPosition=${closed.body['position'] as string}`,
    );
    expect(trail.status).toBe(200);
    expect(trail.body.steps.map((s) => s.type)).toEqual(recorded.map((e) => e.type));
    expect(trail.body.integrity).toMatchObject({ ok: true });
    for (const secret of [NAME, DESCRIPTION, RESPONSE, DECISION, REASON]) expect(JSON.stringify(trail.body)).not.toContain(secret);
    // The read side stays ready: no projection failed on the steps without text.
    expect((await http(server.url, 'GET', '/health/ready', undefined, {}, { anonymous: true })).status).toBe(200);

    // Closed: reopened, answered and decided again without text, closed unresolved, rated.
    for (const [step, body] of [
      ['reopen', {}],
      ['respond', {}],
      ['communicate-decision', { channel: 'letter' }],
      ['close', { outcome: 'unresolved' }],
      ['satisfaction', { score: 2 }],
    ] as const) {
      const reply = await post(`/complaints/${id}/${step}`, body);
      expect({ step, status: reply.status }).toEqual({ step, status: 200 });
    }
    expect(
      (await events(id)).slice(8).map((e) => [e.type, Object.keys(e.data).filter((k) => ['reason', 'response', 'decision'].includes(k))]),
    ).toEqual([
      ['ComplaintReopened', []],
      ['ComplaintResponded', []],
      ['ComplaintDecisionCommunicated', []],
      ['ComplaintClosed', []],
      ['ComplaintHandlingSatisfactionRecorded', []],
    ]);
  });

  it('lets a complaint erased on its own (a complainant not on file) be answered without text too', async () => {
    const id = await receive({ name: 'بهرام فرخ‌زاد', phone: '09351234567' });
    expect(await post(`/complaints/${id}/acknowledge`, { message: 'شکایت شما ثبت شد' })).toMatchObject({ status: 200 });
    expect(await post(`/complaints/${id}/assess`, { severity: 'low' })).toMatchObject({ status: 200 });
    const erased = await post('/data-subjects/erase', { subject: { type: 'complaint', id }, reason: 'درخواست حذف' }, {});
    expect(erased).toMatchObject({ status: 200 });
    await refusedAsErased(id, 'respond', { response: 'پاسخ' });
    for (const [step, body] of [
      ['respond', {}],
      ['communicate-decision', { channel: 'sms' }],
      ['close', { outcome: 'resolved' }],
    ] as const) {
      const reply = await post(`/complaints/${id}/${step}`, body);
      expect({ step, status: reply.status }).toEqual({ step, status: 200 });
    }
    expect((await events(id)).map((e) => e.type).slice(-3)).toEqual([
      'ComplaintResponded',
      'ComplaintDecisionCommunicated',
      'ComplaintClosed',
    ]);
  });

  it('still needs the texts of a complaint whose complainant is not erased: 400 naming the field, nothing appended', async () => {
    const contactId = await contact('کاوه رستمی', '09127778899');
    const id = await receive({ contactId });
    expect(await post(`/complaints/${id}/acknowledge`, {})).toMatchObject({ status: 200 });
    expect(await post(`/complaints/${id}/assess`, { severity: 'medium' })).toMatchObject({ status: 200 });
    const before = await head(id);

    const missing: [string, Record<string, unknown>, string][] = [
      ['respond', {}, 'response'],
      ['respond', { remedy: 'تعویض کالا' }, 'response'],
      ['escalate', { toLevel: 'head_office' }, 'reason'],
      ['communicate-decision', { channel: 'sms' }, 'decision'],
      ['reopen', {}, 'reason'],
    ];
    for (const [step, body, field] of missing) {
      const reply = await post(`/complaints/${id}/${step}`, body);
      expect({ step, status: reply.status, fields: fields(reply) }).toEqual({ step, status: 400, fields: [field] });
      expect(['COMPLAINT.TEXT_REQUIRED', 'VALIDATION.FAILED']).toContain(reply.body['code']);
    }
    // Blank is refused as before, as are the other fields of the body.
    const blank = await post(`/complaints/${id}/respond`, { response: ' \u200c ' });
    expect(blank).toMatchObject({ status: 400, body: { code: 'VALIDATION.FAILED' } });
    expect(fields(blank)).toEqual(['response']);
    expect(fields(await post(`/complaints/${id}/communicate-decision`, { decision: 'تصمیم' }))).toEqual(['channel']);
    // A text left out is named beside the body's other bad fields, in one 400 (before: the others, then the text).
    const both: [string, Record<string, unknown>, string[]][] = [
      ['communicate-decision', {}, ['channel', 'decision']],
      ['escalate', { toLevel: 'moon' }, ['reason', 'toLevel']],
      ['respond', { actions: [''] }, ['actions.0', 'response']],
    ];
    for (const [step, body, named] of both) {
      const reply = await post(`/complaints/${id}/${step}`, body);
      expect({ step, code: reply.body['code'], fields: fields(reply).sort() }).toEqual({ step, code: 'VALIDATION.FAILED', fields: named });
    }
    // Alone, the text keeps its own code.
    expect((await post(`/complaints/${id}/communicate-decision`, { channel: 'sms' })).body).toMatchObject({
      code: 'COMPLAINT.TEXT_REQUIRED',
    });
    // No such complaint: its 404, as with the text given (an outside probe had 400 TEXT_REQUIRED).
    const ghost = await post('/complaints/0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d/respond', {});
    expect(ghost).toMatchObject({ status: 404, body: { code: 'COMPLAINT.NOT_FOUND' } });
    expect(await head(id)).toBe(before);

    // Closing without a decision communicated is refused as before; with the texts, the handling goes its usual way.
    expect(await post(`/complaints/${id}/close`, { outcome: 'resolved' })).toMatchObject({
      status: 409,
      body: { code: 'COMPLAINT.DECISION_NOT_COMMUNICATED' },
    });
    expect(await post(`/complaints/${id}/respond`, { response: 'کالا تعویض می‌شود' })).toMatchObject({ status: 200 });
    expect(await post(`/complaints/${id}/communicate-decision`, { decision: 'تعویض کالا', channel: 'sms' })).toMatchObject({ status: 200 });
    expect(await post(`/complaints/${id}/close`, { outcome: 'resolved' })).toMatchObject({ status: 200 });
    const recorded = await events(id);
    expect(recorded.slice(-3).map((e) => [e.type, e.data['response'] ?? e.data['decision'] ?? e.data['outcome']])).toEqual([
      ['ComplaintResponded', 'کالا تعویض می‌شود'],
      ['ComplaintDecisionCommunicated', 'تعویض کالا'],
      ['ComplaintClosed', 'resolved'],
    ]);
  });
});
