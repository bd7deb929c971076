import { randomUUID } from 'node:crypto';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { marketingClient } from './marketing-e2e-support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const nowruz = { name: 'کمپین نوروز ۱۴۰۵', goal: 'lead_generation', channel: 'sms', startDate: '2026-03-15', endDate: '2026-04-05' };

describe('marketing over HTTP (real server, embedded SQLite)', () => {
  let server: TestApp;
  const { post, events, head, fields, idOf, account, contact, lead, types } = marketingClient(() => server);

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  it('runs a Persian campaign from planning through target lists, costs and responses to completion', async () => {
    const mobarakeh = await account('شرکت فولاد مبارکه');
    const khuzestan = await account('فولاد خوزستان');
    const prospect = await lead('مریم احمدی', 'فولاد مباركه اصفهان');

    const steel = await post('/marketing-lists', { name: 'مشتریان صنعت فولاد', memberType: 'account', kind: 'static' });
    expect(steel.status).toBe(201);
    expect(steel.body).toMatchObject({ id: expect.stringMatching(UUID), revision: 0, position: expect.any(String) });
    const steelId = idOf(steel);
    const added = await post(`/marketing-lists/${steelId}/members`, { memberIds: [mobarakeh, khuzestan.toUpperCase(), mobarakeh] });
    expect(added.body).toMatchObject({ id: steelId, revision: 1 });
    // Already members: nothing new, nothing recorded.
    expect((await post(`/marketing-lists/${steelId}/members`, { memberIds: [mobarakeh] })).body).toMatchObject({ revision: 1 });
    expect((await post(`/marketing-lists/${steelId}/members/remove`, { memberIds: [khuzestan, randomUUID()] })).body).toMatchObject({
      revision: 2,
    });
    const listEvents = await events(`marketing-list-${steelId}`);
    expect(listEvents.map((event) => event.data)).toMatchObject([
      { name: 'مشتریان صنعت فولاد', nameKey: 'مشتریانصنعتفولاد', memberType: 'account', kind: 'static' },
      { memberType: 'account', memberIds: [mobarakeh, khuzestan] },
      { memberIds: [khuzestan] },
    ]);

    const criteria = {
      match: 'all',
      conditions: [
        { field: 'company', operator: 'contains', value: 'فولاد مباركه' },
        { field: 'status', operator: 'in', value: ['open', 'open'] },
      ],
    };
    const leads = idOf(await post('/marketing-lists', { name: 'سرنخ‌های نمایشگاه فولاد', memberType: 'lead', kind: 'dynamic', criteria }));
    expect((await events(`marketing-list-${leads}`))[0]?.data).toMatchObject({
      criteria: {
        match: 'all',
        conditions: [
          { field: 'company', operator: 'contains', value: 'فولادمبارکه' },
          { field: 'status', operator: 'in', value: ['open'] },
        ],
      },
    });

    const planned = await post('/campaigns', { ...nowruz, budget: { amount: 5_000_000_000 }, description: 'پیامک تبریک نوروز' });
    expect(planned.status).toBe(201);
    const campaign = `/campaigns/${idOf(planned)}`;
    expect((await post(`${campaign}/target-lists`, { listIds: [steelId, leads] })).body).toMatchObject({ revision: 1 });
    expect((await post(`${campaign}/start`)).body).toMatchObject({ revision: 2 });
    const cost = await post(`${campaign}/costs`, { amount: { amount: 150_000_000, currency: 'IRR' }, description: 'ارسال ۵۰ هزار پیامک' });
    expect(cost.body).toMatchObject({ revision: 3, costId: expect.stringMatching(UUID) });
    const response = await post(`${campaign}/responses`, {
      targetId: { type: 'lead', id: prospect },
      responseType: 'interested',
      channel: 'sms',
      note: 'درخواست پیش‌فاکتور ورق گرم',
      respondedAt: '2026-03-17T11:20:00+03:30',
    });
    expect(response.body).toMatchObject({ revision: 4, responseId: expect.stringMatching(UUID) });
    expect((await post(`${campaign}/complete`)).status).toBe(200);
    // The printer's invoice arrives after the campaign ended: still counted.
    expect((await post(`${campaign}/costs`, { amount: { amount: 20_000_000 }, incurredAt: '2026-04-10T09:00:00+03:30' })).status).toBe(200);

    const stream = await http<{ events: { type: string; revision: number; data: Record<string, unknown> }[] }>(
      server.url,
      'GET',
      `/api/v1/streams/campaign-${idOf(planned)}`,
    );
    expect(stream.body.events.map((event) => [event.revision, event.type])).toEqual([
      [0, 'CampaignPlanned'],
      [1, 'CampaignTargetListsAdded'],
      [2, 'CampaignStarted'],
      [3, 'CampaignCostRecorded'],
      [4, 'CampaignResponseRecorded'],
      [5, 'CampaignCompleted'],
      [6, 'CampaignCostRecorded'],
    ]);
    expect(stream.body.events.map((event) => event.data)).toMatchObject([
      { name: 'کمپین نوروز ۱۴۰۵', nameKey: 'کمپیننوروز1405', budget: { amount: 5_000_000_000, currency: 'IRR' } },
      { listIds: [steelId, leads] },
      {},
      { costId: cost.body['costId'], amount: { amount: 150_000_000, currency: 'IRR' }, description: 'ارسال ۵۰ هزار پیامک' },
      { responseId: response.body['responseId'], targetId: { type: 'lead', id: prospect }, responseType: 'interested' },
      {},
      { amount: { amount: 20_000_000, currency: 'IRR' }, incurredAt: '2026-04-10T09:00:00+03:30' },
    ]);
  });

  it('answers 400 naming every bad field, nested ones included, and appends nothing', async () => {
    const before = await head();
    const plan = await post('/campaigns', {
      name: ' ',
      goal: 'fame',
      channel: 'pigeon',
      budget: { amount: -5, currency: 'rial' },
      startDate: '2026-13-01',
      endDate: 'نوروز',
      colour: 'سبز',
    });
    expect(plan.status).toBe(400);
    expect(plan.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(fields(plan)).toEqual(['budget.amount', 'budget.currency', 'channel', 'colour', 'endDate', 'goal', 'name', 'startDate']);
    expect(fields(await post('/campaigns', {}))).toEqual(['budget', 'channel', 'endDate', 'goal', 'name', 'startDate']);
    const backwards = await post('/campaigns', { ...nowruz, budget: { amount: 0 }, endDate: '2026-03-01' });
    expect(backwards.body).toMatchObject({ status: 400, code: 'CAMPAIGN.END_BEFORE_START', errors: [{ field: 'endDate' }] });

    expect(fields(await post('/marketing-lists', { name: '', memberType: 'deal', kind: 'dynamic' }))).toEqual([
      'criteria',
      'memberType',
      'name',
    ]);
    const criteria = { match: 'all', conditions: [{ field: 'industry', operator: 'eq', value: 'فولاد' }] };
    expect(fields(await post('/marketing-lists', { name: 'فهرست', memberType: 'account', kind: 'static', criteria }))).toEqual([
      'criteria',
    ]);
    const conditions = [
      { field: 'colour', operator: 'like', value: 1 },
      { field: 'source', operator: 'in', value: [] },
    ];
    const badConditions = await post('/marketing-lists', {
      name: 'فهرست',
      memberType: 'lead',
      kind: 'dynamic',
      criteria: { match: 'most', conditions },
    });
    expect(fields(badConditions)).toEqual([
      'criteria.conditions.0.field',
      'criteria.conditions.0.operator',
      'criteria.conditions.0.value',
      'criteria.conditions.1.value',
      'criteria.match',
    ]);
    // Industry is an account attribute; a contact list cannot select on it.
    const wrongType = await post('/marketing-lists', { name: 'اشخاص فولادی', memberType: 'contact', kind: 'dynamic', criteria });
    expect(wrongType.body).toMatchObject({
      status: 400,
      code: 'LIST.CRITERIA_FIELD_UNKNOWN',
      errors: [{ field: 'criteria.conditions.0.field' }],
    });
    // Only invisible Persian marks: passes a trim, but is no name; refused at the edge, naming the field.
    const invisible = await post('/marketing-lists', { name: '\u200cـ', memberType: 'lead', kind: 'static' });
    expect(invisible.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect(fields(invisible)).toEqual(['name']);

    const id = randomUUID();
    expect(fields(await post(`/marketing-lists/${id}/members`, { memberIds: ['x', randomUUID()] }))).toEqual(['memberIds']);
    expect(fields(await post(`/marketing-lists/${id}/members`, { memberIds: Array.from({ length: 1001 }, randomUUID) }))).toEqual([
      'memberIds',
    ]);
    expect(fields(await post(`/campaigns/${id}/costs`, { amount: { amount: 1.5 }, incurredAt: 'yesterday' }))).toEqual([
      'amount.amount',
      'incurredAt',
    ]);
    expect(fields(await post(`/campaigns/${id}/responses`, { targetId: { type: 'deal', id: 'x' }, responseType: 'maybe' }))).toEqual([
      'responseType',
      'targetId.id',
      'targetId.type',
    ]);
    expect(fields(await post(`/campaigns/${id}/cancel`, { reason: '' }))).toEqual(['reason']);
    expect(fields(await post('/campaigns/not-a-uuid/start'))).toEqual(['id']);
    // The marketing rules no field check makes (a name with nothing to read, a cost of zero) are named beside the body's
    // other bad fields: an outside contract fuzz got them one per attempt (memberType first, then LIST.NAME_REQUIRED).
    expect(fields(await post('/marketing-lists', { name: '!!! ؟', memberType: 'person', kind: 'static' }))).toEqual(['memberType', 'name']);
    expect(fields(await post('/campaigns', { ...nowruz, name: 'ًَ', channel: 'fax', budget: { amount: 1000 } }))).toEqual([
      'channel',
      'name',
    ]);
    expect(fields(await post(`/campaigns/${id}/costs`, { amount: { amount: 0 }, description: 12 }))).toEqual([
      'amount.amount',
      'description',
    ]);
    expect(await head()).toBe(before);
  });

  it('takes a name of symbols or emoji, as a lead or a contact does', async () => {
    const list = await post('/marketing-lists', { name: '🎉 ★', memberType: 'contact', kind: 'static' });
    expect(list.status).toBe(201);
    const plan = await post('/campaigns', { ...nowruz, name: '👨‍👩‍👧', budget: { amount: 1000 } });
    expect(plan.status).toBe(201);
    expect((await events(`campaign-${idOf(plan)}`)).map((event) => (event.data as { name?: string }).name)).toEqual(['👨‍👩‍👧']);
  });

  it('refuses by business rule (409) and unknown records (404), appending nothing', async () => {
    const steelCo = await account('ذوب آهن اصفهان');
    const person = await contact('علی رضایی');
    const prospect = await lead('سارا نوری', 'فولاد هرمزگان');
    const criteria = { match: 'any', conditions: [{ field: 'industry', operator: 'eq', value: 'فولاد' }] };
    const dynamic = idOf(await post('/marketing-lists', { name: 'حساب‌های فولادی', memberType: 'account', kind: 'dynamic', criteria }));
    const list = idOf(await post('/marketing-lists', { name: 'مشتریان صنعت فولاد', memberType: 'account', kind: 'static' }));
    const campaign = `/campaigns/${idOf(await post('/campaigns', { ...nowruz, budget: { amount: 1_000_000_000 } }))}`;
    const before = await head();

    expect((await post(`/marketing-lists/${dynamic}/members`, { memberIds: [steelCo] })).body).toMatchObject({
      status: 409,
      code: 'LIST.NOT_STATIC',
    });
    const ghost = randomUUID();
    // A contact is not an account, however real it is.
    const missing = await post(`/marketing-lists/${list}/members`, { memberIds: [steelCo, ghost, person] });
    expect(missing.body).toMatchObject({
      status: 404,
      code: 'ACCOUNT.NOT_FOUND',
      errors: [{ field: 'memberIds' }],
      details: { missingIds: [ghost, person] },
    });
    expect((await post(`/marketing-lists/${randomUUID()}/members`, { memberIds: [steelCo] })).body).toMatchObject({ status: 404 });

    expect((await post(`${campaign}/start`)).body).toMatchObject({ status: 409, code: 'CAMPAIGN.NO_TARGET_LISTS' });
    expect((await post(`${campaign}/complete`)).body).toMatchObject({ status: 409, code: 'CAMPAIGN.NOT_STARTED' });
    const respond = { targetId: { type: 'lead', id: prospect }, responseType: 'more_information' };
    expect((await post(`${campaign}/responses`, respond)).body).toMatchObject({ status: 409, code: 'CAMPAIGN.NOT_STARTED' });
    expect((await post(`${campaign}/responses`, { ...respond, targetId: { type: 'contact', id: prospect } })).body).toMatchObject({
      status: 404,
      code: 'CONTACT.NOT_FOUND',
    });
    expect((await post(`${campaign}/target-lists`, { listIds: [list, ghost] })).body).toMatchObject({
      status: 404,
      code: 'LIST.NOT_FOUND',
      details: { missingIds: [ghost] },
    });
    expect((await post(`${campaign}/costs`, { amount: { amount: 10_000, currency: 'EUR' } })).body).toMatchObject({
      status: 409,
      code: 'CAMPAIGN.CURRENCY_MISMATCH',
    });
    expect((await post(`${campaign}/costs`, { amount: { amount: 0 } })).body).toMatchObject({
      status: 400,
      code: 'CAMPAIGN.COST_NOT_POSITIVE',
      errors: [{ field: 'amount.amount' }],
    });
    expect((await post(`/campaigns/${randomUUID()}/start`)).body).toMatchObject({ status: 404, code: 'CAMPAIGN.NOT_FOUND' });
    expect((await post(`/campaigns/${randomUUID()}/target-lists`, { listIds: [list] })).body).toMatchObject({
      status: 404,
      code: 'CAMPAIGN.NOT_FOUND',
    });
    expect(await head()).toBe(before);

    expect((await post(`${campaign}/cancel`, { reason: 'تعویق به بعد از تعطیلات' })).status).toBe(200);
    expect((await post(`${campaign}/responses`, respond)).body).toMatchObject({ status: 409, code: 'CAMPAIGN.CANCELLED' });
    expect((await post(`${campaign}/start`)).body).toMatchObject({ status: 409, code: 'CAMPAIGN.CANCELLED' });
    expect((await post(`${campaign}/costs`, { amount: { amount: 5_000_000 } })).status).toBe(200);
  });

  it('refuses a dynamic list value its enumerated field does not have (400 naming the condition), appending nothing', async () => {
    const before = await head();
    const dynamic = (memberType: string, field: string, value: unknown, operator = 'eq') =>
      post('/marketing-lists', {
        name: 'فهرست پویا',
        memberType,
        kind: 'dynamic',
        criteria: { match: 'all', conditions: [{ field, operator, value }] },
      });
    for (const refused of [
      await dynamic('lead', 'status', 'bogus'),
      await dynamic('lead', 'source', 'nope'),
      await dynamic('contact', 'consent', 'whatever'),
      await dynamic('contact', 'preferredChannel', ['sms', 'pigeon'], 'in'),
      await dynamic('account', 'status', 'open', 'neq'),
    ]) {
      expect(refused.body).toMatchObject({
        status: 400,
        code: 'LIST.CRITERIA_VALUE_INVALID',
        errors: [{ field: 'criteria.conditions.0.value' }],
      });
    }
    // Beside other bad fields, in the same 400.
    const both = await post('/marketing-lists', {
      name: ' ',
      memberType: 'lead',
      kind: 'dynamic',
      criteria: { match: 'all', conditions: [{ field: 'status', operator: 'eq', value: 'bogus' }] },
    });
    expect(fields(both)).toEqual(['criteria.conditions.0.value', 'name']);
    expect(await head()).toBe(before);
    expect((await dynamic('contact', 'consent', 'sms')).status).toBe(201);
    expect((await dynamic('lead', 'status', ['open', 'qualified'], 'in')).status).toBe(201);
  });

  it("records a cost without a currency in the campaign budget's currency", async () => {
    const yen = idOf(await post('/campaigns', { ...nowruz, budget: { amount: 900_000, currency: 'JPY' } }));
    const cost = await post(`/campaigns/${yen}/costs`, { amount: { amount: 5 } });
    expect(cost.status).toBe(200);
    expect((await events(`campaign-${yen}`)).at(-1)?.data).toMatchObject({ amount: { amount: 5, currency: 'JPY' } });
    expect((await post(`/campaigns/${yen}/costs`, { amount: { amount: 5, currency: 'IRR' } })).body).toMatchObject({
      status: 409,
      code: 'CAMPAIGN.CURRENCY_MISMATCH',
    });
  });

  it('refuses response and cost times in the future (beyond the clock skew), naming the field, appending nothing', async () => {
    const prospect = await lead('نرگس حسینی', 'فولاد کاوه');
    const list = idOf(await post('/marketing-lists', { name: 'سرنخ‌ها', memberType: 'lead', kind: 'static' }));
    const campaign = `/campaigns/${idOf(await post('/campaigns', { ...nowruz, budget: { amount: 1_000_000 } }))}`;
    await post(`${campaign}/target-lists`, { listIds: [list] });
    await post(`${campaign}/start`);
    const before = await head();
    const respond = { targetId: { type: 'lead', id: prospect }, responseType: 'interested' };
    expect((await post(`${campaign}/responses`, { ...respond, respondedAt: '2199-01-01T00:00:00Z' })).body).toMatchObject({
      status: 400,
      code: 'CAMPAIGN.TIME_IN_FUTURE',
      errors: [{ field: 'respondedAt' }],
    });
    expect((await post(`${campaign}/costs`, { amount: { amount: 5 }, incurredAt: '2199-12-31T23:00:00Z' })).body).toMatchObject({
      status: 400,
      code: 'CAMPAIGN.TIME_IN_FUTURE',
      errors: [{ field: 'incurredAt' }],
    });
    // Named at the edge beside other bad fields, in one 400.
    expect(fields(await post(`${campaign}/costs`, { amount: { amount: 1.5 }, incurredAt: '2199-12-31T23:00:00Z' }))).toEqual([
      'amount.amount',
      'incurredAt',
    ]);
    expect(fields(await post(`${campaign}/responses`, { ...respond, responseType: 'maybe', respondedAt: '2199-01-01T00:00:00Z' }))).toEqual(
      ['respondedAt', 'responseType'],
    );
    expect(await head()).toBe(before);
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await post(`${campaign}/responses`, { ...respond, respondedAt: soon })).status).toBe(200);
  });

  it('returns the first reply for a repeated Idempotency-Key, and 412 for a stale If-Match, appending nothing', async () => {
    const campaign = idOf(await post('/campaigns', { ...nowruz, budget: { amount: 800_000_000 } }));
    const cost = { amount: { amount: 45_000_000 }, description: 'طراحی بنر' };
    const first = await post(`/campaigns/${campaign}/costs`, cost, { 'idempotency-key': 'invoice-1405-017' });
    const afterFirst = await head();
    const again = await post(`/campaigns/${campaign}/costs`, cost, { 'idempotency-key': 'invoice-1405-017' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await head()).toBe(afterFirst);
    expect(await types(`campaign-${campaign}`)).toEqual(['CampaignPlanned', 'CampaignCostRecorded']);

    const stale = await post(`/campaigns/${campaign}/cancel`, { reason: 'لغو' }, { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'CONCURRENCY.REVISION_MISMATCH', actualRevision: 1 });
    expect((await post(`/campaigns/${campaign}/cancel`, { reason: 'لغو' }, { 'if-match': '"1"' })).body).toMatchObject({ revision: 2 });
    expect(await types(`campaign-${campaign}`)).toHaveLength(3);
  });

  it('publishes the marketing routes under their OpenAPI tags, with the limits they enforce', async () => {
    const doc = await http<{
      paths: Record<string, Record<string, { tags?: string[] }>>;
      components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
    }>(server.url, 'GET', '/api/docs-json');
    const tagged = (tag: string) =>
      Object.entries(doc.body.paths)
        .filter(([, operations]) => operations['post']?.tags?.includes(tag))
        .map(([path]) => path)
        .sort();
    expect(tagged('marketing-lists')).toEqual([
      '/api/v1/marketing-lists',
      '/api/v1/marketing-lists/{id}/members',
      '/api/v1/marketing-lists/{id}/members/remove',
    ]);
    expect(tagged('campaigns')).toEqual(
      ['', '/target-lists', '/start', '/costs', '/responses', '/complete', '/cancel']
        .map((command) => (command ? `/api/v1/campaigns/{id}${command}` : '/api/v1/campaigns'))
        .sort(),
    );
    const { schemas } = doc.body.components;
    expect(schemas['ListCriteriaDto']?.properties['conditions']).toMatchObject({ type: 'array', maxItems: 20 });
    expect(schemas['AddListMembersRequestDto']?.properties['memberIds']).toMatchObject({ type: 'array', maxItems: 1000 });
    expect(schemas['PlanCampaignRequestDto']?.properties['name']).toMatchObject({ maxLength: 200 });
    // A cost is more than zero (CAMPAIGN.COST_NOT_POSITIVE): the document said `minimum: 0`, so a client checking bodies
    // against it sent a zero the server refused. A budget may be zero.
    expect(schemas['CostAmountDto']?.properties['amount']).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schemas['MoneyDto']?.properties['amount']).toMatchObject({ type: 'integer', minimum: 0 });
  });
});
