import { randomUUID } from 'node:crypto';
import { ManualClock } from '@crm/shared/kernel';
import type { ReadModels } from '../read-models/read-models.service';
import { http, issueKey, readYourWrites, startTestApp, type TestApp } from '../testing/test-app';
import { LoyaltyViewsController } from '../views/loyalty-views.controller';

/**
 * The history of the lib's hand-computed examples, through the real server: with a
 * 90-day threshold, as of 30 June 2025 A has lapsed (14 June), B was closed in April,
 * C (complaint open since 20 May) and D (NPS 5 from its contact) are the active base.
 */
describe('loyalty and churn views (real server, embedded SQLite, ManualClock)', () => {
  const clock = new ManualClock('2025-01-01T06:30:00Z');
  let server: TestApp;
  const ids: Record<'A' | 'B' | 'C' | 'D' | 'E', string> = { A: '', B: '', C: '', D: '', E: '' };
  const { post, get } = readYourWrites(() => server);
  /** The views are asked at NOW, after every fact of the story (an asOf after now is read as now). */
  const NOW = '2025-07-15T06:30:00Z';
  const at = async (instant: string, command: () => Promise<unknown>) => {
    clock.set(instant);
    await command();
    clock.set(NOW);
  };
  // Recorded when they happen: a purchase dated after the moment it is recorded is refused.
  const buy = (account: keyof typeof ids, day: string, amount: number) =>
    at(`${day}T10:00:00Z`, () =>
      post(`/accounts/${ids[account]}/purchases`, {
        amount: { amount },
        occurredAt: `${day}T10:00:00Z`,
        externalRef: `INV-${account}-${day}`,
      }),
    );

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' }, { clock });
    const names = { A: 'شرکت فولاد مبارکه', B: 'بازرگانی آریا', C: 'صنایع غذایی بهار', D: 'پخش البرز', E: 'مشاوران نوین' };
    for (const [key, name] of Object.entries(names))
      ids[key as keyof typeof ids] = (await post('/accounts', { name })).body['id'] as string;
    const contact = (await post('/contacts', { fullName: 'مریم احمدی', phone: '09121234567', accountId: ids.D })).body['id'] as string;

    await buy('A', '2025-01-10', 500_000_000);
    await buy('A', '2025-03-15', 700_000_000);
    await buy('B', '2025-02-01', 100_000_000);
    await buy('C', '2025-03-01', 1_000_000_000);
    await buy('C', '2025-06-20', 3_000_000_000);
    await buy('D', '2025-05-05', 2_000_000_000);
    const need = { name: 'ورق گرم', need: 'ورق فولادی', amount: { amount: 900_000_000 }, expectedCloseDate: '2025-03-31' };
    await at('2025-02-15T10:00:00Z', async () => {
      const deal = (await post('/opportunities', { accountId: ids.A, ...need })).body['id'] as string;
      await post(`/opportunities/${deal}/win`, { amount: { amount: 900_000_000 } });
    });
    await at('2025-02-01T10:00:00Z', () =>
      post('/feedback', { from: { accountId: ids.E }, kind: 'idea', text: 'پیشنهاد فروش اقساطی', channel: 'web' }),
    );
    await at('2025-04-10T10:00:00Z', () => post(`/accounts/${ids.B}/close`, { reason: 'انتقال به تامین‌کننده دیگر' }));
    await at('2025-05-20T10:00:00Z', () =>
      post('/complaints', {
        complainant: { accountId: ids.C },
        channel: 'phone',
        category: 'تاخیر در تحویل',
        description: 'محموله دیر رسید',
      }),
    );
    await at('2025-06-01T10:00:00Z', () =>
      post('/surveys/responses', { surveyType: 'nps', respondent: { contactId: contact }, answers: { score: 5 } }),
    );
  });
  afterAll(async () => server.close());

  it("answers an active customer's loyalty as of a date, with the exact RFM, risk, tier and value", async () => {
    const reply = await get(`/views/customers/${ids.C}/loyalty?asOf=2025-06-30&inactivityDays=90`);
    expect(reply.status).toBe(200);
    const { lastInteraction, ...rest } = reply.body as Record<string, unknown> & { lastInteraction: { id: string } };
    expect(rest).toEqual({
      accountId: ids.C,
      name: 'صنایع غذایی بهار',
      // A bare date is the end of that business day: midnight in Tehran is 20:30 UTC.
      asOf: '2025-06-30T20:29:59.999Z',
      // Exact to the instant, and says so (API.md).
      asOfPrecision: 'instant',
      status: 'active',
      statusSince: '2025-03-01T10:00:00.000Z',
      lostReason: null,
      firstPurchaseAt: '2025-03-01T10:00:00.000Z',
      lastPurchaseAt: '2025-06-20T10:00:00.000Z',
      recencyDays: 10,
      frequency: 2,
      monetary: [{ amount: 4_000_000_000, currency: 'IRR' }],
      mainCurrency: 'IRR',
      rfm: { recency: 4, frequency: 4, monetary: 4, code: '444' },
      segment: 'champions',
      activeCustomers: 2,
      countsWonDeals: false,
      lastActivityAt: '2025-06-20T10:00:00.000Z',
      openComplaints: 1,
      latestNps: null,
      latestCsat: null,
      churnRisk: { level: 'medium', factors: ['open_complaints'], daysSinceLastActivity: 10 },
      tier: { name: 'platinum', discountPercent: 15, creditLevel: 'high' },
      customerValue: {
        value: { amount: 12_000_000_000, currency: 'IRR' },
        averageOrderValue: { amount: 2_000_000_000, currency: 'IRR' },
        purchasesPerYear: 2,
        margin: 0.3,
        annualChurnRate: null,
        expectedLifetimeYears: 10,
      },
    });
    expect(lastInteraction).toMatchObject({ kind: 'complaint', at: '2025-05-20T10:00:00.000Z' });
  });

  it("names the account to sales and admin only: an analyst's card carries the same figures without it", async () => {
    const path = `/api/v1/views/customers/${ids.C}/loyalty?asOf=2025-06-30&inactivityDays=90`;
    const card = async (roles: string[]) => {
      const { headers } = await issueKey(server, { name: `${roles.join('+')} loyalty`, roles });
      const reply = await http<Record<string, unknown>>(server.url, 'GET', path, undefined, headers);
      expect(reply.status).toBe(200);
      return reply.body;
    };
    const [sales, analyst, both] = [await card(['sales']), await card(['analyst']), await card(['analyst', 'sales'])];
    expect(sales['name']).toBe('صنایع غذایی بهار');
    expect(both).toEqual(sales);
    // Before, an analyst read it too: for an account opened for a person without a company, the person's name.
    expect(analyst).not.toHaveProperty('name');
    const { name: _name, ...figures } = sales;
    expect(analyst).toEqual(figures);
  });

  it('scores lost customers, counts a contact’s survey for its account, and counts won deals only when asked', async () => {
    expect((await get(`/views/customers/${ids.A}/loyalty?asOf=2025-06-30&inactivityDays=90`)).body).toMatchObject({
      status: 'lost',
      lostReason: 'inactive',
      statusSince: '2025-06-13T20:30:00.000Z',
      // Lost: outside the active base the quintiles rank, so no scores and no RFM segment.
      rfm: null,
      segment: 'churned',
      countsWonDeals: false,
      churnRisk: { level: 'churned' },
      tier: { name: 'churned', discountPercent: 0, creditLevel: 'none' },
    });
    expect((await get(`/views/customers/${ids.B}/loyalty?asOf=2025-06-30`)).body).toMatchObject({ status: 'lost', lostReason: 'closed' });
    expect((await get(`/views/customers/${ids.D}/loyalty?asOf=2025-06-30&inactivityDays=90`)).body).toMatchObject({
      latestNps: { score: 5, category: 'detractor', at: '2025-06-01T10:00:00.000Z' },
      churnRisk: { level: 'medium', factors: ['nps_detractor'], daysSinceLastActivity: 29 },
    });
    expect((await get(`/views/customers/${ids.A}/loyalty?asOf=2025-06-30&wonDeals=always`)).body).toMatchObject({
      countsWonDeals: true,
      frequency: 3,
      monetary: [{ amount: 2_100_000_000, currency: 'IRR' }],
    });
    expect((await get(`/views/customers/${ids.E}/loyalty?asOf=2025-06-30`)).body).toMatchObject({
      status: 'prospect',
      segment: 'prospect',
      rfm: null,
      lastInteraction: { kind: 'feedback', at: '2025-02-01T10:00:00.000Z' },
    });
  });

  it('answers churn per month and retention by first-purchase cohort as of a date', async () => {
    const reply = await get('/views/churn?asOf=2025-06-30&from=2025-01-01&inactivityDays=90');
    expect(reply.status).toBe(200);
    const body = reply.body as {
      periods: { period: string; activeAtStart: number; new: number; churned: number; activeAtEnd: number; churnRate: number | null }[];
      retention: { cohort: string; customers: number; retention: { retained: number; measured: number }[] }[];
    };
    expect(body.periods.map((p) => [p.period, p.activeAtStart, p.new, p.churned, p.activeAtEnd, p.churnRate])).toEqual([
      ['2025-01', 0, 1, 0, 1, null],
      ['2025-02', 1, 1, 0, 2, 0],
      ['2025-03', 2, 1, 0, 3, 0],
      ['2025-04', 3, 0, 1, 2, 0.3333],
      ['2025-05', 2, 1, 0, 3, 0],
      ['2025-06', 3, 0, 1, 2, 0.3333],
    ]);
    // Months of the business time zone: Tehran's June runs from 20:30 UTC on 31 May to 20:30 UTC on 30 June.
    expect((reply.body as { periods: { start: string; end: string }[] }).periods[5]).toMatchObject({
      start: '2025-05-31T20:30:00.000Z',
      end: '2025-06-30T20:30:00.000Z',
    });
    expect(body.retention.map((c) => [c.cohort, c.customers, ...c.retention.map((r) => `${r.retained}/${r.measured}`)])).toEqual([
      ['2025-01', 1, '1/1', '1/1', '0/0', '0/0'],
      ['2025-02', 1, '1/1', '0/1', '0/0', '0/0'],
      ['2025-03', 1, '1/1', '1/1', '0/0', '0/0'],
      ['2025-04', 0, '0/0', '0/0', '0/0', '0/0'],
      ['2025-05', 1, '1/1', '0/0', '0/0', '0/0'],
      ['2025-06', 0, '0/0', '0/0', '0/0', '0/0'],
    ]);
    expect(reply.body).toMatchObject({
      asOfPrecision: 'instant',
      customers: 4,
      activeCustomers: 2,
      // Both losses are of customers new in the year: outside the start-of-year base, reported apart from the rate.
      annual: {
        from: '2024-06-30T20:30:00.000Z',
        activeAtStart: 0,
        new: 4,
        churned: 0,
        lostOutsideBase: 2,
        newAndLost: 2,
        churnRate: null,
      },
    });

    const jalali = await get('/views/churn?asOf=2025-06-30&bucket=jalali&from=2025-03-21&to=2025-05-21&inactivityDays=90');
    expect((jalali.body as typeof body).periods.map((p) => [p.period, p.activeAtStart, p.new, p.churned])).toEqual([
      ['1404-01', 3, 0, 1],
      ['1404-02', 2, 1, 0],
    ]);
  });

  it('answers 404 for an unknown account and 400 naming every bad parameter', async () => {
    expect((await get(`/views/customers/${randomUUID()}/loyalty`)).body).toMatchObject({ status: 404, code: 'ACCOUNT.NOT_FOUND' });
    // As of a day before the account was opened there was none (before, a "prospect" with today's name); from that day on, its card.
    expect((await get(`/views/customers/${ids.C}/loyalty?asOf=2024-12-31`)).body).toMatchObject({
      status: 404,
      code: 'ACCOUNT.NOT_FOUND',
      details: { accountId: ids.C, openedAt: '2025-01-01T06:30:00.000Z' },
    });
    expect((await get(`/views/customers/${ids.C}/loyalty?asOf=2025-01-01`)).body).toMatchObject({ accountId: ids.C, segment: 'prospect' });
    expect((await get('/views/customers/not-a-uuid/loyalty')).body).toMatchObject({ status: 400, errors: [{ field: 'accountId' }] });
    const bad = await get(`/views/customers/${ids.C}/loyalty?windowDays=0&margin=2&wonDeals=sometimes&asOf=yesterday`);
    expect(bad.status).toBe(400);
    const fields = ((bad.body['errors'] as { field: string }[]) ?? []).map((e) => e.field).sort();
    expect(fields).toEqual(['asOf', 'margin', 'windowDays', 'wonDeals']);
    expect((await get('/views/churn?asOf=2025-02-30')).body).toMatchObject({ status: 400, errors: [{ field: 'asOf' }] });
    expect((await get('/views/churn?bucket=weekly&inactivityDays=-1')).body).toMatchObject({ status: 400 });
    // A malformed minPosition is named beside the other bad parameters (an outside probe saw it answered alone, later).
    const withPosition = await get('/views/churn?minPosition=abc&bucket=weekly');
    expect(((withPosition.body['errors'] as { field: string }[]) ?? []).map((e) => e.field).sort()).toEqual(['bucket', 'minPosition']);
    // Another store's form of position (PostgreSQL's) is this store's to refuse, and still a 400 naming it.
    expect((await get('/views/churn?minPosition=7781/204')).body).toMatchObject({ status: 400, errors: [{ field: 'minPosition' }] });
    // The range's bad end is named, as on every other view: `from` after asOf, or `to` before `from`.
    expect((await get('/views/churn?asOf=2025-06-30&from=2025-07-01')).body).toMatchObject({
      status: 400,
      code: 'CHURN.RANGE_INVALID',
      errors: [{ field: 'from' }],
    });
    expect((await get('/views/churn?asOf=2025-06-30&from=2025-05-01&to=2025-04-01')).body).toMatchObject({
      status: 400,
      code: 'CHURN.RANGE_INVALID',
      errors: [{ field: 'to' }],
    });
    // Beside another bad parameter, the bad end is named with it in one VALIDATION.FAILED (before, the other alone).
    for (const [query, named] of [
      ['asOf=2025-06-30&from=2025-07-01&bucket=weekly', ['bucket', 'from']],
      ['asOf=2025-06-30&from=2025-05-01&to=2025-04-01&inactivityDays=0', ['inactivityDays', 'to']],
      ['from=2025-05-01&to=2025-04-01&wonDeals=sometimes', ['to', 'wonDeals']],
    ] as const) {
      const reply = await get(`/views/churn?${query}`);
      const fields = ((reply.body['errors'] as { field: string }[]) ?? []).map((e) => e.field).sort();
      expect({ query, code: reply.body['code'], fields }).toEqual({ query, code: 'VALIDATION.FAILED', fields: named });
    }
    // Each message once, though two checks of a date's form refuse it.
    const twice = (await get('/views/churn?asOf=bad')).body['errors'] as { field: string; messages: string[] }[];
    expect(twice).toEqual([{ field: 'asOf', messages: [expect.any(String)] }]);
    // Read strictly, as the document's integer and number say: what Number() would coerce is refused, not guessed.
    for (const days of ['0x10', '1e2', '+1', '1.0', '%201', '']) {
      expect({ days, body: (await get(`/views/churn?inactivityDays=${days}`)).body }).toMatchObject({
        days,
        body: { status: 400, errors: [{ field: 'inactivityDays' }] },
      });
    }
    for (const margin of ['', '%20', '0x1', '1e-400', '.5']) {
      expect({ margin, body: (await get(`/views/customers/${ids.C}/loyalty?margin=${margin}`)).body }).toMatchObject({
        margin,
        body: { status: 400, errors: [{ field: 'margin' }] },
      });
    }
    expect((await get(`/views/customers/${ids.C}/loyalty?asOf=2025-06-30&margin=0.25&windowDays=30`)).status).toBe(200);
    // Dates in the years the CRM records: a Jalali-looking date is not read as a Gregorian one.
    for (const asOf of ['1403-12-30', '1899-12-31', '2200-01-01']) {
      expect((await get(`/views/churn?asOf=${asOf}`)).body).toMatchObject({ status: 400, errors: [{ field: 'asOf' }] });
    }
    // An account addressed in capitals is the same account.
    expect((await get(`/views/customers/${ids.C.toUpperCase()}/loyalty?asOf=2025-06-30`)).status).toBe(200);
  });

  it('answers from the read models as they are now: a purchase recorded after a first answer shows in the next (asked last: it changes E)', async () => {
    const churn = () => get('/views/churn?asOf=2025-06-30&from=2025-06-01&inactivityDays=90');
    const card = () => get(`/views/customers/${ids.C}/loyalty?asOf=2025-06-30&inactivityDays=90`);
    const before = (await churn()).body as { customers: number; activeCustomers: number; periods: { new: number }[] };
    expect(before).toMatchObject({ customers: 4, activeCustomers: 2, periods: [{ new: 0 }] });
    expect((await card()).body).toMatchObject({ activeCustomers: 2, rfm: { recency: 4, frequency: 4, monetary: 4 } });
    // Asked again at another instant of the same day: the same figures.
    expect((await get('/views/churn?asOf=2025-06-30T23:00:00Z&from=2025-06-01&inactivityDays=90')).body).toMatchObject({
      customers: 4,
      activeCustomers: 2,
      asOf: '2025-06-30T23:00:00.000Z',
    });
    await buy('E', '2025-06-25', 5_000_000_000);
    expect((await churn()).body).toMatchObject({ customers: 5, activeCustomers: 3, periods: [{ new: 1 }] });
    // E, the newest buyer with the most spent, now ranks C lower on recency and spend.
    expect((await card()).body).toMatchObject({ activeCustomers: 3, rfm: { recency: 3, frequency: 5, monetary: 3 } });
    expect((await get(`/views/customers/${ids.E}/loyalty?asOf=2025-06-30&inactivityDays=90`)).body).toMatchObject({
      status: 'active',
      activeCustomers: 3,
    });
  });

  it('publishes both routes in the OpenAPI document', async () => {
    const paths = Object.keys((await http(server.url, 'GET', '/api/docs-json')).body['paths'] as object);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/views/customers/{accountId}/loyalty', '/api/v1/views/churn']));
  });

  it('scores an account opened later whose purchases are dated earlier (an imported history) as churn counts it (asked last: a new account)', async () => {
    // Opened today with a purchase of February: churn counts it a customer from February, and its card answered 404.
    const id = (await post('/accounts', { name: 'واردات تاریخچه' })).body['id'] as string;
    await post(`/accounts/${id}/purchases`, { amount: { amount: 70_000_000 }, occurredAt: '2025-02-01T10:00:00Z', externalRef: 'ERP-1' });
    const card = await get(`/views/customers/${id}/loyalty?asOf=2025-03-01`);
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({ accountId: id, status: 'active', frequency: 1, firstPurchaseAt: '2025-02-01T10:00:00.000Z' });
    // Before its first purchase there was still no account.
    expect((await get(`/views/customers/${id}/loyalty?asOf=2025-01-15`)).body).toMatchObject({ status: 404, details: { accountId: id } });
  });
});

