import { http, startTestApp, type TestApp } from '../testing/test-app';

/**
 * The deal list sorted by name reads in the Persian order (an outside probe: it was code-point order, so پ, چ, ژ, ک
 * and گ came after و, and a name typed on an Arabic keyboard, كيان, far from کیان), page by page with the cursor.
 */
// A name whose sort key is past what a cursor carries (2 characters a letter, 5 a hyphen): the page it ends still has a
// next page (a review of this round's change: its cursor was refused).
const LONG = `${'ش'.repeat(150)}${'-'.repeat(50)}`;

describe('deal list by name in the Persian order (real server, embedded SQLite)', () => {
  let server: TestApp;
  let last = '';

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    const names = ['وحید', 'گلستان', 'پارس', 'كيان', 'چوب', 'آرمان', LONG];
    for (const [index, name] of names.entries()) {
      const lead = await http(server.url, 'POST', '/api/v1/leads', { fullName: 'مریم احمدی', source: 'web', phone: `0912000000${index}` });
      expect(lead.status).toBe(201);
      const qualified = await http(server.url, 'POST', `/api/v1/leads/${lead.body['id']}/qualify`, {
        opportunity: { name, estimatedValue: { amount: 1_000_000, currency: 'IRR' }, expectedCloseDate: '2026-12-20' },
      });
      expect(qualified.status).toBe(200);
      last = qualified.body['position'] as string;
    }
  });
  afterAll(async () => server.close());

  const page = async (query: string) => {
    const reply = await http<{ items: { name: string }[]; nextCursor: string | null }>(
      server.url,
      'GET',
      `/api/v1/views/pipeline/opportunities?sort=name&${query}&minPosition=${last}`,
    );
    expect(reply.status).toBe(200);
    return reply.body;
  };

  it('sorts ascending and descending in the Persian alphabet, and pages through it by cursor', async () => {
    const order = ['آرمان', 'پارس', 'چوب', LONG, 'كيان', 'گلستان', 'وحید'];
    expect((await page('order=asc')).items.map((item) => item.name)).toEqual(order);
    expect((await page('order=desc')).items.map((item) => item.name)).toEqual([...order].reverse());
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const body = await page(`order=asc&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...body.items.map((item) => item.name));
      cursor = body.nextCursor;
    }
    expect(seen).toEqual(order);
  });
});
