import { ManualClock } from '@crm/shared/kernel';
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

describe('satisfaction per period over a range: every period listed (real server, embedded SQLite, ManualClock)', () => {
  const clock = new ManualClock('2021-03-10T08:00:00.000Z');
  let server: TestApp;
  let position = '';
  const get = (path: string) => http(server.url, 'GET', `/api/v1${path}${path.includes('?') ? '&' : '?'}minPosition=${position}`);
  const fieldsOf = (body: Record<string, unknown>) =>
    ((body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();
  type Period = { period: string; csat: { responses: number } };
  const periods = (body: Record<string, unknown>) => (body['periods'] as Period[]).map((p) => [p.period, p.csat.responses]);
  /** What a period without answers reads: zero counts, null means (the schema's "null for a period without answers"). */
  const EMPTY = {
    csat: { responses: 0, satisfied: 0, percent: null },
    nps: { responses: 0, promoters: 0, passives: 0, detractors: 0, score: null },
    ces: { responses: 0, mean: null },
    servqual: { responses: 0, dimensions: null },
    complaintHandling: { responses: 0, mean: null },
    feedback: { opinion: 0, idea: 0, praise: 0, total: 0 },
  };

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' }, { clock });
    // 19 Esfand 1399, 16 Farvardin 1400 and 19 Tir 1400: three answers, with four months between the second and third.
    for (const at of ['2021-03-10T08:00:00.000Z', '2021-04-05T08:00:00.000Z', '2021-07-10T08:00:00.000Z']) {
      clock.set(at);
      const reply = await http(server.url, 'POST', '/api/v1/surveys/responses', {
        surveyType: 'csat',
        respondent: { name: 'سارا رحیمی' },
        answers: { score: 5 },
      });
      expect(reply.status).toBe(201);
      position = reply.body['position'] as string;
    }
    clock.set('2021-08-15T08:00:00.000Z');
  });
  afterAll(async () => server.close());

  it('lists every month of the bucket between from and to, a month without answers with zero counts and null figures (before, only 1399-12, 1400-01, 1400-04)', async () => {
    const jalali = await get('/views/satisfaction?bucket=jalali&from=2021-03-01&to=2021-08-01');
    expect(jalali.status).toBe(200);
    expect(periods(jalali.body)).toEqual([
      ['1399-12', 1],
      ['1400-01', 1],
      ['1400-02', 0],
      ['1400-03', 0],
      ['1400-04', 1],
      ['1400-05', 0],
    ]);
    expect((jalali.body['periods'] as Period[])[2]).toEqual({ period: '1400-02', ...EMPTY });
    expect(jalali.body['overall']).toMatchObject({ csat: { responses: 3, satisfied: 3, percent: 100 } });

    const months = await get('/views/satisfaction?from=2021-03-01&to=2021-08-01');
    expect(periods(months.body)).toEqual([
      ['2021-03', 1],
      ['2021-04', 1],
      ['2021-05', 0],
      ['2021-06', 0],
      ['2021-07', 1],
      ['2021-08', 0],
    ]);
    // A period without a single answer still lists its months.
    const quiet = await get('/views/satisfaction?from=2021-05-01&to=2021-06-30');
    expect(quiet.body).toEqual({
      bucket: 'month',
      periods: [
        { period: '2021-05', ...EMPTY },
        { period: '2021-06', ...EMPTY },
      ],
      overall: EMPTY,
    });
    // From the instant to the month it falls in, in the business time zone: 31 May 21:00 UTC is 1 June in Tehran.
    const instants = await get(`/views/satisfaction?from=${encodeURIComponent('2021-05-31T21:00:00Z')}&to=2021-07-31`);
    expect(periods(instants.body)).toEqual([
      ['2021-06', 0],
      ['2021-07', 1],
    ]);
  });

  it('without to, lists the months up to now; without from, only the months with answers, as before', async () => {
    expect(periods((await get('/views/satisfaction?from=2021-06-01')).body)).toEqual([
      ['2021-06', 0],
      ['2021-07', 1],
      ['2021-08', 0],
    ]);
    expect(periods((await get('/views/satisfaction?to=2021-08-01')).body)).toEqual([
      ['2021-03', 1],
      ['2021-04', 1],
      ['2021-07', 1],
    ]);
    expect(periods((await get('/views/satisfaction')).body)).toEqual([
      ['2021-03', 1],
      ['2021-04', 1],
      ['2021-07', 1],
    ]);
  });

  it('refuses a range of more than 120 periods with a 400 naming the field, beside the other bad ones (before, 3,600 months could be asked)', async () => {
    const ten = await get('/views/satisfaction?from=2011-09-01&to=2021-08-31');
    expect(ten.status).toBe(200);
    expect((ten.body['periods'] as Period[]).length).toBe(120);
    for (const [query, named] of [
      ['from=1900-01-01&to=2199-12-31', ['to']],
      ['bucket=jalali&from=1900-01-01&to=2199-12-31', ['to']],
      ['from=2011-08-31&to=2021-08-31', ['to']],
      ['from=1900-01-01&to=2199-12-31&foo=1', ['foo', 'to']],
      ['from=2000-01-01', ['from']],
    ] as const) {
      const reply = await get(`/views/satisfaction?${query}`);
      expect({ query, status: reply.status, code: reply.body['code'], fields: fieldsOf(reply.body) }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION.FAILED',
        fields: named,
      });
    }
  });
});