describe('tier rules from CRM_TIER_RULES', () => {
  afterEach(() => {
    delete process.env['CRM_TIER_RULES'];
  });

  it('replaces the default table', async () => {
    process.env['CRM_TIER_RULES'] = JSON.stringify([{ tier: 'یکسان', discountPercent: 3, creditLevel: 'low' }]);
    const server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    try {
      const opened = await http(server.url, 'POST', '/api/v1/accounts', { name: 'شرکت نمونه' });
      const loyalty = await http(
        server.url,
        'GET',
        `/api/v1/views/customers/${opened.body['id']}/loyalty?minPosition=${opened.body['position']}`,
      );
      expect(loyalty.body).toMatchObject({ segment: 'prospect', tier: { name: 'یکسان', discountPercent: 3, creditLevel: 'low' } });
    } finally {
      await server.close();
    }
  });

  it('stops the controller from being built with an invalid table, listing every problem', () => {
    process.env['CRM_TIER_RULES'] = '[{"tier":"vip","segments":["loyal"],"discountPercent":150,"creditLevel":"high"}]';
    expect(() => new LoyaltyViewsController({} as ReadModels, new ManualClock('2025-01-01T00:00:00Z'))).toThrow(
      'CRM_TIER_RULES is invalid: [0].discountPercent must be a number from 0 to 100',
    );
  });
});
