import { http, issueKey, startTestApp, type IssuedKey, type TestApp } from '../testing/test-app';

/**
 * `answers` is an object on every survey form, whatever `surveyType` says: a bad type must not hide a bad answers
 * (the 400 names every bad field), and the per-type scales still apply once the type is known.
 */
describe('survey responses: every bad field named, whatever surveyType is (real server, embedded SQLite)', () => {
  let server: TestApp;
  let service: IssuedKey;
  const respondent = { name: 'سارا رحیمی' };
  const post = (body: unknown) => http(server.url, 'POST', '/api/v1/surveys/responses', body, service.headers);
  const fieldsOf = (body: Record<string, unknown>) =>
    ((body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    service = await issueKey(server, { name: 'survey-desk', roles: ['service'] });
  });
  afterAll(async () => server.close());

  it.each([
    ['an unknown type and a string', 'nope', 'x'],
    ['a number type and an array', 7, []],
    ['both null', null, null],
    ['an unknown type and no answers', 'nope', undefined],
    ['an unknown type and a number', 'sentiment', 9],
  ])('names surveyType and answers for %s', async (_what, surveyType, answers) => {
    const reply = await post({ surveyType, respondent, answers });
    expect(reply.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect(fieldsOf(reply.body)).toEqual(['answers', 'surveyType']);
  });

  it('names only surveyType when answers is an object (there is no scale to check it against)', async () => {
    expect(fieldsOf((await post({ surveyType: 'nope', respondent, answers: { score: 3 } })).body)).toEqual(['surveyType']);
  });

  it('still checks the scale of a known type, and names a non-object answers once', async () => {
    expect(fieldsOf((await post({ surveyType: 'nps', respondent, answers: { score: 11 } })).body)).toEqual(['answers.score']);
    expect(fieldsOf((await post({ surveyType: 'csat', respondent, answers: 'x' })).body)).toEqual(['answers']);
    expect(fieldsOf((await post({ surveyType: 'ces', respondent, answers: [] })).body)).toEqual(['answers']);
    expect((await post({ surveyType: 'nps', respondent, answers: { score: 10 } })).status).toBe(201);
  });
});
