import { readYourWrites, startTestApp, type HttpReply, type TestApp } from '../testing/test-app';
import { daysFromNow } from './sales-e2e-support';

/**
 * A call logged, or a customer-facing activity completed, about a customer's quote or complaint is that customer's
 * interaction in the loyalty card (docs/metrics.md: "every customer interaction … logged interactions, completed
 * customer-facing activities"). Before, only one about the account, a contact or a deal counted: an outside probe's
 * lost customer stayed lost after a call about its quote.
 */
describe('loyalty: interactions about a customer’s quote or complaint (real server, embedded SQLite)', () => {
  let server: TestApp;
  const { post, get } = readYourWrites(() => server);
  const idOf = (reply: HttpReply) => reply.body['id'] as string;
  const card = async (accountId: string) => (await get(`/views/customers/${accountId}/loyalty?inactivityDays=90`)).body;
  /** An account whose one purchase was 300 days ago: lost for inactivity, with a deal and a quote on it. */
  const lapsedCustomer = async () => {
    const accountId = idOf(await post('/accounts', { name: 'بازرگانی آریا' }));
    const occurredAt = new Date(Date.now() - 300 * 86_400_000).toISOString();
    await post(`/accounts/${accountId}/purchases`, { amount: { amount: 50_000_000 }, occurredAt, externalRef: `INV-${accountId}` });
    const opportunityId = idOf(
      await post('/opportunities', {
        accountId,
        name: 'ورق گرم',
        need: 'ورق فولادی',
        amount: { amount: 900_000_000 },
        expectedCloseDate: daysFromNow(30),
      }),
    );
    const lines = [{ description: 'ورق فولادی', quantity: 2, unitPrice: { amount: 5_000_000 } }];
    const quoteId = idOf(await post('/quotes', { opportunityId, lines, validUntil: daysFromNow(7) }));
    return { accountId, quoteId };
  };
  const aMinuteAgo = () => new Date(Date.now() - 60_000).toISOString();
  const call = (regarding: { type: string; id: string }, occurredAt: string) => ({
    channel: 'phone',
    direction: 'inbound',
    regarding,
    summary: 'پرسش درباره پیش‌فاکتور',
    occurredAt,
  });

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  it('counts a call logged about the customer’s quote: the lapsed customer is active again', async () => {
    const { accountId, quoteId } = await lapsedCustomer();
    expect(await card(accountId)).toMatchObject({ status: 'lost', lostReason: 'inactive' });
    const occurredAt = aMinuteAgo();
    await post('/interactions', call({ type: 'quote', id: quoteId }, occurredAt));
    const after = await card(accountId);
    expect(after).toMatchObject({ lastInteraction: { kind: 'interaction', at: new Date(occurredAt).toISOString() } });
    expect(after['status']).not.toBe('lost');
  });

  it('counts a completed call scheduled about the customer’s quote', async () => {
    const { accountId, quoteId } = await lapsedCustomer();
    const activityId = idOf(
      await post('/activities', {
        type: 'phone_call',
        subject: 'پیگیری پیش‌فاکتور',
        regarding: { type: 'quote', id: quoteId },
        assignee: { userId: 'user-7' },
        dueAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    const completedAt = aMinuteAgo();
    await post(`/activities/${activityId}/complete`, { outcome: 'مشتری پیش‌فاکتور را پذیرفت', completedAt });
    expect(await card(accountId)).toMatchObject({ lastInteraction: { kind: 'activity', at: new Date(completedAt).toISOString() } });
  });

  it('counts a follow-up call about the customer’s complaint after its receipt', async () => {
    const { accountId } = await lapsedCustomer();
    const complaintId = idOf(
      await post('/complaints', {
        complainant: { accountId },
        channel: 'phone',
        category: 'تاخیر در تحویل',
        description: 'محموله دیر رسید',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const occurredAt = new Date(Date.now() - 50).toISOString(); // after the receipt, and not after the card's asOf (now)
    await post('/interactions', call({ type: 'complaint', id: complaintId }, occurredAt));
    expect(await card(accountId)).toMatchObject({ lastInteraction: { kind: 'interaction', at: new Date(occurredAt).toISOString() } });
  });
});
