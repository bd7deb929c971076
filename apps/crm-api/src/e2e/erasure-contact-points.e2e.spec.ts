import { http, startTestApp, type HttpReply, type TestApp } from '../testing/test-app';

interface AccessReply {
  readonly erasure: { readonly reason: string } | null;
  readonly records: readonly { readonly streamId: string }[];
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * The same email or phone is the same person, as dedupe takes it (docs/personal-data.md "Who can be named"): what
 * someone not on file makes with a person's phone is theirs, and erased with them. An outside privacy probe posted
 * such complaints every 20 ms while an erasure ran: those made after its listings stayed readable in clear once it had
 * replied (71–95 of them). Now an erasure holds the person's emails and phones from its fence until it is recorded:
 * what is made with them meanwhile is refused, and what was made before is erased.
 */
describe('an erasure and what is made meanwhile with the person’s phone by someone not on file (real server, embedded SQLite)', () => {
  let server: TestApp;
  const post = (path: string, body: unknown): Promise<HttpReply> => http(server.url, 'POST', `/api/v1${path}`, body);
  const get = <T = Record<string, unknown>>(path: string) => http<T>(server.url, 'GET', `/api/v1${path}`);

  beforeAll(async () => {
    server = await startTestApp();
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  /**
   * Walk-in complaints with `phone`, one every 20 ms while `erase` runs: every one answered 201 reads [erased] once the
   * erasure has replied, and some were refused as about a person being erased (nothing appended for those).
   */
  async function walkInsDuring(phone: string, text: string, erase: () => Promise<HttpReply>) {
    const made: string[] = [];
    const refused: number[] = [];
    let erasing = true;
    const posting = (async () => {
      for (let n = 0; erasing; n += 1) {
        const reply = await post('/complaints', {
          complainant: { name: 'تماس‌گیرنده', phone },
          channel: 'phone',
          category: 'صورتحساب',
          description: `${text} ${n}`,
        });
        if (reply.status === 201) made.push(reply.body['id'] as string);
        else {
          expect(reply.body).toMatchObject({ status: 409, code: 'PERSONAL_DATA.ERASED' });
          refused.push(n);
        }
        await sleep(20);
      }
    })();
    await sleep(100);
    const erased = await erase();
    erasing = false;
    await posting;
    expect(erased.status).toBe(200);
    expect(refused.length).toBeGreaterThan(0);
    for (const id of made) expect(JSON.stringify((await get(`/streams/complaint-${id}`)).body)).not.toContain(text);
    return { made, erased };
  }

  it('erasing a lead: made before or while it runs, refused or erased; after it, taken again as someone new', async () => {
    const phone = '09127770011';
    const text = 'مبلغ اشتراک دو بار کسر شد';
    const lead = await post('/leads', { fullName: 'الهام رضوی', phone, source: 'web' });
    expect(lead.status).toBe(201);
    const leadId = lead.body['id'] as string;
    const { made, erased } = await walkInsDuring(phone, text, () =>
      post('/data-subjects/erase', { subject: { type: 'lead', id: leadId }, reason: 'درخواست حذف' }),
    );
    expect(made.length).toBeGreaterThan(0);
    // The person's access report still lists what the erasure took with them; each of those reads as erased.
    const access = await get<AccessReply>(`/data-subjects/lead/${leadId}`);
    expect(access.body.erasure).toMatchObject({ reason: 'درخواست حذف' });
    const streams = access.body.records.map((record) => record.streamId);
    for (const id of made) expect(streams).toContain(`complaint-${id}`);
    expect(erased.body['records']).toBe(streams.length);
    // Named by one of those complaints: erased already, with the lead, and not erased twice.
    const [first] = made as [string];
    // Shown with that erasure's moment, not its reason (the other person's words, which may name them).
    expect((await get<AccessReply>(`/data-subjects/complaint/${first}`)).body.erasure).toEqual({
      erasedAt: expect.any(String),
      reason: 'erased with the records of a person with the same email or phone',
    });
    expect(await post('/data-subjects/erase', { subject: { type: 'complaint', id: first }, reason: 'دوباره' })).toMatchObject({
      status: 409,
      body: { code: 'DATA_SUBJECT.ERASED' },
    });
    // Let go 2 s after the reply, seen by every process within their cache time (2 s more): the phone is nobody's, taken in clear.
    await sleep(4_500);
    const later = await post('/complaints', {
      complainant: { name: 'کس دیگری', phone },
      channel: 'phone',
      category: 'صورتحساب',
      description: 'شکایت تازه',
    });
    expect(later.status).toBe(201);
    expect(JSON.stringify((await get(`/streams/complaint-${later.body['id'] as string}`)).body)).toContain('شکایت تازه');
  }, 60_000);

  it('erasing someone named by their complaint: the others made with its phone while it runs are refused or erased', async () => {
    const phone = '09127770022';
    const text = 'کارت هدیه پذیرفته نشد';
    const named = await post('/complaints', {
      complainant: { name: 'بهروز', phone },
      channel: 'phone',
      category: 'کارت هدیه',
      description: `${text} اول`,
    });
    expect(named.status).toBe(201);
    const id = named.body['id'] as string;
    const { made, erased } = await walkInsDuring(phone, text, () =>
      post('/data-subjects/erase', { subject: { type: 'complaint', id }, reason: 'درخواست شاکی' }),
    );
    expect(erased.body['records']).toBe(1 + made.length);
    expect(JSON.stringify((await get(`/streams/complaint-${id}`)).body)).not.toContain(text);
  }, 60_000);
});
