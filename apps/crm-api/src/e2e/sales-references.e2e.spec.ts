import { randomUUID } from 'node:crypto';
import { http, issueKey, startTestApp, type IssuedKey, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking the OpenAPI document

const nowruz = {
  name: 'کمپین نوروز ۱۴۰۵',
  goal: 'lead_generation',
  channel: 'sms',
  budget: { amount: 50_000_000 },
  startDate: daysFromNow(1),
  endDate: daysFromNow(30),
};

/**
 * A campaign named by a lead or a deal must exist in the caller's tenant (README: "an unknown record, addressed or
 * referred to, is 404 with that record's code"); and a closed account can be reopened, so a deal can be opened on it
 * again.
 */
describe('sales references to campaigns, and reopening an account (real server, embedded SQLite)', () => {
  let server: TestApp;
  let globex: IssuedKey;
  let accountId: string;
  let phones = 0;
  const { post, events, head } = salesClient(() => server);
  const phone = () => `0912${String(3_000_000 + (phones += 1))}`;
  const lead = (campaignId: string, id = randomUUID()) => ({ id, fullName: 'سارا محمدی', source: 'campaign', phone: phone(), campaignId });
  const deal = (campaignId: string | undefined, id = randomUUID()) => ({
    id,
    accountId,
    name: 'ورق فولادی',
    need: 'ورق گرم‌نورد',
    amount: { amount: 800_000_000 },
    expectedCloseDate: daysFromNow(30),
    ...(campaignId === undefined ? {} : { campaignId }),
  });

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    globex = await issueKey(server, { name: 'globex admin', roles: ['admin'], tenantId: 'globex' });
    const account = await post('/accounts', { name: 'شرکت فولاد مبارکه' });
    expect(account.status).toBe(201);
    accountId = account.body['id'] as string;
  });
  afterAll(async () => server.close());

  it('refuses a lead or a deal naming an unknown campaign: 404 CAMPAIGN.NOT_FOUND naming campaignId, nothing appended', async () => {
    const unknown = randomUUID();
    const before = await head();
    const leadId = randomUUID();
    const refusedLead = await post('/leads', lead(unknown, leadId));
    expect(refusedLead.status).toBe(404);
    expect(refusedLead.body).toMatchObject({ status: 404, code: 'CAMPAIGN.NOT_FOUND', errors: [{ field: 'campaignId' }] });
    const dealId = randomUUID();
    const refusedDeal = await post('/opportunities', deal(unknown, dealId));
    expect(refusedDeal.status).toBe(404);
    expect(refusedDeal.body).toMatchObject({ status: 404, code: 'CAMPAIGN.NOT_FOUND', errors: [{ field: 'campaignId' }] });
    expect(await head()).toBe(before);
    expect(await events(`lead-${leadId}`)).toEqual([]);
    expect(await events(`opportunity-${dealId}`)).toEqual([]);

    // The funnel by campaign shows no group for a campaign that does not exist.
    const funnel = await http<{ groups: { key: string | null }[] }>(
      server.url,
      'GET',
      `/api/v1/views/funnel?by=campaign&minPosition=${String(before)}`,
    );
    expect(funnel.status).toBe(200);
    expect(funnel.body.groups.map((group) => group.key)).not.toContain(unknown);
  });

  it('takes a lead and a deal naming a campaign planned in the same tenant', async () => {
    const planned = await post('/campaigns', nowruz);
    expect(planned.status).toBe(201);
    const campaignId = planned.body['id'] as string;
    const captured = await post('/leads', lead(campaignId));
    expect(captured.status).toBe(201);
    expect((await events(`lead-${captured.body['id'] as string}`))[0]?.data).toMatchObject({ campaignId });
    const opened = await post('/opportunities', deal(campaignId));
    expect(opened.status).toBe(201);
    expect((await events(`opportunity-${opened.body['id'] as string}`))[0]?.data).toMatchObject({ campaignId });
  });

  it("refuses another tenant's campaign as unknown (404), appending nothing", async () => {
    const theirs = await http(server.url, 'POST', '/api/v1/campaigns', nowruz, globex.headers);
    expect(theirs.status).toBe(201);
    const campaignId = theirs.body['id'] as string;
    const before = await head();
    expect((await post('/leads', lead(campaignId))).body).toMatchObject({ status: 404, code: 'CAMPAIGN.NOT_FOUND' });
    expect((await post('/opportunities', deal(campaignId))).body).toMatchObject({ status: 404, code: 'CAMPAIGN.NOT_FOUND' });
    expect(await head()).toBe(before);
    // In its own tenant the same campaign is known.
    const account = await http(server.url, 'POST', '/api/v1/accounts', { name: 'گلوبکس' }, globex.headers);
    const own = await http(
      server.url,
      'POST',
      '/api/v1/opportunities',
      { ...deal(campaignId), accountId: account.body['id'] as string },
      globex.headers,
    );
    expect(own.status).toBe(201);
  });

  it('declares CAMPAIGN.NOT_FOUND among the 404s of POST /leads and POST /opportunities', async () => {
    const doc = (await http<Json>(server.url, 'GET', '/api/docs-json')).body;
    const codes = (path: string) =>
      doc['paths'][path]['post']['responses']['404']['content']['application/problem+json']['schema']['allOf'][1]['properties']['code'][
        'enum'
      ];
    expect(codes('/api/v1/leads')).toContain('CAMPAIGN.NOT_FOUND');
    expect(codes('/api/v1/opportunities')).toEqual(
      expect.arrayContaining(['CAMPAIGN.NOT_FOUND', 'ACCOUNT.NOT_FOUND', 'CONTACT.NOT_FOUND']),
    );
    expect(codes('/api/v1/accounts/{id}/reopen')).toContain('ACCOUNT.NOT_FOUND');
  });

  it('reopens a closed account (AccountReopened), after which a deal can be opened on it again', async () => {
    const opened = await post('/accounts', { name: 'بازرگانی آریا' });
    const id = opened.body['id'] as string;
    expect((await post(`/accounts/${id}/close`, { reason: 'ادغام' })).status).toBe(200);
    const onClosed = await post('/opportunities', { ...deal(undefined), accountId: id });
    expect(onClosed.body).toMatchObject({ status: 409, code: 'ACCOUNT.CLOSED' });

    const reopened = await post(`/accounts/${id}/reopen`, { reason: 'مشتری بازگشت' });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ id, revision: 2 });
    const stream = await events(`account-${id}`);
    expect(stream.map((event) => event.type)).toEqual(['AccountOpened', 'AccountClosed', 'AccountReopened']);
    expect(stream[2]?.data).toMatchObject({ accountId: id, reason: 'مشتری بازگشت', reopenedAt: expect.any(String) });

    const onReopened = await post('/opportunities', { ...deal(undefined), accountId: id });
    expect(onReopened.status).toBe(201);

    // Without a reason too.
    expect((await post(`/accounts/${id}/close`, { reason: 'دوباره' })).status).toBe(200);
    expect((await post(`/accounts/${id}/reopen`)).status).toBe(200);
    expect((await events(`account-${id}`)).at(-1)?.data).not.toHaveProperty('reason');
  });

  it('refuses to reopen an open account (409 ACCOUNT.NOT_CLOSED) or an unknown one (404), appending nothing', async () => {
    const before = await head();
    expect((await post(`/accounts/${accountId}/reopen`, { reason: 'هیچ' })).body).toMatchObject({
      status: 409,
      code: 'ACCOUNT.NOT_CLOSED',
    });
    expect((await post(`/accounts/${randomUUID()}/reopen`)).body).toMatchObject({ status: 404, code: 'ACCOUNT.NOT_FOUND' });
    expect(await head()).toBe(before);
  });

  it('lets sales reopen an account, not marketing', async () => {
    const sales = await issueKey(server, { name: 'sales', roles: ['sales'] });
    const marketing = await issueKey(server, { name: 'marketing', roles: ['marketing'] });
    const id = (await post('/accounts', { name: 'صنایع پارس' })).body['id'] as string;
    await post(`/accounts/${id}/close`, { reason: 'ادغام' });
    const forbidden = await http(server.url, 'POST', `/api/v1/accounts/${id}/reopen`, {}, marketing.headers);
    expect(forbidden.body).toMatchObject({ status: 403, code: 'AUTH.FORBIDDEN' });
    expect((await http(server.url, 'POST', `/api/v1/accounts/${id}/reopen`, {}, sales.headers)).status).toBe(200);
  });
});
