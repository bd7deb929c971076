import { randomUUID } from 'node:crypto';
import { http, issueKey, readYourWrites, startTestApp, type HttpReply, type TestApp } from '../testing/test-app';
import { openCustomer, type Customer } from './activities-e2e-support';

interface Row {
  id: string;
  subject: string;
  status: string;
  dueAt: string;
  assignee: Record<string, string>;
  occurrences: { index: number; status: string; outcome: string | null }[];
}
type Page = { items: Row[]; nextCursor: string | null; limit: number };

const fields = (reply: HttpReply): string[] => ((reply.body['errors'] as { field: string }[] | undefined) ?? []).map((e) => e.field).sort();

describe('the activity list: GET /activities and /activities/{id} (real server, embedded SQLite)', () => {
  let server: TestApp;
  let customer: Customer;
  const { post, get, position } = readYourWrites(() => server);
  const page = async (query: string, headers: Record<string, string> = {}): Promise<HttpReply<Page>> =>
    http<Page>(server.url, 'GET', `/api/v1/activities?${query}${query ? '&' : ''}minPosition=${position()}`, undefined, headers);
  const user = `user-${randomUUID()}`;
  const ids: Record<string, string> = {};

  const schedule = async (name: string, body: Record<string, unknown>) => {
    const reply = await post('/activities', {
      type: 'phone_call',
      subject: `تماس ${name}`,
      regarding: { type: 'opportunity', id: customer.opportunityId },
      assignee: { userId: user },
      ...body,
    });
    ids[name] = reply.body['id'] as string;
  };

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    customer = await openCustomer(() => server);
    // Due in this order: overdue (2025), then one rescheduled ahead of it, a weekly series, one far ahead.
    await schedule('overdue', { dueAt: '2025-03-01T10:00:00+03:30' });
    await schedule('moved', { dueAt: '2030-01-01T10:00:00+03:30' });
    await post(`/activities/${ids['moved'] as string}/reschedule`, { dueAt: '2025-02-01T10:00:00+03:30' });
    await schedule('series', { dueAt: '2025-04-01T10:00:00+03:30', recurrence: { frequency: 'weekly', interval: 1, count: 3 } });
    await post(`/activities/${ids['series'] as string}/complete`, { occurrence: 0, outcome: 'مشتری پاسخ داد' });
    await schedule('later', { type: 'appointment', dueAt: '2031-01-01T10:00:00+03:30' });
    await schedule('done', { dueAt: '2025-01-15T10:00:00+03:30' });
    await post(`/activities/${ids['done'] as string}/complete`, { outcome: 'انجام شد' });
    await schedule('team', { dueAt: '2025-01-10T10:00:00+03:30', assignee: { teamId: `team-${user}` } });
    await schedule('handed', { dueAt: '2025-01-20T10:00:00+03:30', assignee: { userId: `other-${user}` } });
    await post(`/activities/${ids['handed'] as string}/reassign`, { assignee: { userId: user } });
  });
  afterAll(async () => server.close());

  it("lists one person's open activities, due first, a reassignment and a reschedule included", async () => {
    const reply = await page(`userId=${user}&status=open`);
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((row) => row.id)).toEqual(['handed', 'moved', 'overdue', 'series', 'later'].map((name) => ids[name]));
    const series = reply.body.items.find((row) => row.id === ids['series']);
    // A series is due at its earliest open occurrence: the first is done.
    expect(series).toMatchObject({ status: 'open', dueAt: '2025-04-08T06:30:00.000Z' });
    expect(series?.occurrences.map((o) => [o.status, o.outcome])).toEqual([
      ['completed', 'مشتری پاسخ داد'],
      ['open', null],
      ['open', null],
    ]);
    expect(reply.body.nextCursor).toBeNull();
    const closed = await page(`userId=${user}&status=closed`);
    expect(closed.body.items.map((row) => row.id)).toEqual([ids['done']]);
    const team = await page(`teamId=team-${user}`);
    expect(team.body.items.map((row) => [row.id, row.assignee])).toEqual([[ids['team'], { teamId: `team-${user}` }]]);
  });

  it('answers what is overdue (open, due to now), by type, in a period of business days, and about one record', async () => {
    const now = new Date().toISOString();
    const overdue = await page(`userId=${user}&status=open&dueTo=${encodeURIComponent(now)}`);
    expect(overdue.body.items.map((row) => row.id)).toEqual(['handed', 'moved', 'overdue', 'series'].map((name) => ids[name]));
    const appointments = await page(`userId=${user}&type=appointment`);
    expect(appointments.body.items.map((row) => row.id)).toEqual([ids['later']]);
    // 2025-03-01 10:00 Tehran is on the business day 2025-03-01; a date as dueTo takes in the whole of it.
    const march = await page(`userId=${user}&dueFrom=2025-03-01&dueTo=2025-03-01`);
    expect(march.body.items.map((row) => row.id)).toEqual([ids['overdue']]);
    const about = await page(`regardingType=opportunity&regardingId=${customer.opportunityId.toUpperCase()}&status=closed`);
    expect(about.body.items.map((row) => row.id)).toEqual([ids['done']]);
  });

  it('pages by cursor through every row exactly once, and refuses a cursor given with other filters', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const reply: HttpReply<Page> = await page(`userId=${user}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(reply.status).toBe(200);
      // A cursor only where rows follow: 6 rows by 2 are three pages, not a fourth empty one.
      expect(reply.body.items.length).toBeGreaterThan(0);
      seen.push(...reply.body.items.map((row) => row.id));
      cursor = reply.body.nextCursor;
    } while (cursor !== null);
    const all = await page(`userId=${user}`);
    expect(seen).toEqual(all.body.items.map((row) => row.id));
    expect(new Set(seen).size).toBe(6);

    const first = await page(`userId=${user}&limit=2`);
    const crossed = await page(`userId=${user}&status=open&limit=2&cursor=${first.body.nextCursor as string}`);
    expect(crossed.status).toBe(400);
    expect(fields(crossed)).toEqual(['cursor']);
  });

  it('reads one activity, and answers 404 for an unknown one or another tenant’s', async () => {
    const one = await get(`/activities/${ids['done'] as string}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id: ids['done'],
      type: 'phone_call',
      subject: 'تماس done',
      status: 'closed',
      regarding: { type: 'opportunity', id: customer.opportunityId },
      occurrences: [{ index: 0, status: 'completed', outcome: 'انجام شد', completedAt: expect.any(String) }],
    });
    const unknown = await get(`/activities/${randomUUID()}`);
    expect(unknown.body).toMatchObject({ status: 404, code: 'ACTIVITY.NOT_FOUND' });

    const acme = await issueKey(server, { name: 'acme sales', roles: ['sales'], tenantId: `acme-${randomUUID().slice(0, 8)}` });
    const foreign = await http(server.url, 'GET', `/api/v1/activities/${ids['done'] as string}`, undefined, acme.headers);
    expect(foreign.body).toMatchObject({ status: 404, code: 'ACTIVITY.NOT_FOUND' });
    expect((await page(`userId=${user}`, acme.headers)).body.items).toEqual([]);
  });

  it('is read by sales, marketing and service, not by an analyst', async () => {
    for (const role of ['sales', 'marketing', 'service']) {
      const key = await issueKey(server, { name: role, roles: [role] });
      expect((await page(`userId=${user}`, key.headers)).status).toBe(200);
    }
    const analyst = await issueKey(server, { name: 'analyst', roles: ['analyst'] });
    expect((await page(`userId=${user}`, analyst.headers)).body).toMatchObject({ status: 403, code: 'AUTH.FORBIDDEN' });
  });

  it('answers 400 naming every bad parameter at once', async () => {
    const reply = await page(
      'userId=a&teamId=b&status=late&type=fax&regardingType=contact&dueFrom=2025-03-02&dueTo=2025-03-01&limit=0&cursor=x&zz=1',
    );
    expect(reply.status).toBe(400);
    expect(fields(reply)).toEqual(['cursor', 'dueTo', 'limit', 'regardingId', 'status', 'teamId', 'type', 'zz']);
    expect((await get('/activities/not-a-uuid')).status).toBe(400);
    // Each rule alone too (an outside probe: `regardingType` alone answered every activity of the tenant).
    for (const [query, field] of [
      ['regardingType=contact', 'regardingId'],
      [`regardingId=${customer.contactId}`, 'regardingType'],
      ['userId=a&teamId=b', 'teamId'],
      ['dueFrom=2025-03-02&dueTo=2025-03-01', 'dueTo'],
      // A blank person or team, as a schedule refuses it (an outside probe: 200 with nothing listed).
      ['userId=', 'userId'],
      ['userId=%20%20', 'userId'],
      ['teamId=%E2%80%8C', 'teamId'],
      [`userId=${'x'.repeat(101)}`, 'userId'],
    ]) {
      const alone = await page(query as string);
      expect(alone.status).toBe(400);
      expect(fields(alone)).toEqual([field]);
    }
  });

  it("reads an erased person's activity texts as [erased]", async () => {
    const contactId = (await post('/contacts', { fullName: 'رضا کریمی', phone: '09123334455' })).body['id'] as string;
    const scheduled = await post('/activities', {
      type: 'task',
      subject: 'ارسال کاتالوگ برای رضا کریمی',
      description: 'شماره همراه 09123334455',
      regarding: { type: 'contact', id: contactId },
      assignee: { userId: user },
      dueAt: '2025-05-01T10:00:00+03:30',
    });
    const id = scheduled.body['id'] as string;
    expect((await get(`/activities/${id}`)).body).toMatchObject({ subject: 'ارسال کاتالوگ برای رضا کریمی' });
    const erased = await http(server.url, 'POST', '/api/v1/data-subjects/erase', {
      subject: { type: 'contact', id: contactId },
      reason: 'درخواست حذف',
    });
    expect(erased.status).toBe(200);
    const after = await http(server.url, 'GET', `/api/v1/activities/${id}?minPosition=${erased.body['position'] as string}`);
    expect(after.body).toMatchObject({ subject: '[erased]', description: '[erased]', regarding: { type: 'contact', id: contactId } });
  });
});
