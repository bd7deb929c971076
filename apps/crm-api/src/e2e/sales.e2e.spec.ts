import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const types = (events: readonly RecordedEvent[]) => events.map((event) => event.type);

describe('sales over HTTP (real server, embedded SQLite)', () => {
  let server: TestApp;
  const { post, events, head } = salesClient(() => server);

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  it('takes a Persian lead through qualification, stages and an accepted quote to a won deal', async () => {
    const lead = await post('/leads', {
      fullName: 'مریم احمدی',
      source: 'web',
      phone: '۰۹۱۲۱۲۳۴۵۶۷',
      company: 'شرکت فولاد مبارکه',
      interest: 'ورق فولادی گرم‌نورد',
    });
    expect(lead.status).toBe(201);
    expect(lead.body).toMatchObject({ id: expect.stringMatching(UUID), revision: 0, position: expect.any(String) });
    const leadId = lead.body['id'] as string;
    const [captured] = await events(`lead-${leadId}`);
    expect(captured?.data).toMatchObject({ fullName: 'مریم احمدی', phone: '۰۹۱۲۱۲۳۴۵۶۷', phoneE164: '+989121234567' });

    const qualified = await post(`/leads/${leadId}/qualify`, {
      opportunity: { name: 'ورق فولادی خط دوم', estimatedValue: { amount: 1_200_000_000 }, expectedCloseDate: daysFromNow(60) },
    });
    expect(qualified.status).toBe(200);
    expect(qualified.body).toMatchObject({ id: leadId, revision: 1, contactId: expect.stringMatching(UUID) });
    const { contactId, accountId, opportunityId } = qualified.body as Record<string, string>;
    const [leadQualified] = (await events(`lead-${leadId}`)).slice(1);
    const [contactCreated] = await events(`contact-${contactId}`);
    expect(contactCreated).toMatchObject({
      type: 'ContactCreated',
      data: { fullName: 'مریم احمدی', phoneE164: '+989121234567', accountId, originLeadId: leadId },
      metadata: { causationId: leadQualified?.metadata.eventId },
    });
    expect((await events(`account-${accountId}`))[0]).toMatchObject({ type: 'AccountOpened', data: { name: 'شرکت فولاد مبارکه' } });
    expect((await events(`opportunity-${opportunityId}`))[0]).toMatchObject({
      type: 'OpportunityOpened',
      data: {
        accountId,
        contactId,
        // The deal's own name: the lead's interest is sealed with the lead, the deal kept in clear.
        need: 'ورق فولادی خط دوم',
        amount: { amount: 1_200_000_000, currency: 'IRR' },
        stage: 'qualification',
      },
    });

    const deal = `/opportunities/${opportunityId}`;
    expect((await post(`${deal}/propose-solution`, { solution: 'تحویل ماهانه با حمل' })).body).toMatchObject({ revision: 1 });
    for (const stage of ['needs_analysis', 'proposal', 'negotiation'])
      expect((await post(`${deal}/move-stage`, { stage })).status).toBe(200);

    const quote = await post('/quotes', {
      opportunityId,
      lines: [
        { description: 'ورق فولادی، تن', quantity: 2.5, unitPrice: { amount: 400_000_000, currency: 'IRR' }, discountPercent: 10 },
        { description: 'حمل', quantity: 1, unitPrice: { amount: 50_000_000 } },
      ],
      validUntil: daysFromNow(30),
    });
    expect(quote.status).toBe(201);
    expect(quote.body['total']).toEqual({ amount: 950_000_000, currency: 'IRR' });
    const quoteId = quote.body['id'] as string;
    expect((await events(`quote-${quoteId}`))[0]?.data).toMatchObject({
      subtotal: { amount: 1_050_000_000 },
      discountTotal: { amount: 100_000_000 },
      total: { amount: 950_000_000 },
    });
    expect((await post(`/quotes/${quoteId}/issue`)).status).toBe(200);

    const accepted = await post(`/quotes/${quoteId}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: quoteId, opportunityId, opportunityWon: true });
    const dealEvents = await http<{ events: RecordedEvent[] }>(server.url, 'GET', `/api/v1/streams/opportunity-${opportunityId}`);
    const won = dealEvents.body.events.filter((event) => event.type === 'OpportunityWon');
    expect(won).toHaveLength(1);
    expect(won[0]?.data).toMatchObject({ amount: { amount: 950_000_000, currency: 'IRR' }, quoteId, stage: 'negotiation', accountId });
    // The reply's position covers the win, so a read at that position sees the deal won.
    expect(accepted.body['position']).toBe(won[0]?.position);
  });

  it('refuses a second open lead with the same phone or email however it is written, naming the first', async () => {
    const first = await post('/leads', { fullName: 'علی رضایی', source: 'phone', phone: '۰۹۱۲۷۶۵۴۳۲۱', email: 'Ali.Rezaei@Example.IR' });
    const firstId = first.body['id'] as string;
    const before = await head();
    const samePhone = await post('/leads', { fullName: 'Ali Rezaei', source: 'web', phone: '+98 912 765 4321' });
    expect(samePhone.status).toBe(409);
    expect(samePhone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(samePhone.body).toMatchObject({ code: 'LEAD.DUPLICATE', details: { existingLeadId: firstId } });
    const sameEmail = await post('/leads', { fullName: 'علی', source: 'email', email: 'ali.rezaei@example.ir' });
    expect(sameEmail.body).toMatchObject({ status: 409, code: 'LEAD.DUPLICATE', details: { existingLeadId: firstId } });
    expect(await head()).toBe(before);

    const allowed = await post('/leads', { fullName: 'Ali Rezaei', source: 'web', phone: '+98 912 765 4321', allowDuplicate: true });
    expect(allowed.status).toBe(201);
    const allowedId = allowed.body['id'] as string;
    expect((await events(`lead-${allowedId}`))[0]?.data).toMatchObject({ duplicateOfLeadId: firstId });

    // The allowed duplicate guards the phone too once the first lead is closed; when both are, it is free.
    await post(`/leads/${firstId}/disqualify`, { reason: 'duplicate' });
    expect((await post('/leads', { fullName: 'ع. رضایی', source: 'sms', phone: '09127654321' })).body).toMatchObject({
      code: 'LEAD.DUPLICATE',
      details: { existingLeadId: allowedId },
    });
    await post(`/leads/${allowedId}/disqualify`, { reason: 'unreachable' });
    expect((await post('/leads', { fullName: 'ع. رضایی', source: 'sms', phone: '09127654321' })).status).toBe(201);
  });

  it('lets exactly one of several simultaneous captures of the same phone through', async () => {
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post('/leads', { fullName: `مشتری ${i}`, source: 'web', phone: i % 2 ? '0912 555 6677' : '۰۹۱۲۵۵۵۶۶۷۷' }),
      ),
    );
    const created = replies.filter((reply) => reply.status === 201);
    expect(created).toHaveLength(1);
    const existingLeadId = created[0]?.body['id'];
    for (const refused of replies.filter((reply) => reply.status !== 201)) {
      expect(refused.body).toMatchObject({ status: 409, code: 'LEAD.DUPLICATE', details: { existingLeadId } });
    }
  });

  it('returns the first reply for a repeated Idempotency-Key and appends nothing', async () => {
    const key = { 'idempotency-key': 'web-form-7f3a' };
    const body = { fullName: 'زهرا کریمی', source: 'web', email: 'zahra@example.ir' };
    const first = await post('/leads', body, key);
    const headAfterFirst = await head();
    const again = await post('/leads', body, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await head()).toBe(headAfterFirst);

    const leadId = first.body['id'] as string;
    const qualify = { opportunity: { name: 'CRM', estimatedValue: { amount: 90_000_000 }, expectedCloseDate: daysFromNow(20) } };
    const qualified = await post(`/leads/${leadId}/qualify`, qualify, { 'idempotency-key': 'qualify-zahra' });
    const headAfterQualify = await head();
    const qualifiedAgain = await post(`/leads/${leadId}/qualify`, qualify, { 'idempotency-key': 'qualify-zahra' });
    expect(qualifiedAgain.body).toEqual(qualified.body);
    expect(await head()).toBe(headAfterQualify);
    expect(await events(`lead-${leadId}`)).toHaveLength(2);
    for (const stream of [`contact-${qualified.body['contactId']}`, `account-${qualified.body['accountId']}`]) {
      expect(await events(stream)).toHaveLength(1);
    }

    const accountId = qualified.body['accountId'] as string;
    const purchase = { amount: { amount: 30_000_000 }, occurredAt: '2026-01-15T10:30:00+03:30', externalRef: 'INV-1404-0042' };
    const recorded = await post(`/accounts/${accountId}/purchases`, purchase);
    expect(recorded.status).toBe(200);
    await post(`/accounts/${accountId}/update`, { industry: 'فولاد' });
    // An ERP resending the invoice, without any key: same reply, nothing new.
    const resent = await post(`/accounts/${accountId}/purchases`, purchase);
    expect(resent.body).toEqual(recorded.body);
    expect(types(await events(`account-${accountId}`))).toEqual(['AccountOpened', 'PurchaseRecorded', 'AccountUpdated']);
  });

  it('answers 412 for a stale If-Match and appends nothing', async () => {
    const lead = await post('/leads', { fullName: 'رضا موسوی', source: 'referral', phone: '09351112233' });
    const id = lead.body['id'] as string;
    expect((await post(`/leads/${id}/assign`, { ownerId: 'user-12' }, { 'if-match': '"0"' })).body).toMatchObject({ revision: 1 });
    const stale = await post(`/leads/${id}/update`, { company: 'پتروشیمی' }, { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'CONCURRENCY.REVISION_MISMATCH', actualRevision: 1 });
    expect(await events(`lead-${id}`)).toHaveLength(2);
  });
});
