import { ManualClock } from '@crm/shared/kernel';
import { http, startTestApp, type HttpReply, type TestApp } from '../testing/test-app';

/**
 * Loyalty and churn as of an instant before a later change (outside audit): a deal won, reopened and won again,
 * and a contact moved to another account. Only facts dated at or before asOf count (docs/metrics.md), so what
 * happened later changes no earlier answer, and the answers at the head stay as they were.
 */
describe('loyalty views as of an instant before a later change (real server, embedded SQLite, ManualClock)', () => {
  const clock = new ManualClock('2025-01-01T06:30:00Z');
  const NOW = '2025-07-15T06:30:00Z';
  let server: TestApp;
  let position = '';
  const ids = { old: '', new: '', won: '', contact: '', deal: '' };
  const post = async (path: string, body: unknown): Promise<HttpReply> => {
    const reply = await http(server.url, 'POST', `/api/v1${path}`, body);
    if (reply.status >= 300) throw new Error(`${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    position = reply.body['position'] as string;
    return reply;
  };
  const at = async (instant: string, command: () => Promise<unknown>) => {
    clock.set(instant);
    await command();
    clock.set(NOW);
  };
  const buy = (accountId: string, day: string, amount: number) =>
    at(`${day}T10:00:00Z`, () =>
      post(`/accounts/${accountId}/purchases`, {
        amount: { amount },
        occurredAt: `${day}T10:00:00Z`,
        externalRef: `INV-${accountId}-${day}`,
      }),
    );
  const get = async (path: string) =>
    (await http(server.url, 'GET', `/api/v1${path}${path.includes('?') ? '&' : '?'}minPosition=${position}`)).body;
  const card = (accountId: string, query: string) => get(`/views/customers/${accountId}/loyalty?${query}`);

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' }, { clock });
    ids.old = (await post('/accounts', { name: 'بازرگانی قدیم' })).body['id'] as string;
    ids.new = (await post('/accounts', { name: 'بازرگانی جدید' })).body['id'] as string;
    ids.won = (await post('/accounts', { name: 'صنایع برنده' })).body['id'] as string;
    ids.contact = (await post('/contacts', { fullName: 'مریم احمدی', phone: '09121234567', accountId: ids.old })).body['id'] as string;
    await buy(ids.old, '2025-01-10', 100_000_000);
    await buy(ids.new, '2025-01-10', 100_000_000);
    await at('2025-04-05T10:00:00Z', () =>
      post('/surveys/responses', { surveyType: 'nps', respondent: { contactId: ids.contact }, answers: { score: 9 } }),
    );
    const need = { name: 'ورق گرم', need: 'ورق فولادی', amount: { amount: 55_000_000 }, expectedCloseDate: '2025-03-31' };
    await at('2025-02-01T10:00:00Z', async () => {
      ids.deal = (await post('/opportunities', { accountId: ids.won, ...need })).body['id'] as string;
      await post(`/opportunities/${ids.deal}/win`, { amount: { amount: 55_000_000 } });
    });
  });
  afterAll(async () => server.close());

  it('counts a deal won, reopened and won again as the win that stood at asOf, and as the latest at the head', async () => {
    const wonOnce = await card(ids.won, 'asOf=2025-02-15');
    await at('2025-03-01T10:00:00Z', () => post(`/opportunities/${ids.deal}/reopen`, { reason: 'مشتری انصراف داد' }));
    await at('2025-04-01T10:00:00Z', () => post(`/opportunities/${ids.deal}/win`, { amount: { amount: 66_000_000 } }));

    // wonDeals=auto: the account has no purchase record, so the win standing at asOf is its purchase.
    const first = {
      status: 'active',
      firstPurchaseAt: '2025-02-01T10:00:00.000Z',
      frequency: 1,
      monetary: [{ amount: 55_000_000, currency: 'IRR' }],
    };
    expect(wonOnce).toMatchObject(first);
    // The same question after the deal was reopened and won again: the same answer (it lost it before).
    expect(await card(ids.won, 'asOf=2025-02-15')).toEqual(wonOnce);
    expect(await card(ids.won, 'asOf=2025-03-15')).toMatchObject({ status: 'prospect', frequency: 0, monetary: [] });
    const second = {
      status: 'active',
      firstPurchaseAt: '2025-04-01T10:00:00.000Z',
      frequency: 1,
      monetary: [{ amount: 66_000_000, currency: 'IRR' }],
    };
    expect(await card(ids.won, 'asOf=2025-04-15')).toMatchObject(second);
    expect(await card(ids.won, 'inactivityDays=365')).toMatchObject(second);
    // Churn counts it as a customer as of the first win (old, new and it).
    expect(await get('/views/churn?asOf=2025-02-15&from=2025-02-01')).toMatchObject({
      customers: 3,
      periods: [{ period: '2025-02', new: 1 }],
    });
    expect(await get('/views/churn?asOf=2025-03-15&from=2025-03-01')).toMatchObject({ customers: 2 });
  });

  it('counts a moved contact’s interactions for the account it belonged to at asOf, and for the new one from the move on', async () => {
    const asked = [ids.old, ids.new].map((id) => `/views/customers/${id}/loyalty?asOf=2025-05-01&inactivityDays=90`);
    const before = await Promise.all(asked.map(get));
    expect(before).toMatchObject([
      { status: 'active', lastInteraction: { kind: 'survey', at: '2025-04-05T10:00:00.000Z' }, latestNps: { score: 9 } },
      { status: 'lost', lostReason: 'inactive', lastInteraction: null, latestNps: null },
    ]);
    const churnBefore = await get('/views/churn?asOf=2025-05-01&from=2025-04-01&inactivityDays=90');

    await at('2025-06-01T10:00:00Z', () => post(`/contacts/${ids.contact}/link-account`, { accountId: ids.new }));

    // The move was recorded after 1 May: as of then the answers are what they were.
    expect(await Promise.all(asked.map(get))).toEqual(before);
    expect(await get('/views/churn?asOf=2025-05-01&from=2025-04-01&inactivityDays=90')).toEqual(churnBefore);
    // The instant before the move, and the move itself.
    expect(await card(ids.old, 'asOf=2025-06-01T09:59:59.999Z&inactivityDays=90')).toMatchObject({ latestNps: { score: 9 } });
    expect(await card(ids.old, 'asOf=2025-06-01T10:00:00Z&inactivityDays=90')).toMatchObject({ latestNps: null });
    // At the head, as before: the contact's interactions, the earlier ones too, count for the account it belongs to.
    expect(await card(ids.new, 'inactivityDays=120')).toMatchObject({
      status: 'active',
      lastInteraction: { kind: 'survey', at: '2025-04-05T10:00:00.000Z' },
      latestNps: { score: 9 },
    });
    expect(await card(ids.old, 'inactivityDays=120')).toMatchObject({ status: 'lost', lastInteraction: null, latestNps: null });
  });
});
