import { http, startTestApp, type TestApp } from '../testing/test-app';

interface StreamEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

describe('feedback and survey responses through HTTP (real server, embedded SQLite)', () => {
  let server: TestApp;
  const call = (method: string, path: string, body?: unknown) => http(server.url, method, path, body);
  const post = (path: string, body: unknown) => call('POST', `/api/v1${path}`, body);
  const streamOf = async (streamId: string) => (await call('GET', `/api/v1/streams/${streamId}`)).body['events'] as StreamEvent[];
  const fieldsOf = (body: Record<string, unknown>) =>
    ((body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  it('records feedback and survey responses, refusing answers off their scale with the field named', async () => {
    const respondent = { name: 'سارا رحیمی', email: 'Sara@Example.IR' };
    const feedback = await post('/feedback', { from: respondent, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' });
    expect(feedback.status).toBe(201);
    const [submitted] = await streamOf(`feedback-${feedback.body['id'] as string}`);
    expect(submitted).toMatchObject({ type: 'FeedbackSubmitted', data: { from: { name: 'سارا رحیمی', email: 'sara@example.ir' } } });

    const survey = (surveyType: string, answers: unknown) => post('/surveys/responses', { surveyType, respondent, answers });
    const nps = await survey('nps', { score: 11 });
    expect(nps.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect(fieldsOf(nps.body)).toEqual(['answers.score']);
    expect(fieldsOf((await survey('csat', { score: 0 })).body)).toEqual(['answers.score']);
    expect(fieldsOf((await survey('ces', { score: 3.5 })).body)).toEqual(['answers.score']);
    expect(fieldsOf((await survey('unknown', { score: 3 })).body)).toEqual(['surveyType']);

    const five = { tangibles: 6, reliability: 7, responsiveness: 5, assurance: 6, empathy: 7 };
    const { empathy: _missing, ...four } = five;
    const gap = await survey('servqual', { expectations: five, perceptions: { ...four, courtesy: 3 } });
    expect(gap.status).toBe(400);
    expect(fieldsOf(gap.body)).toEqual(['answers.perceptions.courtesy', 'answers.perceptions.empathy']);

    const recorded = await survey('servqual', { expectations: five, perceptions: { ...five, empathy: 4 } });
    expect(recorded.status).toBe(201);
    const [response] = await streamOf(`survey-response-${recorded.body['id'] as string}`);
    expect(response).toMatchObject({
      type: 'SurveyResponseRecorded',
      data: { surveyType: 'servqual', answers: { perceptions: { empathy: 4 } } },
    });
    expect((await survey('nps', { score: 10 })).status).toBe(201);
  });

  it('publishes every service route in the OpenAPI document', async () => {
    const paths = Object.keys((await call('GET', '/api/docs-json')).body['paths'] as object);
    const steps = [
      'acknowledge',
      'assess',
      'assign',
      'investigation-notes',
      'respond',
      'communicate-decision',
      'escalate',
      'close',
      'reopen',
      'satisfaction',
    ];
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/complaints',
        ...steps.map((step) => `/api/v1/complaints/{id}/${step}`),
        '/api/v1/feedback',
        '/api/v1/surveys/responses',
      ]),
    );
  });
});
