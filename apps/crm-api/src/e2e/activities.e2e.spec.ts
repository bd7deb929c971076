import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { http, issueKey, startTestApp, type TestApp } from '../testing/test-app';
import { appointment, openCustomer, phoneCall, weeklyFollowUp, type Customer } from './activities-e2e-support';
import { salesClient } from './sales-e2e-support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const types = (events: readonly RecordedEvent[]) => events.map((event) => event.type);

describe('activities and interactions over HTTP (real server, embedded SQLite)', () => {
  let server: TestApp;
  let customer: Customer;
  const { post, events, head, fields } = salesClient(() => server);

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    customer = await openCustomer(() => server);
  });
  afterAll(async () => server.close());

  it('works a weekly follow-up call through its occurrences: reschedule one, complete one, cancel the rest', async () => {
    const scheduled = await post('/activities', weeklyFollowUp(customer.opportunityId));
    expect(scheduled.status).toBe(201);
    expect(scheduled.body).toMatchObject({ id: expect.stringMatching(UUID), revision: 0, position: expect.any(String), occurrences: 4 });
    const activity = `/activities/${scheduled.body['id'] as string}`;

    const moved = await post(`${activity}/reschedule`, { occurrence: 1, dueAt: '2025-03-11T11:00:00+03:30', reason: 'مشتری در سفر است' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ revision: 1, occurrence: 1 });

    const done = await post(`${activity}/complete`, { occurrence: 0, outcome: 'مشتری پیش‌فاکتور را تأیید کرد' });
    expect(done.body).toMatchObject({ revision: 2, occurrence: 0 });

    const cancelled = await post(`${activity}/cancel`, { reason: 'قرارداد امضا شد؛ پیگیری لازم نیست' });
    expect(cancelled.body).toMatchObject({ revision: 3, cancelled: [1, 2, 3] });

    const closed = await post(`${activity}/reassign`, { assignee: { teamId: 'team-sales' } });
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ code: 'ACTIVITY.CLOSED' });

    const stream = await events(`activity-${scheduled.body['id'] as string}`);
    expect(types(stream)).toEqual(['ActivityScheduled', 'ActivityRescheduled', 'ActivityCompleted', 'ActivityCancelled']);
    expect(stream.map((event) => event.revision)).toEqual([0, 1, 2, 3]);
    const [first, second, third, fourth] = stream;
    expect(first?.data).toMatchObject({
      activityType: 'phone_call',
      subject: 'تماس پیگیری پیش‌فاکتور',
      regarding: { type: 'opportunity', id: customer.opportunityId },
      dueAt: '2025-03-03T06:30:00.000Z',
      occurrences: ['2025-03-03T06:30:00.000Z', '2025-03-10T06:30:00.000Z', '2025-03-17T06:30:00.000Z', '2025-03-24T06:30:00.000Z'],
    });
    expect(second?.data).toMatchObject({ occurrence: 1, fromDueAt: '2025-03-10T06:30:00.000Z', dueAt: '2025-03-11T07:30:00.000Z' });
    expect(third?.data).toMatchObject({ occurrence: 0, outcome: 'مشتری پیش‌فاکتور را تأیید کرد', activityType: 'phone_call' });
    expect(fourth?.data).toMatchObject({ occurrences: [1, 2, 3], reason: 'قرارداد امضا شد؛ پیگیری لازم نیست' });
  });

  it('reassigns a one-off appointment to a team, once', async () => {
    const scheduled = await post('/activities', appointment(customer.accountId));
    expect(scheduled.body).toMatchObject({ revision: 0, occurrences: 1 });
    const id = scheduled.body['id'] as string;

    const reassigned = await post(`/activities/${id}/reassign`, { assignee: { teamId: 'team-sales-tehran' } });
    expect(reassigned.status).toBe(200);
    expect(reassigned.body).toMatchObject({ id, revision: 1 });
    // The same team again changes nothing and records nothing.
    expect((await post(`/activities/${id}/reassign`, { assignee: { teamId: 'team-sales-tehran' } })).body).toMatchObject({ revision: 1 });

    const stream = await events(`activity-${id}`);
    expect(types(stream)).toEqual(['ActivityScheduled', 'ActivityReassigned']);
    expect(stream[1]?.data).toMatchObject({ from: { userId: 'user-7' }, to: { teamId: 'team-sales-tehran' } });
  });

  it('logs an interaction regarding the contact, linked to the activity it carried out', async () => {
    const call = await post('/activities', { ...appointment(customer.accountId), type: 'phone_call' });
    const activityId = call.body['id'] as string;
    const logged = await post('/interactions', { ...phoneCall(customer.contactId), activityId });
    expect(logged.status).toBe(201);
    expect(logged.body).toMatchObject({ id: expect.stringMatching(UUID), revision: 0 });
    const [event] = await events(`interaction-${logged.body['id'] as string}`);
    expect(event).toMatchObject({
      type: 'InteractionLogged',
      data: {
        channel: 'phone',
        direction: 'inbound',
        regarding: { type: 'contact', id: customer.contactId },
        summary: 'مشتری درباره زمان تحویل پرسید',
        occurredAt: '2025-03-03T10:30:00+03:30',
        durationSeconds: 240,
        activityId,
      },
    });
  });

  it('refuses business rules with 409 codes and an unknown activity with 404, appending nothing', async () => {
    const id = (await post('/activities', weeklyFollowUp(customer.opportunityId))).body['id'] as string;
    await post(`/activities/${id}/complete`, { occurrence: 0, outcome: 'انجام شد' });
    const before = await head();

    const twice = await post(`/activities/${id}/complete`, { occurrence: 0, outcome: 'دوباره' });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'ACTIVITY.OCCURRENCE_CLOSED', details: { occurrence: 0, status: 'completed' } });
    const moveDone = await post(`/activities/${id}/reschedule`, { occurrence: 0, dueAt: '2025-03-04T10:00:00+03:30' });
    expect(moveDone.body).toMatchObject({ status: 409, code: 'ACTIVITY.OCCURRENCE_CLOSED' });
    const beyond = await post(`/activities/${id}/cancel`, { occurrence: 4 });
    expect(beyond.body).toMatchObject({ status: 409, code: 'ACTIVITY.UNKNOWN_OCCURRENCE', details: { occurrences: 4 } });
    const unknown = await post(`/activities/${randomUUID()}/complete`, { outcome: 'انجام شد' });
    expect(unknown.status).toBe(404);
    // Done, not planned (an outside probe completed one in 2199): a 400 naming the field, beside any other bad one.
    const ahead = await post(`/activities/${id}/complete`, { occurrence: 1, outcome: 'انجام شد', completedAt: '2199-01-01T00:00:00Z' });
    expect(ahead.body).toMatchObject({ status: 400, code: 'ACTIVITY.COMPLETED_IN_FUTURE', errors: [{ field: 'completedAt' }] });
    const both = await post(`/activities/${id}/complete`, { occurrence: 1, outcome: ' ', completedAt: '2199-01-01T00:00:00Z' });
    expect((both.body['errors'] as { field: string }[]).map((e) => e.field).sort()).toEqual(['completedAt', 'outcome']);
    // A series may not run past the years every date is kept in (a yearly series every 365 years reached 2392).
    const long = await post('/activities', {
      ...weeklyFollowUp(customer.opportunityId),
      recurrence: { frequency: 'yearly', interval: 365, count: 2 },
    });
    expect(long.body).toMatchObject({ status: 400, code: 'ACTIVITY.INVALID_RECURRENCE' });
    expect(await head()).toBe(before);
  });

  it('answers 400 naming every bad field, nested ones included, and rules on the input the domain checks', async () => {
    const before = await head();
    const bad = await post('/activities', {
      type: 'fax',
      subject: 'x'.repeat(201),
      regarding: { type: 'ticket', id: 'nope' },
      assignee: { userId: 'user-7', teamId: 'team-sales' },
      dueAt: '1404/12/13 10:00',
      durationMinutes: 0,
      recurrence: { frequency: 'hourly', interval: 0, count: 600, until: '2025-04-01T00:00:00Z' },
      colour: 'blue',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(fields(bad)).toEqual([
      'assignee',
      'colour',
      'dueAt',
      'durationMinutes',
      'recurrence',
      'recurrence.count',
      'recurrence.frequency',
      'recurrence.interval',
      'regarding.id',
      'regarding.type',
      'subject',
      'type',
    ]);
    expect(fields(await post('/activities', {}))).toEqual(['assignee', 'dueAt', 'regarding', 'subject', 'type']);
    const reschedule = await post(`/activities/${randomUUID()}/reschedule`, { occurrence: -1, dueAt: 'tomorrow', reason: 'x'.repeat(501) });
    expect(fields(reschedule)).toEqual(['dueAt', 'occurrence', 'reason']);

    const blank = await post('/activities', { ...weeklyFollowUp(customer.opportunityId), subject: '\u200c\u200c' });
    // Blank once the ZWNJs are removed: refused at the edge, naming the field.
    expect(blank.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect(fields(blank)).toEqual(['subject']);
    const endless = await post('/activities', {
      ...weeklyFollowUp(customer.opportunityId),
      recurrence: { frequency: 'daily', interval: 1, until: '2027-01-01T00:00:00+03:30' },
    });
    expect(endless.body).toMatchObject({ status: 400, code: 'ACTIVITY.RECURRENCE_TOO_LONG' });
    expect(fields(endless)).toEqual(['recurrence.until']);

    const future = await post('/interactions', {
      ...phoneCall(customer.contactId),
      occurredAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.body).toMatchObject({ status: 400, code: 'INTERACTION.IN_FUTURE' });
    expect(fields(future)).toEqual(['occurredAt']);
    expect(await head()).toBe(before);
  });

  it('refuses a regarding record or activity that does not exist: 404 with that record’s code, naming the field', async () => {
    const missing = randomUUID();
    const activityId = randomUUID();
    const activity = await post('/activities', { ...weeklyFollowUp(missing), id: activityId });
    expect(activity.body).toMatchObject({ status: 404, code: 'OPPORTUNITY.NOT_FOUND', detail: expect.stringContaining(missing) });
    expect(fields(activity)).toEqual(['regarding.id']);
    expect(await events(`activity-${activityId}`)).toEqual([]);

    const interaction = await post('/interactions', { ...phoneCall(customer.contactId), regarding: { type: 'lead', id: missing } });
    expect(interaction.body).toMatchObject({ status: 404, code: 'LEAD.NOT_FOUND' });
    const unlinked = await post('/interactions', { ...phoneCall(customer.contactId), activityId: missing });
    expect(unlinked.body).toMatchObject({ status: 404, code: 'ACTIVITY.NOT_FOUND' });
    expect(fields(unlinked)).toEqual(['activityId']);
  });

  it('answers a retried command with its first reply and appends nothing; a stale If-Match is 412', async () => {
    const key = { 'Idempotency-Key': `schedule-${randomUUID()}` };
    const first = await post('/activities', weeklyFollowUp(customer.opportunityId), key);
    const retry = await post('/activities', weeklyFollowUp(customer.opportunityId), key);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const id = first.body['id'] as string;

    const completeKey = { 'Idempotency-Key': `complete-${randomUUID()}` };
    const done = await post(`/activities/${id}/complete`, { outcome: 'انجام شد' }, completeKey);
    expect(await post(`/activities/${id}/complete`, { outcome: 'انجام شد' }, completeKey)).toMatchObject({ status: 200, body: done.body });
    expect(types(await events(`activity-${id}`))).toEqual(['ActivityScheduled', 'ActivityCompleted']);

    const stale = await post(`/activities/${id}/reschedule`, { dueAt: '2025-03-12T10:00:00+03:30' }, { 'If-Match': '"0"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'CONCURRENCY.REVISION_MISMATCH' });
    const current = await post(`/activities/${id}/reschedule`, { dueAt: '2025-03-12T10:00:00+03:30' }, { 'If-Match': '"1"' });
    expect(current.body).toMatchObject({ revision: 2, occurrence: 1 });
  });

  it('lets marketing schedule a call, email, SMS or letter to a contact only with their consent for it (409 ACTIVITY.NO_CONSENT)', async () => {
    const marketing = (await issueKey(server, { name: 'marketing', roles: ['marketing'] })).headers;
    const sales = (await issueKey(server, { name: 'sales', roles: ['sales'] })).headers;
    const both = (await issueKey(server, { name: 'sales and marketing', roles: ['marketing', 'sales'] })).headers;
    const contactId = (await post('/contacts', { fullName: 'سارا محمدی', phone: '09121112233', email: 'sara@example.ir' })).body[
      'id'
    ] as string;
    const leadId = (await post('/leads', { fullName: 'نیما رضایی', phone: '09351112233', source: 'web' })).body['id'] as string;
    const message = (type: string, regarding: { type: string; id: string }) => ({
      type,
      subject: 'معرفی محصول جدید',
      regarding,
      assignee: { teamId: 'team-marketing' },
      dueAt: '2025-04-01T10:00:00+03:30',
    });
    const contact = { type: 'contact', id: contactId };

    const before = await head();
    for (const [type, channel] of [
      ['sms', 'sms'],
      ['email', 'email'],
      ['phone_call', 'phone'],
      ['letter', 'letter'],
    ]) {
      const refused = await post('/activities', message(type as string, contact), marketing);
      expect(refused.body).toMatchObject({ status: 409, code: 'ACTIVITY.NO_CONSENT', details: { regarding: contact, channel } });
    }
    const toLead = await post('/activities', message('sms', { type: 'lead', id: leadId }), marketing);
    expect(toLead.body).toMatchObject({ status: 409, code: 'ACTIVITY.NO_CONSENT' });
    expect(await head()).toBe(before);
    // About the contact's complaint, or a complaint by someone not on file: the complainant is the person addressed.
    const complaint = async (complainant: Record<string, string>) =>
      (await post('/complaints', { complainant, channel: 'web', category: 'ارسال', description: 'دیر رسید' })).body['id'] as string;
    const theirs = { type: 'complaint', id: await complaint({ contactId }) };
    const stranger = { type: 'complaint', id: await complaint({ name: 'ناشناس', phone: '09125556677' }) };
    const afterComplaints = await head();
    for (const regarding of [theirs, stranger]) {
      expect((await post('/activities', message('sms', regarding), marketing)).body).toMatchObject({
        status: 409,
        code: 'ACTIVITY.NO_CONSENT',
      });
    }
    expect(await head()).toBe(afterComplaints);

    // What sends nothing, and the customer's own business, need no marketing consent.
    expect((await post('/activities', message('appointment', contact), marketing)).status).toBe(201);
    expect((await post('/activities', message('task', { type: 'lead', id: leadId }), marketing)).status).toBe(201);
    expect((await post('/activities', message('sms', contact), sales)).status).toBe(201);
    expect((await post('/activities', message('sms', contact), both)).status).toBe(201);

    await post(`/contacts/${contactId}/consent`, { channel: 'sms', granted: true });
    expect((await post('/activities', message('sms', theirs), marketing)).status).toBe(201);
    expect((await post('/activities', message('sms', stranger), marketing)).body).toMatchObject({ code: 'ACTIVITY.NO_CONSENT' });
    const keyed = { ...marketing, 'Idempotency-Key': `sms-${randomUUID()}` };
    const sent = await post('/activities', message('sms', contact), keyed);
    expect(sent.status).toBe(201);
    expect((await post('/activities', message('email', contact), marketing)).body).toMatchObject({ code: 'ACTIVITY.NO_CONSENT' });
    await post(`/contacts/${contactId}/consent`, { channel: 'sms', granted: false });
    expect((await post('/activities', message('sms', contact), marketing)).body).toMatchObject({ code: 'ACTIVITY.NO_CONSENT' });
    // A retry of the one scheduled while the consent stood (its reply lost) gets its first reply, not a refusal.
    expect(await post('/activities', message('sms', contact), keyed)).toMatchObject({ status: 201, body: sent.body });

    // Erased, the person's consent no longer stands (as a campaign's audience no longer counts them).
    await post(`/contacts/${contactId}/consent`, { channel: 'email', granted: true });
    expect((await post('/activities', message('email', contact), marketing)).status).toBe(201);
    expect((await post('/data-subjects/erase', { subject: contact, reason: 'درخواست حذف' })).status).toBe(200);
    expect((await post('/activities', message('email', contact), marketing)).body).toMatchObject({ code: 'ACTIVITY.NO_CONSENT' });
  });

  it("flags marketing's outbound interaction on a channel without the person's consent (logged, since it happened)", async () => {
    const marketing = (await issueKey(server, { name: 'marketing log', roles: ['marketing'] })).headers;
    const sales = (await issueKey(server, { name: 'sales log', roles: ['sales'] })).headers;
    const contactId = (await post('/contacts', { fullName: 'الهام کریمی', phone: '09121114455', email: 'elham@example.ir' })).body[
      'id'
    ] as string;
    const leadId = (await post('/leads', { fullName: 'آرش نیک', phone: '09351114455', source: 'web' })).body['id'] as string;
    const contact = { type: 'contact', id: contactId };
    const log = (regarding: { type: string; id: string }, channel: string, direction: string, headers: Record<string, string>) =>
      post(
        '/interactions',
        { regarding, channel, direction, summary: 'پیامک معرفی محصول', occurredAt: '2025-04-01T10:00:00+03:30' },
        headers,
      );
    const flagOf = async (reply: { status: number; body: Record<string, unknown> }) => {
      expect(reply.status).toBe(201);
      const [logged] = await events(`interaction-${reply.body['id'] as string}`);
      return [reply.body['withoutConsent'] ?? false, (logged?.data as { withoutConsent?: boolean }).withoutConsent ?? false];
    };
    // Marketing, outbound, without consent: flagged in the reply and in the event, for each channel that needs one.
    for (const channel of ['sms', 'email', 'phone', 'letter'])
      expect(await flagOf(await log(contact, channel, 'outbound', marketing))).toEqual([true, true]);
    expect(await flagOf(await log({ type: 'lead', id: leadId }, 'sms', 'outbound', marketing))).toEqual([true, true]);
    // Not flagged: the person wrote to us, a channel that needs no consent, or the customer's own business (sales).
    expect(await flagOf(await log(contact, 'sms', 'inbound', marketing))).toEqual([false, false]);
    expect(await flagOf(await log(contact, 'in_person', 'outbound', marketing))).toEqual([false, false]);
    expect(await flagOf(await log(contact, 'sms', 'outbound', sales))).toEqual([false, false]);
    // With the consent given, not flagged; a retry of a flagged one gets its first reply, flag included.
    const keyed = { ...marketing, 'Idempotency-Key': randomUUID() };
    const first = await log(contact, 'email', 'outbound', keyed);
    await post(`/contacts/${contactId}/consent`, { channel: 'email', granted: true });
    expect(await flagOf(await log(contact, 'email', 'outbound', marketing))).toEqual([false, false]);
    expect(await log(contact, 'email', 'outbound', keyed)).toMatchObject({ status: 201, body: { ...first.body, withoutConsent: true } });
  });

  it('publishes the routes under the activities and interactions tags', async () => {
    const doc = await http<{ paths: Record<string, Record<string, { tags?: string[] }>> }>(server.url, 'GET', '/api/docs-json');
    expect(doc.body.paths['/api/v1/activities']?.['post']?.tags).toEqual(['activities']);
    expect(doc.body.paths['/api/v1/activities/{id}/cancel']?.['post']?.tags).toEqual(['activities']);
    expect(doc.body.paths['/api/v1/interactions']?.['post']?.tags).toEqual(['interactions']);
  });
});
