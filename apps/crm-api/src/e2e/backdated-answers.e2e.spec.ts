import { http, startTestApp, type TestApp } from '../testing/test-app';
import { salesClient } from './sales-e2e-support';

interface Period {
  readonly period: string;
  readonly csat: { readonly responses: number };
  readonly feedback: { readonly total: number };
}

/**
 * ISO 10004: a paper or phone survey, or feedback noted after a call, is entered after it was given. Before, every
 * answer was dated at the moment it was entered (respondedAt / submittedAt were refused as unknown fields), so it
 * landed in the wrong month of the satisfaction view and moved the customer's last activity (an outside probe).
 */
describe('answers and feedback dated when they were given (real server, embedded SQLite)', () => {
  let server: TestApp;
  const post = (path: string, body: unknown) => http(server.url, 'POST', `/api/v1${path}`, body);
  const get = (path: string) => http(server.url, 'GET', `/api/v1${path}`);
  const fieldsOf = (body: Record<string, unknown>) =>
    ((body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();
  const { head } = salesClient(() => server);
  const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'sqlite' });
  });
  afterAll(async () => server.close());

  it('counts a survey answer and feedback in the month they were given, keeping when they were entered in the envelope', async () => {
    const answer = await post('/surveys/responses', {
      surveyType: 'csat',
      respondent: { name: 'سارا رحیمی' },
      answers: { score: 5 },
      respondedAt: '2025-01-15T10:00:00+03:30',
    });
    expect(answer.status).toBe(201);
    const feedback = await post('/feedback', {
      from: { name: 'رضا کریمی' },
      kind: 'praise',
      text: 'پاسخ تلفنی سریع بود',
      channel: 'phone',
      submittedAt: '2025-02-10T10:00:00+03:30',
    });
    expect(feedback.status).toBe(201);
    const view = await get(`/views/satisfaction?from=2025-01-01&to=2025-03-31&minPosition=${String(feedback.body['position'])}`);
    expect(view.status).toBe(200);
    expect((view.body['periods'] as Period[]).map((p) => [p.period, p.csat.responses, p.feedback.total])).toEqual([
      ['2025-01', 1, 0],
      ['2025-02', 0, 1],
      ['2025-03', 0, 0],
    ]);
    const [recorded] = (await get(`/streams/survey-response-${String(answer.body['id'])}`)).body['events'] as {
      data: { respondedAt: string };
      metadata: { occurredAt: string };
    }[];
    expect(recorded?.data.respondedAt).toBe('2025-01-15T10:00:00+03:30');
    expect(Date.parse(recorded?.metadata.occurredAt ?? '')).toBeGreaterThan(Date.parse('2026-01-01'));
  });

  it('refuses a time after the moment it is recorded, named beside the body’s other bad fields, and appends nothing', async () => {
    const before = await head();
    const later = await post('/surveys/responses', {
      surveyType: 'nps',
      respondent: { name: 'سارا رحیمی' },
      answers: { score: 9 },
      respondedAt: tomorrow(),
    });
    expect(later.body).toMatchObject({ status: 400, code: 'SURVEY.TIME_IN_FUTURE' });
    expect(fieldsOf(later.body)).toEqual(['respondedAt']);
    const both = await post('/surveys/responses', {
      surveyType: 'nps',
      respondent: { name: 'سارا رحیمی' },
      answers: { score: 11 },
      respondedAt: tomorrow(),
    });
    expect(both.status).toBe(400);
    expect(fieldsOf(both.body)).toEqual(['answers.score', 'respondedAt']);
    const feedback = await post('/feedback', { from: { name: 'رضا' }, kind: 'idea', text: '  ', channel: 'web', submittedAt: tomorrow() });
    expect(feedback.status).toBe(400);
    expect(fieldsOf(feedback.body)).toEqual(['submittedAt', 'text']);
    expect(await head()).toBe(before);
  });

  it('dates a complaint handling score given by phone when it was given: after the closing, never after its recording', async () => {
    const received = await post('/complaints', {
      complainant: { name: 'نرگس امینی' },
      channel: 'phone',
      category: 'تاخیر',
      description: 'ارسال دیر شد',
    });
    expect(received.status).toBe(201);
    const complaintId = String(received.body['id']);
    const openedAt = new Date(Date.now() - 1000).toISOString();
    expect((await post(`/complaints/${complaintId}/close`, { outcome: 'withdrawn' })).status).toBe(200);
    const before = await head();
    const early = await post(`/complaints/${complaintId}/satisfaction`, { score: 4, respondedAt: openedAt });
    expect(early.body).toMatchObject({ status: 400, code: 'COMPLAINT.RATED_BEFORE_CLOSING' });
    expect(fieldsOf(early.body)).toEqual(['respondedAt']);
    const both = await post(`/complaints/${complaintId}/satisfaction`, { score: 9, respondedAt: tomorrow() });
    expect(both.status).toBe(400);
    expect(fieldsOf(both.body)).toEqual(['respondedAt', 'score']);
    expect(await head()).toBe(before);

    const givenAt = new Date().toISOString();
    const rated = await post(`/complaints/${complaintId}/satisfaction`, { score: 4, respondedAt: givenAt });
    expect(rated.status).toBe(200);
    const events = (await get(`/streams/complaint-${complaintId}`)).body['events'] as { type: string; data: { respondedAt?: string } }[];
    expect(events.at(-1)).toMatchObject({ type: 'ComplaintHandlingSatisfactionRecorded', data: { respondedAt: givenAt } });
  });
});
