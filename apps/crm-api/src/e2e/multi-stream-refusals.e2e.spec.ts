import { randomUUID } from 'node:crypto';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

/**
 * The routes whose commands write several streams (a qualified lead creates a
 * contact, an account and an opportunity; an accepted quote wins its deal)
 * record all of it in one atomic append. Whatever part refuses, the log's
 * head stays where it was, and nothing is left half-done for a retry to trip on.
 */
describe('multi-stream commands over HTTP: a refusal of any part records nothing (real server)', () => {
  let server: TestApp;
  const { post, events, head } = salesClient(() => server);

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  const opportunity = (name = 'ورق فولادی') => ({ name, estimatedValue: { amount: 500_000_000 }, expectedCloseDate: daysFromNow(30) });
  let phones = 0;
  const captured = async (fullName: string) => {
    phones += 1;
    const lead = await post('/leads', { fullName, source: 'web', phone: `0912${String(3_000_000 + phones)}` });
    expect(lead.status).toBe(201);
    return lead.body['id'] as string;
  };

  it.each([
    ['an opportunity name that is blank once Persian spacing marks are removed', { opportunity: opportunity('\u200c \u200f') }],
    ['an account that does not exist', { opportunity: opportunity(), accountId: randomUUID() }],
    ['a contact that does not exist', { opportunity: opportunity(), contactId: randomUUID() }],
  ])('qualify refused for %s: head unchanged, and the lead can still be qualified', async (_why, body) => {
    const leadId = await captured('سارا کریمی');
    const before = await head();
    const refused = await post(`/leads/${leadId}/qualify`, body, { 'idempotency-key': `refused-${randomUUID()}` });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await head()).toBe(before);
    expect((await events(`lead-${leadId}`)).map((e) => e.type)).toEqual(['LeadCaptured']);

    const qualified = await post(`/leads/${leadId}/qualify`, { opportunity: opportunity() });
    expect(qualified.status).toBe(200);
    const { contactId, accountId, opportunityId } = qualified.body as Record<string, string>;
    for (const streamId of [`contact-${contactId}`, `account-${accountId}`, `opportunity-${opportunityId}`]) {
      expect(await events(streamId)).toHaveLength(1);
    }
  });

  it('capture refused as a duplicate by its second key: head unchanged, no claim left on its first', async () => {
    const first = await post('/leads', { fullName: 'بهرام', source: 'web', phone: '09127770001' });
    expect(first.status).toBe(201);
    const before = await head();
    const duplicate = await post('/leads', { fullName: 'بهرام ب', source: 'web', email: 'bahram@example.ir', phone: '+989127770001' });
    expect(duplicate.body).toMatchObject({ status: 409, code: 'LEAD.DUPLICATE', details: { existingLeadId: first.body['id'] } });
    expect(await head()).toBe(before);
    expect((await post('/leads', { fullName: 'بهرام ج', source: 'web', email: 'Bahram@Example.ir' })).status).toBe(201);
  });

  it('qualify refused for a lead already qualified: head unchanged', async () => {
    const leadId = await captured('رضا محمدی');
    expect((await post(`/leads/${leadId}/qualify`, { opportunity: opportunity() })).status).toBe(200);
    const before = await head();
    const again = await post(`/leads/${leadId}/qualify`, { opportunity: opportunity('دومی') });
    expect(again.body).toMatchObject({ status: 409, code: 'LEAD.ALREADY_QUALIFIED' });
    expect(await head()).toBe(before);
  });

  it('the qualification and everything it creates share one position: a read there sees all of it', async () => {
    const leadId = await captured('مینا حسینی');
    const qualified = await post(`/leads/${leadId}/qualify`, { opportunity: opportunity() });
    const { opportunityId } = qualified.body as Record<string, string>;
    const [deal] = await events(`opportunity-${opportunityId}`);
    expect(qualified.body['position']).toBe(deal?.position);
    expect(await head()).toBe(qualified.body['position']);
  });

  async function issuedQuote(): Promise<{ quoteId: string; opportunityId: string }> {
    const leadId = await captured('کاوه صادقی');
    const { opportunityId } = (await post(`/leads/${leadId}/qualify`, { opportunity: opportunity() })).body as Record<string, string>;
    const quote = await post('/quotes', {
      opportunityId,
      lines: [{ description: 'ورق', quantity: 1, unitPrice: { amount: 400_000_000 } }],
      validUntil: daysFromNow(20),
    });
    const quoteId = quote.body['id'] as string;
    expect((await post(`/quotes/${quoteId}/issue`)).status).toBe(200);
    return { quoteId, opportunityId: opportunityId as string };
  }

  it('accept refused when its deal was lost: head unchanged, and accepted once the deal is reopened', async () => {
    const { quoteId, opportunityId } = await issuedQuote();
    expect((await post(`/opportunities/${opportunityId}/lose`, { reason: 'قیمت' })).status).toBe(200);
    const before = await head();
    const refused = await post(`/quotes/${quoteId}/accept`);
    expect(refused.body).toMatchObject({ status: 409, code: 'OPPORTUNITY.CLOSED' });
    expect(await head()).toBe(before);
    expect((await events(`quote-${quoteId}`)).map((e) => e.type)).toEqual(['QuoteCreated', 'QuoteIssued']);

    expect((await post(`/opportunities/${opportunityId}/reopen`, { reason: 'مذاکره دوباره' })).status).toBe(200);
    const accepted = await post(`/quotes/${quoteId}/accept`);
    expect(accepted.body).toMatchObject({ opportunityWon: true });
    const won = (await events(`opportunity-${opportunityId}`)).filter((e) => e.type === 'OpportunityWon');
    expect(won).toHaveLength(1);
    expect(accepted.body['position']).toBe(won[0]?.position);
  });

  it('accept refused for a quote accepted already (another request): head unchanged', async () => {
    const { quoteId } = await issuedQuote();
    expect((await post(`/quotes/${quoteId}/accept`)).status).toBe(200);
    const before = await head();
    const again = await post(`/quotes/${quoteId}/accept`);
    expect(again.status).toBe(409);
    expect(await head()).toBe(before);
    const reply = await http(server.url, 'GET', `/api/v1/streams/quote-${quoteId}`);
    expect((reply.body['events'] as unknown[]).length).toBe(3);
  });
});
