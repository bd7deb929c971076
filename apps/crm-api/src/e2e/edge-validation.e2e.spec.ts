import { http, startTestApp, type TestApp } from '../testing/test-app';
import { rawHttp } from '../testing/raw-http';
import { daysFromNow, salesClient } from './sales-e2e-support';

const PERSIAN_BLANK = '\u200c \u200f';
const problemJson = /^application\/problem\+json/;

describe('the validation layer at the edge (real server, embedded SQLite)', () => {
  let server: TestApp;
  const { post, events, head, fields } = salesClient(() => server);
  const lead = async (phone: string) => (await post('/leads', { fullName: 'نرگس کاظمی', source: 'web', phone })).body['id'] as string;

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  it('refuses text blank once Persian spacing marks are removed with a 400 naming the field, not a 409', async () => {
    const before = await head();
    const capture = await post('/leads', { fullName: PERSIAN_BLANK, source: 'web', phone: '09120000001' });
    expect(capture.status).toBe(400);
    expect(fields(capture)).toEqual(['fullName']);
    expect(await head()).toBe(before);
  });

  it('refuses optional text given blank, on a capture and on an update, naming every such field (before: 201/200, the field dropped)', async () => {
    const before = await head();
    const capture = await post('/leads', {
      fullName: 'رضا کریمی',
      source: 'web',
      phone: '09120000011',
      company: ' ',
      interest: PERSIAN_BLANK,
    });
    expect(capture.status).toBe(400);
    expect(fields(capture)).toEqual(['company', 'interest']);
    expect(await head()).toBe(before);

    const leadId = await lead('09120000012');
    const at = await head();
    const update = await post(`/leads/${leadId}/update`, { fullName: ' \u200c ', email: '', phone: '  ' });
    expect(update.status).toBe(400);
    expect(fields(update)).toEqual(['email', 'fullName', 'phone']);
    expect(await head()).toBe(at);
  });

  it("names the domain's rules over several fields beside the field checks' refusals, in one 400 (before, one more each attempt)", async () => {
    const before = await head();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const endsBeforeStart = {
      name: 'نوروز',
      channel: 'sms',
      budget: { amount: 1, currency: 'IRR' },
      startDate: '2027-02-01',
      endDate: '2027-01-01',
    };
    const campaign = await post('/campaigns', { ...endsBeforeStart, goal: 'bad' });
    expect(campaign.status).toBe(400);
    expect(fields(campaign)).toEqual(['endDate', 'goal']);
    // Alone, the rule keeps its own code, from the domain.
    const alone = await post('/campaigns', { ...endsBeforeStart, goal: 'awareness' });
    expect(alone.body).toMatchObject({ status: 400, code: 'CAMPAIGN.END_BEFORE_START' });
    const account = (await post('/accounts', { name: 'شرکت آلفا' })).body['id'] as string;
    const afterAccount = await head();
    const purchase = await post(`/accounts/${account}/purchases`, {
      amount: { amount: 1, currency: 'IRR' },
      occurredAt: future,
      externalRef: '',
    });
    expect(purchase.status).toBe(400);
    expect(fields(purchase)).toEqual(['externalRef', 'occurredAt']);
    const survey = await post('/surveys/responses', {});
    expect(survey.status).toBe(400);
    expect(fields(survey)).toEqual(['answers', 'respondent', 'surveyType']);
    const complaint = await post('/complaints', { complainant: { name: ' ' }, channel: 'phone', category: ' ', description: 'شرح' });
    expect(complaint.status).toBe(400);
    expect(fields(complaint)).toEqual(['category', 'complainant.name']);
    expect(before).not.toBe(afterAccount);
    expect(await head()).toBe(afterAccount);
  });

  it('takes an offset without a colon wherever a time is taken, as the document publishes, and keeps it spelled ±hh:mm (before: 400 on survey answers and activities, kept as typed on campaigns)', async () => {
    const answered = await post('/surveys/responses', {
      surveyType: 'csat',
      respondent: { name: 'مریم احمدی' },
      answers: { score: 5 },
      respondedAt: '2026-03-15T10:00:00+0330',
    });
    expect(answered.status).toBe(201);
    const [answer] = await events(`survey-response-${answered.body['id'] as string}`);
    expect(answer?.data).toMatchObject({ respondedAt: '2026-03-15T10:00:00+03:30' });
    const utc = await post('/surveys/responses', {
      surveyType: 'csat',
      respondent: { name: 'مریم احمدی' },
      answers: { score: 4 },
      respondedAt: '2026-03-15T06:30:00z',
    });
    const [inUtc] = await events(`survey-response-${utc.body['id'] as string}`);
    expect(inUtc?.data).toMatchObject({ respondedAt: '2026-03-15T06:30:00Z' });
    // What the document's pattern refuses stays refused, spelled one way or another (a lower-case t).
    const before = await head();
    const lower = await post('/surveys/responses', {
      surveyType: 'csat',
      respondent: { name: 'مریم احمدی' },
      answers: { score: 4 },
      respondedAt: '2026-03-15t06:30:00Z',
    });
    expect(lower.status).toBe(400);
    expect(fields(lower)).toEqual(['respondedAt']);
    expect(await head()).toBe(before);

    const contact = await post('/contacts', { fullName: 'سارا رضایی', phone: '09120000091' });
    const activity = await post('/activities', {
      type: 'task',
      subject: 'پیگیری',
      regarding: { type: 'contact', id: contact.body['id'] },
      assignee: { userId: 'user-7' },
      dueAt: '2027-03-15T10:00:00+0330',
    });
    expect(activity.status).toBe(201);

    const campaign = await post('/campaigns', {
      name: 'نوروز',
      goal: 'lead_generation',
      channel: 'sms',
      budget: { amount: 1, currency: 'IRR' },
      startDate: '2027-03-10T10:00:00+0330',
      endDate: '2027-04-10',
    });
    expect(campaign.status).toBe(201);
    const [planned] = await events(`campaign-${campaign.body['id'] as string}`);
    expect(planned?.data).toMatchObject({ startDate: '2027-03-10T10:00:00+03:30', endDate: '2027-04-10' });
  });

  it("reads a view's asOf by the same rule as a body's time: ±hhmm taken, a year leaving 1900–2199 in UTC refused (before: the other way round)", async () => {
    const colonless = await http(server.url, 'GET', '/api/v1/views/churn?asOf=2026-03-01T10:00:00%2B0330');
    expect(colonless.status).toBe(200);
    const withColon = await http(server.url, 'GET', '/api/v1/views/churn?asOf=2026-03-01T10:00:00%2B03:30');
    expect(colonless.body).toEqual(withColon.body);
    const early = await http(server.url, 'GET', '/api/v1/views/churn?asOf=1900-01-01T00:00:00%2B03:30&inactivityDays=0');
    expect(early.status).toBe(400);
    expect(fields(early)).toEqual(['asOf', 'inactivityDays']);
  });

  it('refuses a time whose year leaves 1900–2199 once its offset is applied, naming it beside the other bad fields', async () => {
    const before = await head();
    const contact = await post('/contacts', { fullName: 'علی محمدی', phone: '09120000092' });
    const at = await head();
    const activity = await post('/activities', {
      type: 'fax',
      subject: 'پیگیری',
      regarding: { type: 'contact', id: contact.body['id'] },
      assignee: { userId: 'user-7' },
      dueAt: '2199-12-31T23:00:00-23:59',
    });
    expect(activity.status).toBe(400);
    expect(fields(activity)).toEqual(['dueAt', 'type']);
    const feedback = await post('/feedback', {
      from: { name: 'علی محمدی' },
      kind: 'praise',
      text: 'خوب بود',
      channel: 'phone',
      submittedAt: '1900-01-01T00:00:00+03:30',
    });
    expect(feedback.status).toBe(400);
    expect(fields(feedback)).toEqual(['submittedAt']);
    expect(await head()).toBe(at);
    expect(before).not.toBe(at);
  });

  it('refuses a body of JSON null and a null commandId, appending nothing (before, the command ran as if given {})', async () => {
    const leadId = await lead('09120000013');
    const before = await head();
    const nullBody = await post(`/leads/${leadId}/disqualify`, 'null');
    expect(nullBody.status).toBe(400);
    expect(fields(nullBody)).toEqual(['body']);
    const nullId = await post('/leads', { fullName: 'رضا کریمی', source: 'web', phone: '09120000014', commandId: null });
    expect(nullId.status).toBe(400);
    expect(fields(nullId)).toEqual(['commandId']);
    expect(await head()).toBe(before);
  });

  it('refuses a qualification whose opportunity name is Persian-blank before anything is appended; the lead stays open', async () => {
    const leadId = await lead('09120000002');
    const before = await head();
    const body = { opportunity: { name: PERSIAN_BLANK, estimatedValue: { amount: 5_000_000 }, expectedCloseDate: daysFromNow(30) } };
    const refused = await post(`/leads/${leadId}/qualify`, body);
    expect(refused.status).toBe(400);
    expect(fields(refused)).toEqual(['opportunity.name']);
    expect(await head()).toBe(before);
    expect((await events(`lead-${leadId}`)).map((e) => e.type)).toEqual(['LeadCaptured']);
    const retried = await post(`/leads/${leadId}/qualify`, { opportunity: { ...body.opportunity, name: 'ورق فولادی' } });
    expect(retried.status).toBe(200);
  });

  it('refuses NUL, other control characters and lone surrogates wherever they are, naming each field', async () => {
    const before = await head();
    const reply = await post(
      '/leads',
      '{"fullName":"a\\u0000b","source":"web","phone":"09120000003","company":"\\ud800","interest":"\\u001b[2J"}',
    );
    expect(reply.status).toBe(400);
    expect(fields(reply)).toEqual(['company', 'fullName', 'interest']);
    expect(await head()).toBe(before);
  });

  it('refuses a nested object given as an array, a scalar or [] as one bad field, "must be an object" (feedback with relatedTo: [] was a 500)', async () => {
    const before = await head();
    const feedback = { from: { name: 'سارا' }, kind: 'idea', text: 'خوب بود', channel: 'phone' };
    const complaint = { channel: 'phone', category: 'billing', description: 'صورتحساب اشتباه' };
    const cases = [
      ['/feedback', { ...feedback, relatedTo: [] }, 'relatedTo'],
      ['/feedback', { ...feedback, relatedTo: 'lead' }, 'relatedTo'],
      ['/feedback', { ...feedback, from: ['a', 'b', 'c'] }, 'from'],
      ['/complaints', { ...complaint, complainant: [] }, 'complainant'],
      ['/complaints', { ...complaint, complainant: 7 }, 'complainant'],
      ['/surveys/responses', { surveyType: 'csat', respondent: { name: 'سارا' }, channel: 'phone', answers: [] }, 'answers'],
    ] as const;
    for (const [path, body, field] of cases) {
      const reply = await post(path, body);
      expect({ path, status: reply.status, errors: reply.body['errors'] }).toEqual({
        path,
        status: 400,
        errors: [{ field, messages: [`${field} must be an object`] }],
      });
    }
    expect(await head()).toBe(before);
  });

  it('refuses control characters in query parameters too, naming each with the other bad ones (PostgreSQL answered NUL with a 500)', async () => {
    const reply = await http(server.url, 'GET', '/api/v1/views/pipeline?ownerId=%00&from=2025-02-30');
    expect({ status: reply.status, code: reply.body['code'], fields: fields(reply) }).toEqual({
      status: 400,
      code: 'VALIDATION.FAILED',
      fields: ['from', 'ownerId'],
    });
    const escape = await http(server.url, 'GET', '/api/v1/views/pipeline/opportunities?ownerId=a%1B%5B2J');
    expect({ status: escape.status, fields: fields(escape) }).toEqual({ status: 400, fields: ['ownerId'] });
    // A blank owner, as the commands refuse one (before: 200, nothing listed).
    for (const path of ['/views/pipeline?ownerId=%20', '/views/pipeline/opportunities?ownerId=%E2%80%8C', '/views/pipeline?ownerId=']) {
      const blank = await http(server.url, 'GET', `/api/v1${path}`);
      expect({ path, status: blank.status, fields: fields(blank) }).toEqual({ path, status: 400, fields: ['ownerId'] });
    }
  });

  it('refuses a parameter or field named as a member every object has (constructor, toString, …) as unknown, appending nothing (before: dropped silently, an outside probe)', async () => {
    for (const name of ['constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty']) {
      const view = await http(server.url, 'GET', `/api/v1/activities?${name}=1&status=open`);
      expect({ name, status: view.status, fields: fields(view) }).toEqual({ name, status: 400, fields: [name] });
      const list = await http(server.url, 'GET', `/api/v1/views/pipeline/opportunities?${name}=1&foo=2`);
      expect({ name, status: list.status, fields: fields(list) }).toEqual({ name, status: 400, fields: [name, 'foo'].sort() });
    }
    const before = await head();
    const capture = await post('/leads', { fullName: 'نرگس کاظمی', source: 'web', phone: '09120000001', ['constructor']: { name: 'x' } });
    expect({ status: capture.status, fields: fields(capture) }).toEqual({ status: 400, fields: ['constructor'] });
    expect(await head()).toBe(before);
  });

  it('names a range given upside down beside the query’s other bad parameters, on every view (before, the other ones alone)', async () => {
    const cases: [string, string[]][] = [
      ['/views/complaints/kpis?from=2025-03-05&to=2025-03-01&asOf=tomorrow', ['asOf', 'to']],
      ['/views/satisfaction?bucket=week&from=2025-03-05&to=2025-03-01', ['bucket', 'to']],
      ['/views/churn?from=2025-05-01&to=2025-03-01&inactivityDays=0', ['inactivityDays', 'to']],
      ['/views/pipeline?from=2025-03-05&to=2025-03-01&foo=1', ['foo', 'to']],
      ['/views/funnel?from=2025-03-05&to=2025-03-01&by=colour', ['by', 'to']],
      [
        '/views/pipeline/opportunities?amountMin=9&amountMax=1&expectedCloseFrom=2025-03-05&expectedCloseTo=2025-03-01&limit=0',
        ['amountMax', 'expectedCloseTo', 'limit'],
      ],
    ];
    for (const [path, named] of cases) {
      const reply = await http(server.url, 'GET', `/api/v1${path}`);
      expect({ path, status: reply.status, code: reply.body['code'], fields: fields(reply) }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION.FAILED',
        fields: named,
      });
    }
    // The range alone is refused as before: satisfaction, complaint KPIs and the pipeline with VALIDATION.FAILED, churn with
    // its own documented code; a range given the right way round with another bad parameter names that one alone.
    for (const view of ['complaints/kpis', 'satisfaction', 'pipeline']) {
      const alone = await http(server.url, 'GET', `/api/v1/views/${view}?from=2025-03-05&to=2025-03-01`);
      expect({ view, code: alone.body['code'], fields: fields(alone) }).toEqual({ view, code: 'VALIDATION.FAILED', fields: ['to'] });
    }
    const churn = await http(server.url, 'GET', '/api/v1/views/churn?from=2025-05-01&to=2025-03-01');
    expect({ code: churn.body['code'], fields: fields(churn) }).toEqual({ code: 'CHURN.RANGE_INVALID', fields: ['to'] });
    const ordered = await http(server.url, 'GET', '/api/v1/views/churn?from=2025-03-01&to=2025-05-01&inactivityDays=0');
    expect(fields(ordered)).toEqual(['inactivityDays']);
    // A bad end is named for itself, not also as before the other.
    const badEnd = await http(server.url, 'GET', '/api/v1/views/satisfaction?from=2025-03-05&to=2025-02-30&bucket=week');
    expect(fields(badEnd)).toEqual(['bucket', 'to']);
    expect((badEnd.body['errors'] as { field: string; messages: string[] }[]).find((e) => e.field === 'to')?.messages).not.toContain(
      'to must not be before from',
    );
  });

  it('answers a method a path does not take with 405 and Allow, and a path it does not serve with 404', async () => {
    const put = await http(server.url, 'PUT', '/api/v1/views/churn', {});
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
    expect(put.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(put.body).toMatchObject({ status: 405, code: 'REQUEST.METHOD_NOT_ALLOWED' });
    const get = await http(server.url, 'GET', '/api/v1/leads');
    expect({ status: get.status, allow: get.headers.get('allow') }).toEqual({ status: 405, allow: 'POST' });
    expect((await http(server.url, 'DELETE', '/api/v1/leads/0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d/qualify')).headers.get('allow')).toBe(
      'POST',
    );
    // Not served in any way: 404, trailing slash included.
    expect((await http(server.url, 'GET', '/api/v1/nothing-here')).body).toMatchObject({ status: 404, code: 'RESOURCE.NOT_FOUND' });
    expect((await http(server.url, 'GET', '/api/v1/views/churn/')).status).toBe(404);
  });

  it('refuses bytes that are not UTF-8 instead of storing replacement characters', async () => {
    const before = await head();
    const bytes = Buffer.concat([
      Buffer.from('{"fullName":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('","source":"web","phone":"09120000004"}'),
    ]);
    const reply = await post('/leads', bytes);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 'REQUEST.INVALID_ENCODING', errors: [{ field: 'body' }] });
    expect(await head()).toBe(before);
  });

  it('refuses a duplicate key (no silent last-wins) and JSON nested thousands of levels deep with 400, never 500', async () => {
    const before = await head();
    const duplicate = await post('/leads', '{"fullName":"a","source":"web","phone":"09120000005","phone":"09120000006"}');
    expect(duplicate.status).toBe(400);
    expect(fields(duplicate)).toEqual(['phone']);
    const deep = await post('/leads', `{"fullName":"a","source":"web","phone":"09120000007","x":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(deep.status).toBe(400);
    expect(deep.headers.get('content-type')).toMatch(problemJson);
    expect(await head()).toBe(before);
  });

  it('refuses a currency that is three letters but not ISO 4217', async () => {
    const before = await head();
    const reply = await post('/accounts', { name: 'فولاد مبارکه' }).then(async (account) =>
      post(`/accounts/${account.body['id'] as string}/purchases`, {
        amount: { amount: 1000, currency: 'ABC' },
        occurredAt: '2025-03-01T10:00:00+03:30',
        externalRef: 'INV-ABC',
      }),
    );
    expect(reply.status).toBe(400);
    expect(fields(reply)).toEqual(['amount.currency']);
    expect(await head()).not.toBe(before); // the account was opened; the purchase was not
  });

  it('answers 400 for an offset or revision at or beyond 2^53, and for a number that is not digits', async () => {
    for (const query of ['offset=9007199254740992', 'offset=1e3', 'limit=', 'amountMin=-1']) {
      const reply = await http(server.url, 'GET', `/api/v1/views/pipeline/opportunities?${query}`);
      expect([query, reply.status]).toEqual([query, 400]);
      expect(fields(reply)).toEqual([query.slice(0, query.indexOf('='))]);
    }
    const stream = await http(server.url, 'GET', '/api/v1/streams/lead-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d?fromRevision=9007199254740993');
    expect(fields(stream)).toEqual(['fromRevision']);
  });

  it("names every bad part of a request in one 400: the path's id, the headers, the query and the body (before, the first part checked)", async () => {
    const before = await head();
    const complete = await post(
      '/activities/not-a-uuid/complete',
      { outcome: '', occurrence: -1 },
      { 'X-Correlation-Id': 'no-uuid', 'If-Match': 'W/"0"' },
    );
    expect(complete.status).toBe(400);
    expect(complete.body).toMatchObject({ code: 'VALIDATION.FAILED' });
    expect(fields(complete)).toEqual(['header.If-Match', 'header.X-Correlation-Id', 'id', 'occurrence', 'outcome']);
    // Each field once, with its own messages.
    const errors = complete.body['errors'] as { field: string; messages: string[] }[];
    expect(errors.find((error) => error.field === 'id')?.messages).toEqual(['id must be a UUID']);
    expect(await head()).toBe(before);

    const card = await http(server.url, 'GET', '/api/v1/views/customers/not-a-uuid/loyalty?windowDays=0x10&asOf=1403-12-30');
    expect(card.status).toBe(400);
    expect(fields(card)).toEqual(['accountId', 'asOf', 'windowDays']);
    // A cursor that is not one by its shape is named with the query's other bad parameters (before, limit alone).
    const page = await http(server.url, 'GET', '/api/v1/views/pipeline/opportunities?limit=201&cursor=zzz');
    expect(fields(page)).toEqual(['cursor', 'limit']);

    // A command reads no query string: a parameter there is named, not dropped (an outside probe had 200), with the rest.
    const queried = await post('/activities/not-a-uuid/complete?dryRun=true&x=1', { outcome: '' });
    expect(fields(queried)).toEqual(['dryRun', 'id', 'outcome', 'x']);
    // Nor does a read that takes only its path: the right of access answered `?zzUnknown=1` with 200 (an outside
    // contract fuzz). The probes take any query string, as a load balancer may add one.
    const access = await http(server.url, 'GET', '/api/v1/data-subjects/person/not-a-uuid?zzUnknown=1&a=1&a=2');
    expect(access.status).toBe(400);
    expect(fields(access)).toEqual(['a', 'id', 'type', 'zzUnknown']);
    for (const probe of ['/health/live', '/health/ready', '/health', '/metrics']) {
      expect([probe, (await http(server.url, 'GET', `${probe}?zzUnknown=1`)).status]).toEqual([probe, 200]);
    }
    // A good path and headers with a bad body: the body's fields alone, as before.
    const bodyOnly = await post('/activities/0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d/complete', { outcome: '' });
    expect(fields(bodyOnly)).toEqual(['outcome']);
  });

  describe('errors of the HTTP layer itself are problem+json too', () => {
    it('431 for headers too large', async () => {
      const reply = await rawHttp(server.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(reply.status).toBe(431);
      expect(reply.headers['content-type']).toMatch(problemJson);
      expect(JSON.parse(reply.body)).toMatchObject({ status: 431, code: 'REQUEST.HEADERS_TOO_LARGE' });
    });

    it('414 for a URL too long, whether the server reads it whole or it overflows the parser', async () => {
      const hooked = await http(server.url, 'GET', `/api/v1/streams/lead-${'a'.repeat(9000)}`);
      expect(hooked.status).toBe(414);
      expect(hooked.headers.get('content-type')).toMatch(problemJson);
      expect(hooked.body).toMatchObject({ code: 'REQUEST.URL_TOO_LONG' });
      const overflow = await rawHttp(server.url, `GET /api/v1/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(overflow.status).toBe(414);
      expect(JSON.parse(overflow.body)).toMatchObject({ status: 414, code: 'REQUEST.URL_TOO_LONG' });
    });

    it('400 for a malformed percent-escape', async () => {
      const reply = await http(server.url, 'GET', '/api/v1/streams/lead-%zz');
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(problemJson);
      expect(reply.body).toMatchObject({ code: 'REQUEST.BAD_URL' });
    });

    it('400 for malformed framing', async () => {
      const reply = await rawHttp(server.url, 'POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}');
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toMatch(problemJson);
      expect(JSON.parse(reply.body)).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED' });
    });
  });
});
