import { randomUUID } from 'node:crypto';
import { ManualClock } from '@crm/shared/kernel';
import { http, startTestApp, type HttpReply, type TestApp } from '../testing/test-app';

const T0 = '2026-02-01T06:30:00.000Z';
const DAY = 86_400_000;
const irr = (amount: number) => ({ amount, currency: 'IRR' });

/**
 * An SMS campaign targeting a static contact list (مریم with SMS consent,
 * علی without; رضا added then removed) and a dynamic list of steel accounts
 * (فولاد مبارکه; not the car maker). Costs 15 000 000; responses from مریم
 * (twice) and فولاد مبارکه. Two leads come of it; one is qualified and its
 * deal won for 60 000 000: ROI (60 − 15) ÷ 15 = 3.
 */
describe('campaign and activity-fed loyalty views over HTTP (real server, embedded SQLite)', () => {
  const clock = new ManualClock(T0);
  let server: TestApp;
  let last = '';
  const ids: Record<string, string> = {};

  const post = async (path: string, body: unknown = {}): Promise<HttpReply> => {
    const reply = await http(server.url, 'POST', `/api/v1${path}`, body);
    if (reply.status >= 300) throw new Error(`POST ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    last = reply.body['position'] as string;
    return reply;
  };
  const create = async (key: string, path: string, body: unknown) => {
    ids[key] = (await post(path, body)).body['id'] as string;
  };
  const get = <T = Record<string, unknown>>(path: string) =>
    http<T>(server.url, 'GET', `/api/v1${path}${path.includes('?') ? '&' : '?'}minPosition=${last}`);
  const day = (n: number) => clock.set(new Date(Date.parse(T0) + n * DAY).toISOString());

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' }, { clock });
    day(0);
    await create('steel', '/accounts', { name: 'شرکت فولاد مبارکه', industry: 'فولاد' });
    await create('cars', '/accounts', { name: 'ایران خودرو', industry: 'خودرو' });
    await create('maryam', '/contacts', { fullName: 'مریم احمدی', phone: '09121234567', accountId: ids['steel'] });
    await create('ali', '/contacts', { fullName: 'علی رضایی', phone: '09127654321' });
    await create('reza', '/contacts', { fullName: 'رضا موسوی', phone: '09131112233' });
    await post(`/contacts/${ids['maryam']}/consent`, { channel: 'sms', granted: true });
    await post(`/contacts/${ids['ali']}/consent`, { channel: 'email', granted: true });

    await create('customers', '/marketing-lists', { name: 'مشتریان وفادار', memberType: 'contact', kind: 'static' });
    await post(`/marketing-lists/${ids['customers']}/members`, { memberIds: [ids['maryam'], ids['ali'], ids['reza']] });
    await post(`/marketing-lists/${ids['customers']}/members/remove`, { memberIds: [ids['reza']] });
    await create('steelMakers', '/marketing-lists', {
      name: 'صنایع فولاد',
      memberType: 'account',
      kind: 'dynamic',
      criteria: { match: 'all', conditions: [{ field: 'industry', operator: 'eq', value: 'فولاد' }] },
    });

    await create('campaign', '/campaigns', {
      name: 'جشنواره نوروز',
      goal: 'lead_generation',
      channel: 'sms',
      budget: irr(50_000_000),
      startDate: '2026-02-05',
      endDate: '2026-03-20',
    });
    const campaign = `/campaigns/${ids['campaign']}`;
    await post(`${campaign}/target-lists`, { listIds: [ids['customers'], ids['steelMakers']] });
    day(4);
    await post(`${campaign}/start`);
    await post(`${campaign}/costs`, { amount: irr(10_000_000) });
    await post(`${campaign}/costs`, { amount: irr(5_000_000) });
    day(6);
    await post(`${campaign}/responses`, { targetId: { type: 'contact', id: ids['maryam'] }, responseType: 'interested' });
    await post(`${campaign}/responses`, { targetId: { type: 'account', id: ids['steel'] }, responseType: 'more_information' });
    await post(`${campaign}/responses`, { targetId: { type: 'contact', id: ids['maryam'] }, responseType: 'purchased' });
    const campaignId = ids['campaign'];
    await create('lead1', '/leads', { fullName: 'سارا محمدی', source: 'campaign', phone: '09141112233', campaignId });
    await create('lead2', '/leads', { fullName: 'نرگس حسینی', source: 'campaign', phone: '09151112233', campaignId });
    const qualified = await post(`/leads/${ids['lead1']}/qualify`, {
      opportunity: { name: 'ورق فولادی', estimatedValue: irr(80_000_000), expectedCloseDate: '2026-03-30' },
    });
    ids['deal'] = qualified.body['opportunityId'] as string;
    day(20);
    await post(`/opportunities/${ids['deal']}/win`, { amount: irr(60_000_000) });
  });
  afterAll(async () => server.close());

  it('GET /views/campaigns/{id}/performance: targets, responses, leads, opportunities, won revenue, cost and ROI', async () => {
    const reply = await get(`/views/campaigns/${ids['campaign']}/performance`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      campaignId: ids['campaign'],
      campaign: { name: 'جشنواره نوروز', goal: 'lead_generation', channel: 'sms', status: 'active', startDate: '2026-02-05' },
      // مریم and علی (رضا was removed), plus فولاد مبارکه from the dynamic list.
      targets: 3,
      targetsByType: { lead: 0, contact: 2, account: 1 },
      reachable: { consentChannel: 'sms', contacts: 1 },
      targetLists: [
        { listId: ids['customers'], name: 'مشتریان وفادار', kind: 'static', memberType: 'contact', members: 2 },
        { listId: ids['steelMakers'], name: 'صنایع فولاد', kind: 'dynamic', memberType: 'account', members: 1 },
      ],
      responses: 3,
      responders: 2,
      untargetedResponders: 0,
      responsesByType: { interested: 1, more_information: 1, purchased: 1, not_interested: 0 },
      responseRate: 0.6667,
      leads: 2,
      qualified: 1,
      opportunities: 1,
      won: 1,
      wonRevenue: [irr(60_000_000)],
      budget: irr(50_000_000),
      cost: irr(15_000_000),
      budgetUsed: 0.3,
      costPerLead: irr(7_500_000),
      roi: 3,
      missing: null,
    });
  });

  it('GET /views/funnel?by=campaign names the campaign; an unknown campaign is still a 404', async () => {
    const funnel = await get<{ groups: Record<string, unknown>[] }>('/views/funnel?by=campaign');
    expect(funnel.body.groups).toContainEqual(expect.objectContaining({ key: ids['campaign'], name: 'جشنواره نوروز', leads: 2, won: 1 }));
    expect(await get(`/views/campaigns/${randomUUID()}/performance`)).toMatchObject({ status: 404, body: { code: 'CAMPAIGN.NOT_FOUND' } });
  });

  it('GET /views/customers/{accountId}/loyalty: an interaction logged for an account is its last interaction', async () => {
    day(25);
    const occurredAt = new Date(Date.parse(T0) + 25 * DAY - 3_600_000).toISOString();
    const logged = await post('/interactions', {
      channel: 'phone',
      direction: 'outbound',
      regarding: { type: 'account', id: ids['cars'] },
      summary: 'پیگیری نیاز قطعات',
      occurredAt,
    });
    const reply = await get(`/views/customers/${ids['cars']}/loyalty`);
    expect(reply.status).toBe(200);
    expect(reply.body['lastInteraction']).toEqual({ kind: 'interaction', id: logged.body['id'], at: occurredAt });
  });

  it('counts in the response rate only responders among the targets, and the others apart: the rate never passes 1', async () => {
    await create('few', '/marketing-lists', { name: 'یک نفر', memberType: 'contact', kind: 'static' });
    await post(`/marketing-lists/${ids['few']}/members`, { memberIds: [ids['ali']] });
    await create('narrow', '/campaigns', {
      name: 'پیامک ویژه',
      goal: 'retention',
      channel: 'email',
      budget: irr(1_000_000),
      startDate: '2026-02-26',
      endDate: '2026-03-20',
    });
    const campaign = `/campaigns/${ids['narrow']}`;
    await post(`${campaign}/target-lists`, { listIds: [ids['few']] });
    await post(`${campaign}/start`);
    // علی is the one target; رضا (forwarded the message) and فولاد مبارکه answer too.
    for (const targetId of [
      { type: 'contact', id: ids['ali'] },
      { type: 'contact', id: ids['reza'] },
      { type: 'account', id: ids['steel'] },
      { type: 'contact', id: ids['reza'] },
    ]) {
      await post(`${campaign}/responses`, { targetId, responseType: 'more_information' });
    }
    const reply = await get(`/views/campaigns/${ids['narrow']}/performance`);
    expect(reply.body).toMatchObject({ targets: 1, responses: 4, responders: 3, untargetedResponders: 2, responseRate: 1 });
  });

  it("an unsubscribe withdraws the contact's consent for the campaign channel, until it is granted again", async () => {
    const sms = (name: string) => ({
      name,
      goal: 'retention',
      channel: 'sms',
      budget: irr(1_000_000),
      startDate: '2026-02-26',
      endDate: '2026-03-20',
    });
    await create('first', '/campaigns', sms('پیامک اول'));
    await post(`/campaigns/${ids['first']}/target-lists`, { listIds: [ids['customers']] });
    await post(`/campaigns/${ids['first']}/start`);
    await create('next', '/campaigns', sms('پیامک بعدی'));
    await post(`/campaigns/${ids['next']}/target-lists`, { listIds: [ids['customers']] });
    const reachable = async () => (await get(`/views/campaigns/${ids['next']}/performance`)).body['reachable'];
    expect(await reachable()).toEqual({ consentChannel: 'sms', contacts: 1 });

    // مریم answers the first campaign by email: stop the SMS. Read at the reply's position, she is no longer reachable.
    await post(`/campaigns/${ids['first']}/responses`, {
      targetId: { type: 'contact', id: ids['maryam'] },
      responseType: 'unsubscribe',
      channel: 'email',
    });
    expect(await reachable()).toEqual({ consentChannel: 'sms', contacts: 0 });
    const contact = await http<{ events: { type: string; data: Record<string, unknown> }[] }>(
      server.url,
      'GET',
      `/api/v1/streams/contact-${ids['maryam']}`,
    );
    expect(contact.body.events.at(-1)).toMatchObject({ type: 'ContactConsentWithdrawn', data: { channel: 'sms' } });

    // She opts in again later: reachable again.
    day(27);
    await post(`/contacts/${ids['maryam']}/consent`, { channel: 'sms', granted: true });
    expect(await reachable()).toEqual({ consentChannel: 'sms', contacts: 1 });
  });
});
