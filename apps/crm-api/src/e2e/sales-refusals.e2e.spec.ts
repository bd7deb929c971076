import { randomUUID } from 'node:crypto';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import { personalDataLayer, type KeyStore } from '@crm/shared/personal-data';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { daysFromNow, salesClient } from './sales-e2e-support';

describe('sales refusals over HTTP (real server, embedded SQLite)', () => {
  let server: TestApp;
  const { post, events, head, fields } = salesClient(() => server);

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
  });
  afterAll(async () => server.close());

  it('answers 400 problem+json listing every bad field, nested ones included, and appends nothing', async () => {
    const lead = await post('/leads', { fullName: 'سارا نوری', source: 'event', phone: '09123334455' });
    const leadId = lead.body['id'] as string;
    const before = await head();

    const capture = await post('/leads', {
      fullName: ' ',
      source: 'fax',
      email: 'not-an-email',
      phone: '12',
      company: 'x'.repeat(201),
      extra: 1,
    });
    expect(capture.status).toBe(400);
    expect(capture.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(capture.body).toMatchObject({ code: 'VALIDATION.FAILED', title: expect.any(String), detail: expect.any(String) });
    expect(fields(capture)).toEqual(['company', 'email', 'extra', 'fullName', 'phone', 'source']);
    expect(fields(await post('/leads', {}))).toEqual(['email', 'fullName', 'phone', 'source']);

    const qualify = await post(`/leads/${leadId}/qualify`, {
      opportunity: { name: 'x'.repeat(201), estimatedValue: { amount: 1.5, currency: 'rial' }, expectedCloseDate: '2026-13-01', colour: 1 },
      accountId: 'nope',
    });
    expect(fields(qualify)).toEqual([
      'accountId',
      'opportunity.colour',
      'opportunity.estimatedValue.amount',
      'opportunity.estimatedValue.currency',
      'opportunity.expectedCloseDate',
      'opportunity.name',
    ]);
    expect(fields(await post(`/leads/${leadId}/qualify`, {}))).toEqual(['opportunity']);

    const quote = await post('/quotes', {
      opportunityId: randomUUID(),
      lines: [
        { description: 'ورق', quantity: 0, unitPrice: { amount: -1 } },
        { description: '', quantity: 1.2345, unitPrice: { amount: 1, currency: null }, discountPercent: 120 },
      ],
      validUntil: '2026-01-01T10:00:00',
    });
    expect(fields(quote)).toEqual([
      'lines.0.quantity',
      'lines.0.unitPrice.amount',
      'lines.1.description',
      'lines.1.discountPercent',
      'lines.1.quantity',
      'lines.1.unitPrice.currency',
      'validUntil',
    ]);
    expect(fields(await post('/quotes', { opportunityId: randomUUID(), lines: [], validUntil: daysFromNow(3) }))).toEqual(['lines']);

    const purchase = await post(`/accounts/${randomUUID()}/purchases`, {
      amount: { amount: 10 },
      occurredAt: '2026-01-01',
      externalRef: '',
    });
    expect(fields(purchase)).toEqual(['externalRef', 'occurredAt']);
    expect(fields(await post(`/opportunities/${randomUUID()}/move-stage`, { stage: 'won', probability: 101 }))).toEqual([
      'probability',
      'stage',
    ]);
    expect(fields(await post(`/contacts/${randomUUID()}/consent`, { channel: 'pigeon', granted: 'yes' }))).toEqual(['channel', 'granted']);
    expect(fields(await post(`/leads/${leadId}/update`, { phone: null }))).toEqual(['phone']);
    expect(fields(await post('/leads/not-a-uuid/assign', { ownerId: 'u-1' }))).toEqual(['id']);
    expect((await post('/leads', '{"fullName": ')).body).toMatchObject({ status: 400 });
    expect(await head()).toBe(before);
  });

  it('answers 404 for an unknown aggregate, whether addressed or referred to', async () => {
    const before = await head();
    expect((await post(`/leads/${randomUUID()}/update`, { fullName: 'کسی' })).body).toMatchObject({
      status: 404,
      code: 'LEAD.NOT_FOUND',
    });
    expect((await post(`/opportunities/${randomUUID()}/win`, { amount: { amount: 1 } })).status).toBe(404);
    expect((await post(`/quotes/${randomUUID()}/accept`)).status).toBe(404);
    const quote = await post('/quotes', {
      opportunityId: randomUUID(),
      lines: [{ description: 'خدمات', quantity: 1, unitPrice: { amount: 1000 } }],
      validUntil: daysFromNow(3),
    });
    expect(quote.body).toMatchObject({ status: 404, code: 'OPPORTUNITY.NOT_FOUND' });
    const lead = await post('/leads', { fullName: 'حسین صادقی', source: 'campaign', email: 'hossein@example.ir' });
    const qualify = await post(`/leads/${lead.body['id'] as string}/qualify`, {
      opportunity: { name: 'ERP', estimatedValue: { amount: 5 }, expectedCloseDate: daysFromNow(9) },
      accountId: randomUUID(),
    });
    expect(qualify.body).toMatchObject({ status: 404, code: 'ACCOUNT.NOT_FOUND' });
    expect(await events(`lead-${lead.body['id'] as string}`)).toHaveLength(1);
    expect(before).not.toBe(await head());
  });

  it('refuses business rules with 409 and their code, appending nothing', async () => {
    const lead = await post('/leads', { fullName: 'نرگس یزدانی', source: 'social', phone: '09121110000' });
    const id = lead.body['id'] as string;
    await post(`/leads/${id}/disqualify`, { reason: 'no_budget', note: 'بودجه سال بعد' });
    const closed = await post(`/leads/${id}/update`, { company: 'نو' });
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ code: 'LEAD.CLOSED', details: { leadId: id, status: 'disqualified' } });
    expect(
      (await post(`/leads/${id}/qualify`, { opportunity: { name: 'x', estimatedValue: { amount: 1 }, expectedCloseDate: daysFromNow(1) } }))
        .body,
    ).toMatchObject({
      code: 'LEAD.CLOSED',
    });
    expect(await events(`lead-${id}`)).toHaveLength(2);

    const account = await post('/accounts', { name: 'شرکت نمونه', nationalId: '۱۰۱۰۰۱۲۳۴۵۶' });
    const accountId = account.body['id'] as string;
    expect((await events(`account-${accountId}`))[0]?.data).toMatchObject({ nationalId: '10100123456' });
    // A national id is 10 digits (a person's) or 11 (a legal entity's), in any digit script: an outside probe had "abc" and "۱۲۳" taken.
    // Its last digit is a check digit (before, any 10 or 11 digits were taken): one digit mistyped, or one repeated, is refused.
    const wrongCheckDigit = ['10100123457', '۱۰۱۰۰۱۲۳۴۵۷', '0012345678', '٠٠١٢٣٤٥٦٧٨', '0012354679', '1111111111', '10300000000'];
    for (const nationalId of ['abc', '۱۲۳', '1010012345۶7', '10100-123456', ' 10100123456', '101001234567', ...wrongCheckDigit]) {
      const refused = await post('/accounts', { name: 'شرکت نمونه', nationalId });
      expect(refused.body).toMatchObject({ status: 400, errors: [{ field: 'nationalId' }] });
      expect((await post(`/accounts/${accountId}/update`, { nationalId })).body).toMatchObject({
        status: 400,
        errors: [{ field: 'nationalId' }],
      });
    }
    expect((await post(`/accounts/${accountId}/update`, { nationalId: '٠٠١٢٣٤٥٦٧٩' })).status).toBe(200);
    expect((await events(`account-${accountId}`))[1]?.data).toMatchObject({ changes: { nationalId: '0012345679' } });
    // One national id, one account (an outside probe opened three for one شناسه ملی): another account asking for it, in
    // any digit script, is refused naming the one that has it, and nothing is recorded; the id it left is free again.
    const before = await head();
    for (const nationalId of ['0012345679', '٠٠١٢٣٤٥٦٧٩', '۰۰۱۲۳۴۵۶۷۹']) {
      expect(await post('/accounts', { name: 'شرکت دیگر', nationalId })).toMatchObject({
        status: 409,
        body: { code: 'ACCOUNT.DUPLICATE', details: { existingAccountId: accountId } },
      });
    }
    expect(await head()).toBe(before);
    const other = await post('/accounts', { name: 'شرکت دیگر', nationalId: '10100123456' });
    expect(other.status).toBe(201);
    const afterOther = await head();
    expect(await post(`/accounts/${other.body['id'] as string}/update`, { nationalId: '0012345679' })).toMatchObject({
      status: 409,
      body: { code: 'ACCOUNT.DUPLICATE', details: { existingAccountId: accountId } },
    });
    expect(await head()).toBe(afterOther);
    const deal = await post('/opportunities', {
      accountId,
      name: 'قرارداد',
      need: 'نگهداری',
      amount: { amount: 10 },
      expectedCloseDate: daysFromNow(5),
    });
    const dealId = deal.body['id'] as string;
    await post(`/opportunities/${dealId}/lose`, { reason: 'قیمت' });
    expect((await post(`/opportunities/${dealId}/move-stage`, { stage: 'proposal' })).body).toMatchObject({
      status: 409,
      code: 'OPPORTUNITY.CLOSED',
    });
    expect((await post(`/opportunities/${dealId}/reopen`, {})).body).toMatchObject({ revision: 2 });
  });

  it('leaves no data key behind for a capture refused as a duplicate (before, each one left a key nothing was sealed with)', async () => {
    const keys = personalDataLayer(server.app.get<symbol, EventStore>(EVENT_STORE))?.keys.store as KeyStore;
    const leadKeys = async () => (await keys.refsStartingWith('lead-')).map((ref) => ref.subjectRef).sort();
    const first = await post('/leads', { fullName: 'رضا کریمی', source: 'web', phone: '09127770001' });
    expect(first.status).toBe(201);
    const before = await leadKeys();
    expect(before).toContain(`lead-${first.body['id'] as string}`);
    const at = await head();
    for (const email of [undefined, 'reza@example.ir']) {
      const again = await post('/leads', { fullName: 'دیگری', source: 'web', phone: '09127770001', ...(email ? { email } : {}) });
      expect(again.body).toMatchObject({ status: 409, code: 'LEAD.DUPLICATE' });
    }
    expect(await head()).toBe(at);
    expect(await leadKeys()).toEqual(before);
  });

  it('refuses an Idempotency-Key reused for another command on the same lead', async () => {
    const key = { 'idempotency-key': 'reused-key-1' };
    const lead = await post('/leads', { fullName: 'کاوه بهرامی', source: 'web', email: 'kaveh@example.ir' }, key);
    const before = await head();
    const qualify = { opportunity: { name: 'x', estimatedValue: { amount: 1 }, expectedCloseDate: daysFromNow(2) } };
    const reused = await post(`/leads/${lead.body['id'] as string}/qualify`, qualify, key);
    expect(reused.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(await head()).toBe(before);
  });

  it('publishes every sales route in the OpenAPI document', async () => {
    const docs = await http<{
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    }>(server.url, 'GET', '/api/docs-json');
    const routes = [
      '/leads',
      '/leads/{id}/update',
      '/leads/{id}/assign',
      '/leads/{id}/qualify',
      '/leads/{id}/disqualify',
      '/contacts',
      '/contacts/{id}/update',
      '/contacts/{id}/link-account',
      '/contacts/{id}/consent',
      '/accounts',
      '/accounts/{id}/update',
      '/accounts/{id}/close',
      '/accounts/{id}/purchases',
      '/opportunities',
      ...['propose-solution', 'move-stage', 'revise-estimate', 'win', 'lose', 'reopen'].map((c) => `/opportunities/{id}/${c}`),
      '/quotes',
      ...['issue', 'accept', 'reject', 'revise'].map((c) => `/quotes/{id}/${c}`),
    ].map((route) => `/api/v1${route}`);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(routes));
    // Nested bodies are documented by reference, down to the money in a quote line.
    expect(JSON.stringify(docs.body)).not.toContain('"#/components/schemas/"');
    const { schemas } = docs.body.components;
    expect(schemas['CreateQuoteRequestDto']?.properties['lines']).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/QuoteLineDto' },
    });
    expect(JSON.stringify(schemas['QuoteLineDto']?.properties['unitPrice'])).toContain('#/components/schemas/MoneyDto');
    expect(schemas['CaptureLeadRequestDto']?.properties['fullName']).toMatchObject({ maxLength: 200 });
  });
});
