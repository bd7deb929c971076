import { randomUUID } from 'node:crypto';
import { issueKey, startTestApp, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

const lines = (currency = 'IRR') => [{ description: 'ورق فولادی', quantity: 2, unitPrice: { amount: 5_000_000, currency } }];

describe('business rules at the contract (real server, embedded SQLite)', () => {
  let server: TestApp;
  const { post, events, head, fields } = salesClient(() => server);
  const idOf = (reply: { body: Record<string, unknown> }) => reply.body['id'] as string;
  const account = async () => idOf(await post('/accounts', { name: `شرکت ${randomUUID().slice(0, 8)}` }));
  const deal = async (accountId: string, currency = 'IRR') =>
    idOf(
      await post('/opportunities', {
        accountId,
        name: 'ورق گرم',
        need: 'ورق فولادی',
        amount: { amount: 900_000_000, currency },
        expectedCloseDate: daysFromNow(30),
      }),
    );

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  it('answers 422 IDEMPOTENCY.KEY_REUSED for the same Idempotency-Key with another body, never the first reply', async () => {
    const other = await issueKey(server, { name: 'another desk', roles: ['sales'] });
    const key = { 'idempotency-key': `form-${randomUUID()}` };
    const first = await post('/accounts', { name: 'بازرگانی آریا' }, key);
    expect(first.status).toBe(201);
    expect(await post('/accounts', { name: 'بازرگانی آریا' }, key)).toMatchObject({ status: 201, body: first.body });
    const before = await head();
    const reused = await post('/accounts', { name: 'بازرگانی دیگر' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(await head()).toBe(before);
    // The same body for another person (X-On-Behalf-Of), or from another caller, is another request: who acted is
    // recorded with the events (before, it got the first reply and the second person's action was dropped).
    expect((await post('/accounts', { name: 'بازرگانی آریا' }, { ...key, 'x-on-behalf-of': 'user-b' })).body).toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY.KEY_REUSED',
    });
    expect((await post('/accounts', { name: 'بازرگانی آریا' }, { ...key, ...other.headers })).body).toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY.KEY_REUSED',
    });
    expect(await head()).toBe(before);
    // For whom it acts is part of the request: the same person again is a retry.
    const forA = { 'idempotency-key': `form-${randomUUID()}`, 'x-on-behalf-of': 'user-a' };
    const once = await post('/accounts', { name: 'بازرگانی کیان' }, forA);
    expect(await post('/accounts', { name: 'بازرگانی کیان' }, forA)).toMatchObject({ status: 201, body: once.body });
  });

  it('refuses a purchase with a known externalRef but another amount or date (409), answers the same one with the first reply', async () => {
    const accountId = await account();
    const purchase = { amount: { amount: 480_000_000 }, occurredAt: '2025-03-03T08:00:00+03:30', externalRef: 'ERP-1403-0042' };
    const first = await post(`/accounts/${accountId}/purchases`, purchase);
    expect(first.status).toBe(200);
    expect(await post(`/accounts/${accountId}/purchases`, purchase)).toMatchObject({ status: 200, body: first.body });
    const before = await head();
    const other = await post(`/accounts/${accountId}/purchases`, { ...purchase, amount: { amount: 480_000_001 } });
    expect(other.body).toMatchObject({ status: 409, code: 'ACCOUNT.PURCHASE_CONFLICT' });
    const redated = await post(`/accounts/${accountId}/purchases`, { ...purchase, occurredAt: '2025-03-04T08:00:00+03:30' });
    expect(redated.body).toMatchObject({ status: 409, code: 'ACCOUNT.PURCHASE_CONFLICT' });
    // Under a stale If-Match, the precondition is answered first: 412 for another purchase under the ref (an outside
    // contract fuzz got 409), the first reply for the same one (a change already made, RFC 9110 §13.1.1).
    const stale = { 'if-match': '"999"' };
    expect((await post(`/accounts/${accountId}/purchases`, { ...purchase, amount: { amount: 1 } }, stale)).body).toMatchObject({
      status: 412,
    });
    expect(await post(`/accounts/${accountId}/purchases`, purchase, stale)).toMatchObject({ status: 200, body: first.body });
    const current = { 'if-match': `"${String(first.body['revision'])}"` };
    expect((await post(`/accounts/${accountId}/purchases`, { ...purchase, amount: { amount: 1 } }, current)).body).toMatchObject({
      status: 409,
      code: 'ACCOUNT.PURCHASE_CONFLICT',
    });
    expect(await head()).toBe(before);
  });

  it('takes an invoice number in Persian or Arabic-Indic digits, with Arabic letters or a joiner, as the same purchase', async () => {
    const accountId = await account();
    const purchase = { amount: { amount: 5_000_000 }, occurredAt: '2025-03-25T10:00:00+03:30', externalRef: 'فاکتور-1403-77' };
    const first = await post(`/accounts/${accountId}/purchases`, purchase);
    expect(first.status).toBe(200);
    const before = await head();
    // An outside probe recorded each of these as another purchase: revenue, frequency and RFM counted the invoice up to four times.
    for (const externalRef of ['فاکتور-۱۴۰۳-۷۷', 'فاکتور-١٤٠٣-٧٧', 'فاكتور-1403-77', 'فاکتور\u200c-1403-77', ' فاکتور-۱۴۰۳-77 ']) {
      const again = await post(`/accounts/${accountId}/purchases`, { ...purchase, externalRef });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({
        purchaseId: first.body['purchaseId'],
        revision: first.body['revision'],
        position: first.body['position'],
      });
    }
    const other = await post(`/accounts/${accountId}/purchases`, { ...purchase, externalRef: 'فاکتور-۱۴۰۳-۷۷', amount: { amount: 1 } });
    expect(other.body).toMatchObject({ status: 409, code: 'ACCOUNT.PURCHASE_CONFLICT' });
    expect(await head()).toBe(before);
    // Letters' case is the other system's to tell apart: another case is another invoice.
    expect((await post(`/accounts/${accountId}/purchases`, { ...purchase, externalRef: 'inv-1' })).status).toBe(200);
    const upper = await post(`/accounts/${accountId}/purchases`, { ...purchase, externalRef: 'INV-1' });
    expect(upper.body['purchaseId']).not.toBe(first.body['purchaseId']);
    expect(await head()).not.toBe(before);
  });

  it('holds a purchase to its Idempotency-Key too: the key again with another purchase is 422, not a second purchase', async () => {
    const accountId = await account();
    const key = { 'idempotency-key': `erp-${randomUUID()}` };
    const purchase = { amount: { amount: 12_000_000 }, occurredAt: '2025-03-03T08:00:00+03:30', externalRef: 'ERP-A' };
    const first = await post(`/accounts/${accountId}/purchases`, purchase, key);
    expect(first.status).toBe(200);
    expect(await post(`/accounts/${accountId}/purchases`, purchase, key)).toMatchObject({ status: 200, body: first.body });
    const before = await head();
    // Before: recorded (200) as a second purchase, the key ignored.
    const reused = await post(`/accounts/${accountId}/purchases`, { ...purchase, externalRef: 'ERP-B' }, key);
    expect(reused.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(await head()).toBe(before);
    const elsewhere = await post(`/accounts/${await account()}/purchases`, purchase, key);
    expect(elsewhere.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect((await events(`account-${accountId}`)).filter((e) => e.type === 'PurchaseRecorded')).toHaveLength(1);
    // The reference is still the purchase's own key: the same invoice under a new key (or none) is the first reply.
    const resent = await post(`/accounts/${accountId}/purchases`, purchase, { 'idempotency-key': `erp-${randomUUID()}` });
    expect(resent).toMatchObject({ status: 200, body: first.body });
    expect(await post(`/accounts/${accountId}/purchases`, purchase)).toMatchObject({ status: 200, body: first.body });
    // A key used by another command first is refused on a purchase.
    const leadKey = { 'idempotency-key': `erp-${randomUUID()}` };
    expect((await post('/accounts', { name: 'بازرگانی نگین' }, leadKey)).status).toBe(201);
    const beforeC = await head();
    expect((await post(`/accounts/${accountId}/purchases`, { ...purchase, externalRef: 'ERP-C' }, leadKey)).body).toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY.KEY_REUSED',
    });
    expect(await head()).toBe(beforeC);
    expect((await events(`account-${accountId}`)).filter((e) => e.type === 'PurchaseRecorded')).toHaveLength(1);
  });

  it('never refuses a purchase it recorded: two purchases sent under one key at the same instant are each answered as recorded', async () => {
    const accountId = await account();
    for (let round = 0; round < 4; round += 1) {
      const key = { 'idempotency-key': `erp-race-${randomUUID()}` };
      const refs = [`R${round}-A`, `R${round}-B`];
      const replies = await Promise.all(
        refs.map((externalRef) =>
          post(
            `/accounts/${accountId}/purchases`,
            { amount: { amount: 1_000 }, occurredAt: '2025-03-03T08:00:00+03:30', externalRef },
            key,
          ),
        ),
      );
      const recorded = new Set(
        (await events(`account-${accountId}`)).flatMap((e) => (e.type === 'PurchaseRecorded' ? [String(e.data['externalRef'])] : [])),
      );
      for (const [i, reply] of replies.entries()) {
        // A 422 appended nothing; a purchase recorded was answered 200.
        expect([reply.status, recorded.has(refs[i] as string)]).toEqual(reply.status === 422 ? [422, false] : [200, true]);
      }
      expect(replies.some((reply) => reply.status === 200)).toBe(true);
    }
  });

  it('refuses an update that names nothing to change (400), and appends nothing; its own values are still a no-op', async () => {
    const accountId = await account();
    const contact = await post('/contacts', { fullName: 'مریم احمدی', phone: '09121234567' });
    const lead = await post('/leads', { fullName: 'سارا رضایی', email: `sara-${randomUUID().slice(0, 8)}@example.ir`, source: 'web' });
    const before = await head();
    for (const [path, code] of [
      [`/accounts/${accountId}/update`, 'ACCOUNT.NOTHING_TO_UPDATE'],
      [`/contacts/${idOf(contact)}/update`, 'CONTACT.NOTHING_TO_UPDATE'],
      [`/leads/${idOf(lead)}/update`, 'LEAD.NOTHING_TO_UPDATE'],
    ] as const) {
      // Before: 200, the no-op of a body that gave nothing.
      const empty = await post(path, {});
      expect(empty.body).toMatchObject({ status: 400, code });
      expect(fields(empty).length).toBeGreaterThan(1);
    }
    expect((await post(`/leads/${idOf(lead)}/update`, { allowDuplicate: true })).body).toMatchObject({ code: 'LEAD.NOTHING_TO_UPDATE' });
    expect(await head()).toBe(before);
    expect(await post(`/contacts/${idOf(contact)}/update`, { fullName: 'مریم احمدی' })).toMatchObject({
      status: 200,
      body: { revision: 0 },
    });
  });

  it('refuses a purchase dated in year 9999 or after the moment it is recorded', async () => {
    const accountId = await account();
    const before = await head();
    const far = await post(`/accounts/${accountId}/purchases`, {
      amount: { amount: 1 },
      occurredAt: '9999-01-01T00:00:00Z',
      externalRef: 'X-1',
    });
    expect(far.status).toBe(400);
    expect(fields(far)).toEqual(['occurredAt']);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const ahead = await post(`/accounts/${accountId}/purchases`, { amount: { amount: 1 }, occurredAt: tomorrow, externalRef: 'X-2' });
    expect(ahead.body).toMatchObject({ status: 400, code: 'ACCOUNT.PURCHASE_IN_FUTURE', errors: [{ field: 'occurredAt' }] });
    expect(await head()).toBe(before);
  });

  it("sends an update to another open lead's email or phone through dedupe (409 naming it) unless allowDuplicate", async () => {
    const first = idOf(await post('/leads', { fullName: 'سارا نوری', source: 'web', phone: '09127770001' }));
    const second = idOf(await post('/leads', { fullName: 'سارا رضایی', source: 'web', phone: '09127770002' }));
    const before = await head();
    const moved = await post(`/leads/${second}/update`, { phone: '+98 912 777 0001' });
    expect(moved.body).toMatchObject({ status: 409, code: 'LEAD.DUPLICATE', details: { existingLeadId: first } });
    expect(await head()).toBe(before);
    expect((await events(`lead-${second}`)).map((e) => e.type)).toEqual(['LeadCaptured']);
    expect((await post(`/leads/${second}/update`, { phone: '09127770001', allowDuplicate: true })).status).toBe(200);
  });

  it('refuses quotes on won or lost deals and opportunities on closed accounts (409)', async () => {
    const accountId = await account();
    const won = await deal(accountId);
    await post(`/opportunities/${won}/win`, { amount: { amount: 900_000_000 } });
    const lost = await deal(accountId);
    await post(`/opportunities/${lost}/lose`, { reason: 'قیمت' });
    const before = await head();
    for (const opportunityId of [won, lost]) {
      const quote = await post('/quotes', { opportunityId, lines: lines(), validUntil: daysFromNow(7) });
      expect(quote.body).toMatchObject({ status: 409, code: 'OPPORTUNITY.CLOSED' });
    }
    const closed = await account();
    await post(`/accounts/${closed}/close`, { reason: 'ادغام' });
    const mid = await head();
    expect(mid).not.toBe(before);
    const opened = await post('/opportunities', {
      accountId: closed,
      name: 'فرصت',
      need: 'نیاز',
      amount: { amount: 1 },
      expectedCloseDate: daysFromNow(9),
    });
    expect(opened.body).toMatchObject({ status: 409, code: 'ACCOUNT.CLOSED' });
    // Nor does a closed account take a new contact, created on it or linked to it (both were recorded).
    const added = await post('/contacts', { fullName: 'سارا محمدی', phone: '09121110099', accountId: closed });
    expect(added.body).toMatchObject({
      status: 409,
      code: 'ACCOUNT.CLOSED',
      detail: expect.stringContaining('reopen it before adding a contact'),
    });
    expect(await head()).toBe(mid);
    const contactId = idOf(await post('/contacts', { fullName: 'سارا محمدی', phone: '09121110098' }));
    const beforeLink = await head();
    expect((await post(`/contacts/${contactId}/link-account`, { accountId: closed })).body).toMatchObject({
      status: 409,
      code: 'ACCOUNT.CLOSED',
    });
    expect(await head()).toBe(beforeLink);
    expect((await post(`/accounts/${closed}/reopen`, {})).status).toBe(200);
    expect((await post(`/contacts/${contactId}/link-account`, { accountId: closed })).status).toBe(200);
  });

  it('refuses to win a deal in IRR "in USD", and a quote priced in another currency than its deal', async () => {
    const opportunityId = await deal(await account());
    const before = await head();
    const usd = await post(`/opportunities/${opportunityId}/win`, { amount: { amount: 1000, currency: 'USD' } });
    expect(usd.body).toMatchObject({ status: 409, code: 'OPPORTUNITY.CURRENCY_MISMATCH' });
    const quote = await post('/quotes', { opportunityId, lines: lines('USD'), validUntil: daysFromNow(7) });
    expect(quote.body).toMatchObject({ status: 409, code: 'OPPORTUNITY.CURRENCY_MISMATCH' });
    expect(await head()).toBe(before);
  });

  it("keeps every revision of a quote acceptable: in its deal's currency and on an open deal (before, a revision into USD was issued and could never be accepted)", async () => {
    const opportunityId = await deal(await account());
    const quoteId = idOf(await post('/quotes', { opportunityId, lines: lines(), validUntil: daysFromNow(7) }));
    expect((await post(`/quotes/${quoteId}/issue`)).status).toBe(200);
    const before = await head();
    const usd = await post(`/quotes/${quoteId}/revise`, { lines: lines('USD') });
    expect(usd.body).toMatchObject({ status: 409, code: 'OPPORTUNITY.CURRENCY_MISMATCH' });
    // Nor does the deal's currency change under the issued quote (it could never be accepted): reject or revise it first.
    const stranding = await post(`/opportunities/${opportunityId}/revise-estimate`, { amount: { amount: 900_000, currency: 'USD' } });
    expect(stranding.body).toMatchObject({ status: 409, code: 'OPPORTUNITY.QUOTE_OUTSTANDING', details: { quoteIds: [quoteId] } });
    expect(await head()).toBe(before);

    // The deal's estimate moves to USD: the IRR draft is not issued; revised into USD, it is issued and accepted.
    expect((await post(`/quotes/${quoteId}/revise`, { validUntil: daysFromNow(8) })).status).toBe(200);
    expect((await post(`/opportunities/${opportunityId}/revise-estimate`, { amount: { amount: 900_000, currency: 'USD' } })).status).toBe(
      200,
    );
    const at = await head();
    expect((await post(`/quotes/${quoteId}/issue`)).body).toMatchObject({ status: 409, code: 'OPPORTUNITY.CURRENCY_MISMATCH' });
    expect((await post(`/quotes/${quoteId}/revise`, { validUntil: daysFromNow(9) })).body).toMatchObject({
      status: 409,
      code: 'OPPORTUNITY.CURRENCY_MISMATCH',
    });
    expect(await head()).toBe(at);
    expect((await post(`/quotes/${quoteId}/revise`, { lines: lines('USD') })).status).toBe(200);
    expect((await post(`/quotes/${quoteId}/issue`)).status).toBe(200);
    expect((await post(`/quotes/${quoteId}/accept`)).body).toMatchObject({ opportunityWon: true });

    // A lost deal's quote is not revised (reopen the deal first).
    const lost = await deal(await account());
    const onLost = idOf(await post('/quotes', { opportunityId: lost, lines: lines(), validUntil: daysFromNow(7) }));
    expect((await post(`/opportunities/${lost}/lose`, { reason: 'قیمت' })).status).toBe(200);
    const closed = await head();
    expect((await post(`/quotes/${onLost}/revise`, { validUntil: daysFromNow(6) })).body).toMatchObject({
      status: 409,
      code: 'OPPORTUNITY.CLOSED',
    });
    expect(await head()).toBe(closed);
  });

  it("names every broken rule of a quote's lines and validity in one 400; one broken rule keeps its own code", async () => {
    const opportunityId = await deal(await account());
    const mixed = [...lines(), ...lines('USD')];
    const before = await head();
    const both = await post('/quotes', { opportunityId, lines: mixed, validUntil: '2020-01-01' });
    expect(both.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
    expect(fields(both)).toEqual(['lines.0.unitPrice.currency', 'lines.1.unitPrice.currency', 'validUntil']);
    const blank = await post('/quotes', {
      opportunityId,
      lines: [{ ...mixed[0], description: ' ' }, mixed[1]],
      validUntil: daysFromNow(3),
    });
    expect(fields(blank)).toEqual(['lines.0.description', 'lines.0.unitPrice.currency', 'lines.1.unitPrice.currency']);
    const alone = await post('/quotes', { opportunityId, lines: mixed, validUntil: daysFromNow(3) });
    expect(alone.body).toMatchObject({ status: 400, code: 'QUOTE.MIXED_CURRENCY' });
    expect(fields(alone)).toEqual(['lines.0.unitPrice.currency', 'lines.1.unitPrice.currency']);
    // Mixed lines whose first is in another currency than the deal's: the lines' own refusal, not the deal's 409.
    expect((await post('/quotes', { opportunityId, lines: [...lines('USD'), ...lines()], validUntil: daysFromNow(3) })).body).toMatchObject(
      {
        code: 'QUOTE.MIXED_CURRENCY',
      },
    );
    const quoteId = idOf(await post('/quotes', { opportunityId, lines: lines(), validUntil: daysFromNow(3) }));
    const at = await head();
    const revised = await post(`/quotes/${quoteId}/revise`, { lines: mixed, validUntil: '2020-01-01' });
    expect(fields(revised)).toEqual(['lines.0.unitPrice.currency', 'lines.1.unitPrice.currency', 'validUntil']);
    // A total beyond 2^53 − 1 beside a past validity: both named (before, the validity alone, then the total).
    const huge = [{ description: 'ورق', quantity: 2, unitPrice: { amount: 9_000_000_000_000_000, currency: 'IRR' } }];
    for (const path of ['/quotes', `/quotes/${quoteId}/revise`]) {
      const tooLarge = await post(path, {
        opportunityId: path === '/quotes' ? opportunityId : undefined,
        lines: huge,
        validUntil: '2020-01-01',
      });
      expect(tooLarge.body).toMatchObject({ status: 400, code: 'VALIDATION.FAILED' });
      expect(fields(tooLarge)).toEqual(['lines.0.quantity', 'validUntil']);
    }
    expect(await head()).toBe(at);
    expect(at).not.toBe(before);
  });

  it('refuses acceptedAt after validUntil, before the quote was issued, or ahead of now', async () => {
    const opportunityId = await deal(await account());
    const quoteId = idOf(await post('/quotes', { opportunityId, lines: lines(), validUntil: daysFromNow(3) }));
    await post(`/quotes/${quoteId}/issue`);
    const before = await head();
    const late = await post(`/quotes/${quoteId}/accept`, { acceptedAt: `${daysFromNow(5)}T10:00:00+03:30` });
    // Past validUntil and ahead of now at once: the time itself is refused first.
    expect(late.body).toMatchObject({ status: 400, code: 'QUOTE.INVALID_ACCEPTANCE_TIME' });
    const early = await post(`/quotes/${quoteId}/accept`, { acceptedAt: '2020-01-01T10:00:00+03:30' });
    expect(early.body).toMatchObject({ status: 400, code: 'QUOTE.INVALID_ACCEPTANCE_TIME', errors: [{ field: 'acceptedAt' }] });
    expect(await head()).toBe(before);
    expect((await post(`/quotes/${quoteId}/accept`)).status).toBe(200);
  });

  it('lets If-Match: * match any existing aggregate (RFC 9110), and none that does not exist', async () => {
    const accountId = await account();
    const updated = await post(`/accounts/${accountId}/update`, { industry: 'فولاد' }, { 'if-match': '*' });
    expect(updated).toMatchObject({ status: 200, body: { revision: 1 } });
    const missing = await post(`/accounts/${randomUUID()}/update`, { industry: 'فولاد' }, { 'if-match': '*' });
    expect(missing.body).toMatchObject({ status: 412, code: 'CONCURRENCY.REVISION_MISMATCH' });
  });

  it('refuses a complaint, feedback or survey naming a contact, account or quote that does not exist: 404 with its code, naming the field', async () => {
    const before = await head();
    const ghost = randomUUID();
    const complaint = await post('/complaints', {
      complainant: { contactId: ghost },
      channel: 'phone',
      category: 'تاخیر',
      description: 'محموله دیر رسید',
    });
    expect(complaint.body).toMatchObject({ status: 404, code: 'CONTACT.NOT_FOUND', errors: [{ field: 'complainant.contactId' }] });
    const feedback = await post('/feedback', { from: { accountId: ghost }, kind: 'idea', text: 'پیشنهاد', channel: 'web' });
    expect(feedback.body).toMatchObject({ status: 404, code: 'ACCOUNT.NOT_FOUND', errors: [{ field: 'from.accountId' }] });
    const survey = await post('/surveys/responses', {
      surveyType: 'csat',
      respondent: { name: 'مهمان' },
      answers: { score: 4 },
      relatedTo: { type: 'quote', id: ghost },
    });
    expect(survey.body).toMatchObject({ status: 404, code: 'QUOTE.NOT_FOUND', errors: [{ field: 'relatedTo.id' }] });
    expect(await head()).toBe(before);
  });
});
