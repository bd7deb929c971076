import { ManualClock } from '@crm/shared/kernel';
import { http, startTestApp, type TestApp } from '../testing/test-app';

interface Figures {
  readonly csat: { readonly responses: number; readonly satisfied: number };
  readonly nps: { readonly responses: number };
  readonly feedback: { readonly total: number };
}
type Period = Figures & { readonly period: string };

/** Tehran (+03:30) at 10:00 on these days; the business days of the view are Tehran's. */
const MARCH_3 = '2025-03-03T06:30:00.000Z';
const MARCH_4 = '2025-03-04T06:30:00.000Z';
/** 11:00 on 10 March in Tehran: the paper surveys of early March are typed in. */
const MARCH_10 = '2025-03-10T07:30:00.000Z';
const APRIL_2 = '2025-04-02T06:30:00.000Z';
const NOW = '2025-04-05T08:00:00.000Z';

/**
 * API.md: with `asOf` an aggregate view is exact to the end of that business day and says so (`asOfPrecision: "day"`).
 * The satisfaction view as of a day counts the answers recorded by then, whatever day they say they were given.
 */
describe('satisfaction as of a past business day (real server, embedded SQLite)', () => {
  const clock = new ManualClock(MARCH_3);
  let server: TestApp;
  let position = '0';
  const get = (path: string) => http(server.url, 'GET', `/api/v1${path}`);
  const fieldsOf = (body: Record<string, unknown>) => ((body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field);
  const rows = (body: Record<string, unknown>) =>
    (body['periods'] as Period[]).map((p) => [p.period, p.csat.responses, p.csat.satisfied, p.nps.responses, p.feedback.total]);
  const view = async (query: string) => {
    const reply = await get(`/views/satisfaction?minPosition=${position}${query === '' ? '' : `&${query}`}`);
    expect([query, reply.status]).toEqual([query, 200]);
    return reply.body;
  };

  async function record(at: string, path: string, body: Record<string, unknown>) {
    clock.set(at);
    const reply = await http(server.url, 'POST', `/api/v1${path}`, body);
    if (reply.status !== 201) throw new Error(`POST ${path} → ${reply.status} ${JSON.stringify(reply.body)}`);
    position = String(reply.body['position']);
  }
  const survey = (surveyType: string, score: number, respondedAt: string) => ({
    surveyType,
    respondent: { name: 'سارا رحیمی' },
    answers: { score },
    respondedAt,
  });

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'sqlite' }, { clock });
    await record(MARCH_3, '/surveys/responses', survey('csat', 2, MARCH_3));
    await record(MARCH_4, '/surveys/responses', survey('nps', 9, MARCH_4));
    // Typed in on 10 March: a survey given on 3 March and feedback given in February.
    await record(MARCH_10, '/surveys/responses', survey('csat', 5, '2025-03-03T10:00:00+03:30'));
    await record(MARCH_10, '/feedback', {
      from: { name: 'رضا کریمی' },
      kind: 'praise',
      text: 'پاسخ تلفنی سریع بود',
      channel: 'phone',
      submittedAt: '2025-02-20T10:00:00+03:30',
    });
    await record(APRIL_2, '/surveys/responses', survey('csat', 4, APRIL_2));
    clock.set(NOW);
  });
  afterAll(async () => server.close());

  it('answers as of a day with the figures recorded by its end, and says it is exact to the day', async () => {
    const fifth = await view('asOf=2025-03-05');
    // The end of 5 March in Tehran; the survey given on 3 March but typed in on the 10th is not there yet.
    expect(fifth).toMatchObject({ bucket: 'month', asOf: '2025-03-05T20:29:59.999Z', asOfPrecision: 'day' });
    expect(rows(fifth)).toEqual([['2025-03', 1, 0, 1, 0]]);
    expect(rows(await view('asOf=2025-03-09'))).toEqual([['2025-03', 1, 0, 1, 0]]);
    // As of the 10th, the late answers count in the months they were given: February appears, March gains a CSAT.
    const tenth = await view('asOf=2025-03-10');
    expect(rows(tenth)).toEqual([
      ['2025-02', 0, 0, 0, 1],
      ['2025-03', 2, 1, 1, 0],
    ]);
    // An instant early on the 10th (before they were typed in) names the same day: its figures are the day's end's.
    expect(await view(`asOf=${encodeURIComponent('2025-03-10T05:00:00+03:30')}`)).toEqual(tenth);
    // Before the first answer: nothing.
    const before = await view('asOf=2025-03-02');
    expect(rows(before)).toEqual([]);
    expect(before).toMatchObject({ asOfPrecision: 'day', overall: { csat: { responses: 0, percent: null } } });
    // Jalali months: 3–10 March are Esfand 1403, 20 February is Esfand too (from 19 February).
    const jalali = await view('asOf=2025-03-10&bucket=jalali');
    expect(rows(jalali)).toEqual([['1403-12', 2, 1, 1, 1]]);
    // Without asOf, neither field; every answer, April's too.
    const now = await view('');
    expect(now).not.toHaveProperty('asOf');
    expect(now).not.toHaveProperty('asOfPrecision');
    expect(rows(now)).toEqual([
      ['2025-02', 0, 0, 0, 1],
      ['2025-03', 2, 1, 1, 0],
      ['2025-04', 1, 1, 0, 0],
    ]);
  });

  it('reads an asOf after now as now: today’s figures so far', async () => {
    const now = await view('');
    for (const later of ['2199-12-31', '2025-04-05T23:00:00+03:30', '2025-04-06']) {
      const reply = await view(`asOf=${encodeURIComponent(later)}`);
      // Now is 11:30 on 5 April in Tehran: the figures of that day so far, as of now (the day is not over; an outside
      // probe read the day's end, 20:29:59.999 UTC, as a day closed).
      expect(reply).toEqual({ ...now, asOf: NOW, asOfPrecision: 'day' });
    }
  });

  it('with from/to, counts the answers given in the period among those recorded by the end of the day', async () => {
    // March as of the 9th: the survey given on 3 March is not typed in yet; as of the 10th it is.
    const march9 = await view('asOf=2025-03-09&from=2025-03-01&to=2025-03-31');
    expect(march9).toMatchObject({ asOf: '2025-03-09T20:29:59.999Z', asOfPrecision: 'day' });
    expect(rows(march9)).toEqual([['2025-03', 1, 0, 1, 0]]);
    expect(rows(await view('asOf=2025-03-10&from=2025-03-01&to=2025-03-31'))).toEqual([['2025-03', 2, 1, 1, 0]]);
    // Part-months: 3 March alone, as of the 9th and the 10th; and an instant inside a day (from 11:00 on 4 March).
    expect(rows(await view('asOf=2025-03-09&from=2025-03-03&to=2025-03-03'))).toEqual([['2025-03', 1, 0, 0, 0]]);
    expect(rows(await view('asOf=2025-03-10&from=2025-03-03&to=2025-03-03'))).toEqual([['2025-03', 2, 1, 0, 0]]);
    const lateMorning = encodeURIComponent('2025-03-04T11:00:00+03:30');
    expect(rows(await view(`asOf=2025-03-10&from=${lateMorning}&to=2025-03-31`))).toEqual([['2025-03', 0, 0, 0, 0]]);
    // Every period of the range is listed, February's feedback only from the 10th; without to, up to asOf's month.
    expect(rows(await view('asOf=2025-03-09&from=2025-01-01&to=2025-03-31'))).toEqual([
      ['2025-01', 0, 0, 0, 0],
      ['2025-02', 0, 0, 0, 0],
      ['2025-03', 1, 0, 1, 0],
    ]);
    expect(rows(await view('asOf=2025-03-10&from=2025-02-01'))).toEqual([
      ['2025-02', 0, 0, 0, 1],
      ['2025-03', 2, 1, 1, 0],
    ]);
    // To alone, in Jalali months (Esfand 1403 began on 19 February).
    expect(rows(await view('asOf=2025-03-10&to=2025-03-03&bucket=jalali'))).toEqual([['1403-12', 2, 1, 0, 1]]);
    // As of a later day than the period's end, the same as the view over the period today.
    const marchNow = await view('from=2025-03-01&to=2025-03-31');
    expect(await view('asOf=2025-04-05&from=2025-03-01&to=2025-03-31')).toEqual({
      ...marchNow,
      asOf: NOW,
      asOfPrecision: 'day',
    });
  });

  it('refuses a bad asOf, or a bad period beside it, naming each', async () => {
    // An upside-down period and a bad date, in one 400 with the rest.
    const upside = await get('/views/satisfaction?asOf=2025-03-10&from=2025-04-30&to=2025-04-29');
    expect([upside.status, upside.headers.get('content-type')]).toEqual([400, expect.stringContaining('application/problem+json')]);
    // The period is upside down (to) and starts after asOf (from): both said at once.
    expect(fieldsOf(upside.body)).toEqual(['to', 'from']);
    const worse = await get('/views/satisfaction?asOf=2025-02-30&from=2025-02-30');
    expect(fieldsOf(worse.body).sort()).toEqual(['asOf', 'from']);
    // More periods than one report lists: from alone runs to asOf's month, and the reply says so.
    const long = await get('/views/satisfaction?asOf=2025-03-10&from=1990-01-01');
    expect([long.status, fieldsOf(long.body)]).toEqual([400, ['from']]);
    expect(JSON.stringify(long.body['errors'])).toContain('before asOf');
    for (const bad of ['2025-02-30', 'yesterday', '1403-12-10', '2025-03-10T10:00']) {
      const reply = await get(`/views/satisfaction?asOf=${encodeURIComponent(bad)}`);
      expect([bad, reply.status, fieldsOf(reply.body)]).toEqual([bad, 400, ['asOf']]);
    }
  });
});
