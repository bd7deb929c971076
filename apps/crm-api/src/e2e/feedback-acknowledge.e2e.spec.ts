import { http, startTestApp, type TestApp } from '../testing/test-app';

interface StreamEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * ISO 10004: feedback is acknowledged to the person who gave it. The domain had the command and its event, but no
 * route took it (an outside probe): feedback could never be acknowledged or replied to over HTTP.
 */
describe('acknowledging feedback over HTTP (real server, embedded SQLite)', () => {
  let server: TestApp;
  const post = (path: string, body: unknown) => http(server.url, 'POST', `/api/v1${path}`, body);
  const streamOf = async (id: string) =>
    ((await http(server.url, 'GET', `/api/v1/streams/feedback-${id}`)).body['events'] as StreamEvent[]).map((e) => e.type);
  const fieldsOf = (body: Record<string, unknown>) =>
    ((body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();
  const submit = async () => {
    const reply = await post('/feedback', {
      from: { name: 'سارا رحیمی', phone: '09121234567' },
      kind: 'idea',
      text: 'ساعت کاری را بیشتر کنید',
      channel: 'web',
    });
    expect(reply.status).toBe(201);
    return String(reply.body['id']);
  };

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'sqlite' });
  });
  afterAll(async () => server.close());

  it('records the acknowledgement with its reply once, and refuses a second one, bad fields and unknown feedback', async () => {
    const id = await submit();
    const bad = await post(`/feedback/${id}/acknowledge`, { reply: '   ', channel: 'pigeon' });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['channel', 'reply']);
    expect(await streamOf(id)).toEqual(['FeedbackSubmitted']);

    const acknowledged = await post(`/feedback/${id}/acknowledge`, { reply: 'از پیشنهاد شما سپاسگزاریم', channel: 'sms' });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({ id, revision: 1 });
    const events = (await http(server.url, 'GET', `/api/v1/streams/feedback-${id}`)).body['events'] as StreamEvent[];
    expect(events[1]).toMatchObject({
      type: 'FeedbackAcknowledged',
      data: { feedbackId: id, kind: 'idea', from: 'submitted', to: 'acknowledged', reply: 'از پیشنهاد شما سپاسگزاریم', channel: 'sms' },
    });

    const again = await post(`/feedback/${id}/acknowledge`, {});
    expect(again).toMatchObject({ status: 409, body: { code: 'FEEDBACK.ALREADY_ACKNOWLEDGED' } });
    const unknown = await post('/feedback/0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d/acknowledge', {});
    expect(unknown).toMatchObject({ status: 404, body: { code: 'FEEDBACK.NOT_FOUND' } });
    expect(await streamOf(id)).toEqual(['FeedbackSubmitted', 'FeedbackAcknowledged']);
  });

  it('acknowledges erased feedback without a reply, and refuses a reply to the erased person', async () => {
    const id = await submit();
    const erased = await post('/data-subjects/erase', { subject: { type: 'feedback', id }, reason: 'درخواست حذف' });
    expect(erased.status).toBe(200);
    const withReply = await post(`/feedback/${id}/acknowledge`, { reply: 'سپاسگزاریم' });
    expect(withReply).toMatchObject({ status: 409, body: { code: 'PERSONAL_DATA.ERASED' } });
    expect(await streamOf(id)).toEqual(['FeedbackSubmitted']);
    const bare = await post(`/feedback/${id}/acknowledge`, { channel: 'phone' });
    expect(bare.status).toBe(200);
    expect(await streamOf(id)).toEqual(['FeedbackSubmitted', 'FeedbackAcknowledged']);
  });
});
