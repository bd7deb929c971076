import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import { brokenChains, readLog } from '../testing/event-log';
import { http, startTestApp, type HttpReply, type TestApp } from '../testing/test-app';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Two API servers on the same stores, as two replicas (or an outsider's second process) share them, sent the same
 * commands at the same moment: the business rules that span requests (one open lead per phone, a key's one command,
 * a step taken once) hold across them, nothing answers 5xx, and the log stays one verified chain per stream.
 */
describe.each(['sqlite', 'postgres'] as const)('two API servers racing on one store (%s)', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-two-servers-'));
  const schema = `two_servers_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const env = {
    CRM_DATA_DIR: dataDir,
    CRM_RATE_LIMIT: 'off',
    ...(kind === 'postgres' ? { CRM_EVENT_STORE: 'postgres', DATABASE_URL, CRM_POSTGRES_SCHEMA: schema } : {}),
  };
  let servers: TestApp[] = [];
  let store: EventStore;
  const replies: HttpReply[] = [];

  /** The request sent to server `i % 2`: the two halves of a burst go to different servers. */
  const post = async (i: number, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const reply = await http((servers[i % 2] as TestApp).url, 'POST', `/api/v1${path}`, body, headers);
    replies.push(reply);
    return reply;
  };

  beforeAll(async () => {
    // One after the other: the first makes the schema, the keys and the bootstrap admin; the second finds them.
    servers = [await startTestApp(env)];
    servers.push(await startTestApp(env));
    store = (servers[0] as TestApp).app.get<EventStore>(EVENT_STORE);
  });
  afterAll(async () => {
    for (const server of servers) await server.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    if (kind !== 'postgres') return;
    const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  afterEach(() => {
    // Each test's own replies: one that failed does not fail the next.
    const failed = replies.splice(0).filter((reply) => reply.status >= 500);
    expect(failed.map((reply) => reply.body)).toEqual([]);
  });

  it('keeps one open lead per phone when captures of it reach both servers at once', async () => {
    const phones = ['09121230001', '09121230002', '09121230003', '09121230004'];
    const head = await store.headPosition();
    // Four captures of each phone, in two spellings, all at once, half on each server.
    const burst = await Promise.all(
      phones.flatMap((phone, p) =>
        [0, 1, 2, 3].map((k) =>
          post(p * 4 + k, '/leads', { fullName: `مشتری ${p}-${k}`, source: 'web', phone: k % 2 === 0 ? phone : `+98${phone.slice(1)}` }),
        ),
      ),
    );
    for (let p = 0; p < phones.length; p += 1) {
      const own = burst.slice(p * 4, p * 4 + 4);
      expect(own.filter((reply) => reply.status === 201)).toHaveLength(1);
      for (const reply of own.filter((r) => r.status !== 201)) {
        expect(reply.status).toBe(409);
        expect(['LEAD.DUPLICATE', 'LEAD.CAPTURE_IN_PROGRESS']).toContain(reply.body['code']);
      }
    }
    const captured = (await readLog(store, head)).filter((event) => event.type === 'LeadCaptured');
    expect(captured).toHaveLength(phones.length);
  });

  it('records a request once when its tries with one Idempotency-Key reach both servers at once', async () => {
    const head = await store.headPosition();
    const keys = ['race-1', 'race-2', 'race-3'];
    const tries = await Promise.all(
      keys.flatMap((key, k) =>
        [0, 1].map((server) =>
          post(
            server,
            '/feedback',
            { from: { name: 'سارا رحیمی' }, kind: 'praise', text: `برخورد کارشناس عالی بود ${k}`, channel: 'web' },
            { 'idempotency-key': key },
          ),
        ),
      ),
    );
    for (let k = 0; k < keys.length; k += 1) {
      const [a, b] = [tries[2 * k] as HttpReply, tries[2 * k + 1] as HttpReply];
      expect([a.status, b.status].every((status) => status === 200 || status === 201)).toBe(true);
      expect(a.body['id']).toBe(b.body['id']);
    }
    const recorded = (await readLog(store, head)).filter((event) => event.type === 'FeedbackSubmitted');
    expect(recorded).toHaveLength(keys.length);
  });

  it('takes a complaint step once when it reaches both servers at once, and refuses the other whole', async () => {
    const complaint = await post(0, '/complaints', {
      complainant: { name: 'رضا کریمی', phone: '۰۹۱۲ ۳۴۵ ۶۷۸۹' },
      channel: 'phone',
      category: 'کیفیت کالا',
      description: 'کالای تحویلی معیوب بود',
    });
    expect(complaint.status).toBe(201);
    const id = String(complaint.body['id']);
    const steps: [string, Record<string, unknown>][] = [
      ['acknowledge', { message: 'شکایت شما ثبت شد' }],
      ['assess', { severity: 'high', urgency: 'urgent', rationale: 'مشتری بدون کالای سالم مانده است' }],
      ['escalate', { toLevel: 'head_office', reason: 'نیاز به تأیید دفتر مرکزی' }],
    ];
    for (const [step, body] of steps) {
      const both = await Promise.all([0, 1].map((server) => post(server, `/complaints/${id}/${step}`, body)));
      expect(both.filter((reply) => reply.status === 200).length).toBeGreaterThanOrEqual(1);
      expect(both.every((reply) => reply.status === 200 || reply.status === 409)).toBe(true);
    }
    const types = (await store.readStream(`complaint-${id}`)).map((event) => event.type);
    // The same assessment twice is one (the second decides nothing); a second acknowledgement or escalation to the
    // same level is refused: each step is in the stream once, and nothing else is.
    expect(types).toEqual(['ComplaintReceived', 'ComplaintAcknowledged', 'ComplaintAssessed', 'ComplaintEscalated']);
  });

  it('adds no contact or deal to an account after its closing, when both reach the two servers at once', async () => {
    let joined = 0;
    let refused = 0;
    for (let round = 0; round < 8; round += 1) {
      const account = await post(round, '/accounts', { name: `شرکت ${round}` });
      expect(account.status).toBe(201);
      const accountId = String(account.body['id']);
      // The closing on one server; a contact created on the account and a deal opened on it, on the other.
      const [closed, contact, deal] = await Promise.all([
        post(round, `/accounts/${accountId}/close`, { reason: 'قرارداد پایان یافت' }),
        post(round + 1, '/contacts', { fullName: `مخاطب ${round}`, accountId }),
        post(round + 1, '/opportunities', {
          accountId,
          name: `فروش ${round}`,
          need: 'ورق فولادی',
          amount: { amount: 1_000_000, currency: 'IRR' },
          expectedCloseDate: '2027-03-01',
        }),
      ]);
      expect(closed.status).toBe(200);
      const accountEvents = await store.readStream(`account-${accountId}`);
      const types = accountEvents.map((event) => event.type);
      const closedAt = types.indexOf('AccountClosed');
      const closing = (accountEvents[closedAt] as { position: string }).position;
      for (const [reply, category] of [
        [contact, 'contact'],
        [deal, 'opportunity'],
      ] as const) {
        if (reply.status === 201) {
          joined += 1;
          const [created] = await store.readStream(`${category}-${String(reply.body['id'])}`);
          expect(store.comparePositions(String(created?.position), closing)).toBeLessThan(0);
          continue;
        }
        refused += 1;
        expect([reply.status, reply.body['code']]).toEqual([409, 'ACCOUNT.CLOSED']);
      }
      // Every addition that was recorded is recorded on the account too, before its closing: never after it.
      expect(types.slice(closedAt + 1)).toEqual([]);
      expect(types.filter((type) => type === 'AccountLinkRecorded')).toHaveLength([contact, deal].filter((r) => r.status === 201).length);
    }
    expect(joined + refused).toBe(16);
  });

  it('leaves every stream one verified chain', async () => {
    expect(brokenChains(await readLog(store))).toEqual([]);
  });
});
