import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BUSINESS_CALENDAR, ManualClock } from '@crm/shared/kernel';
import { ServiceOptionsModule } from '@crm/service/application';
import { http, issueKey, startTestApp, type IssuedKey, type TestApp } from '../testing/test-app';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = '2025-03-01T06:30:00.000Z';
const T1 = '2025-04-01T06:00:00.000Z';
/** The last test's complaint: apart from every period the tests before it count. */
const T_APART = '2024-01-10T06:00:00.000Z';
const plus = (base: string, ms: number) => new Date(Date.parse(base) + ms).toISOString();

type Body = Record<string, unknown>;
interface Step {
  readonly revision: number;
  readonly type: string;
  readonly actor: { readonly id: string; readonly onBehalfOf?: string };
  readonly from: string | null;
  readonly to: string;
  readonly escalationLevel: string;
  readonly deadlines: { readonly acknowledgeBy: string; readonly resolveBy: string };
  readonly label: string;
  readonly labelFa: string;
}

describe('complaint views through HTTP (real server, embedded SQLite, projections in-process)', () => {
  const clock = new ManualClock(T0);
  let server: TestApp;
  let callCentre: IssuedKey;
  let position = '0';
  const get = (path: string) => http(server.url, 'GET', `/api/v1${path}`);
  // One service key for the call centre; the person behind each step comes as X-On-Behalf-Of.
  const as = (person: string) => ({ ...callCentre.headers, 'x-on-behalf-of': person });
  async function post(path: string, body: Body, actor = 'agent-12'): Promise<Body> {
    const reply = await http(server.url, 'POST', `/api/v1${path}`, body, as(actor));
    if (reply.status >= 300) throw new Error(`POST ${path} → ${reply.status} ${JSON.stringify(reply.body)}`);
    position = reply.body['position'] as string;
    return reply.body;
  }
  /** Steps run in time order, the clock set to each step's time first. */
  async function run(steps: readonly [string, string, Body, string?][]) {
    for (const [time, path, body, actor] of [...steps].sort(([a], [b]) => Date.parse(a) - Date.parse(b))) {
      clock.set(time);
      await post(path, body, actor);
    }
  }
  const receive = async (time: string, category: string, actor = 'agent-12') => {
    clock.set(time);
    const complainant = { name: 'مریم احمدی', phone: '۰۹۱۲ ۱۱۱ ۲۲۳۳' };
    return (await post('/complaints', { complainant, channel: 'phone', category, description: 'سفارش با تأخیر و آسیب‌دیده رسید' }, actor))[
      'id'
    ] as string;
  };

  beforeAll(async () => {
    server = await startTestApp(
      { CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' },
      // No SLA timer: breaches recorded here are the ones the handling steps reveal themselves.
      { clock, contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 0 })] },
    );
    callCentre = await issueKey(server, { name: 'call-centre', roles: ['service'] });
  });
  afterAll(async () => server.close());

  it('traces a Persian complaint from receipt to satisfaction: who, when, from → to, level, deadlines, breaches, integrity', async () => {
    const id = await receive(T0, 'کیفیت کالا');
    const at = (ms: number) => plus(T0, ms);
    await run([
      [at(20 * 60_000), `/complaints/${id}/acknowledge`, { message: 'شکایت شما ثبت شد' }],
      [at(30 * 60_000), `/complaints/${id}/assess`, { severity: 'high', rationale: 'مشتری بدون کالای سالم مانده است' }, 'supervisor-3'],
      [at(5 * HOUR), `/complaints/${id}/escalate`, { toLevel: 'head_office', reason: 'نیاز به تأیید تعویض از دفتر مرکزی' }, 'supervisor-3'],
      [at(DAY), `/complaints/${id}/respond`, { response: 'کالا تعویض می‌شود' }],
      [at(DAY + HOUR), `/complaints/${id}/communicate-decision`, { decision: 'تعویض کالا ظرف سه روز کاری', channel: 'sms' }],
      [at(DAY + 2 * HOUR), `/complaints/${id}/close`, { outcome: 'resolved' }],
      [at(2 * DAY), `/complaints/${id}/reopen`, { reason: 'کالای جایگزین هم معیوب بود' }, 'manager-1'],
      [at(2 * DAY + 3 * HOUR), `/complaints/${id}/respond`, { response: 'وجه کامل بازگردانده می‌شود' }],
      [at(2 * DAY + 4 * HOUR), `/complaints/${id}/communicate-decision`, { decision: 'بازپرداخت کامل وجه', channel: 'phone' }],
      // Past the restarted 3-day resolution deadline (2 days + 3 days): closing records the breach itself.
      [at(5 * DAY + 6 * HOUR), `/complaints/${id}/close`, { outcome: 'resolved', note: 'وجه بازگردانده شد' }, 'manager-1'],
      [at(5 * DAY + 8 * HOUR), `/complaints/${id}/satisfaction`, { score: 4, comment: 'پیگیری خوب بود ولی طول کشید' }],
    ]);

    const reply = await get(`/views/complaints/${id}/audit-trail?minPosition=${position}`);
    expect(reply.status).toBe(200);
    const steps = reply.body['steps'] as Step[];
    expect(steps.every((s) => s.actor.id === callCentre.id)).toBe(true);
    expect(steps.map((s) => [s.revision, s.type, s.actor.onBehalfOf, s.from, s.to, s.escalationLevel])).toEqual([
      [0, 'ComplaintReceived', 'agent-12', null, 'received', 'local'],
      [1, 'ComplaintAcknowledged', 'agent-12', 'received', 'acknowledged', 'local'],
      [2, 'ComplaintAssessed', 'supervisor-3', 'acknowledged', 'acknowledged', 'local'],
      [3, 'ComplaintEscalated', 'supervisor-3', 'acknowledged', 'acknowledged', 'head_office'],
      [4, 'ComplaintResponded', 'agent-12', 'acknowledged', 'responded', 'head_office'],
      [5, 'ComplaintDecisionCommunicated', 'agent-12', 'responded', 'decision_communicated', 'head_office'],
      [6, 'ComplaintClosed', 'agent-12', 'decision_communicated', 'closed', 'head_office'],
      [7, 'ComplaintReopened', 'manager-1', 'closed', 'investigating', 'head_office'],
      [8, 'ComplaintResponded', 'agent-12', 'investigating', 'responded', 'head_office'],
      [9, 'ComplaintDecisionCommunicated', 'agent-12', 'responded', 'decision_communicated', 'head_office'],
      [10, 'ComplaintClosed', 'manager-1', 'decision_communicated', 'closed', 'head_office'],
      [11, 'ComplaintSlaBreached', 'manager-1', 'closed', 'closed', 'head_office'],
      [12, 'ComplaintHandlingSatisfactionRecorded', 'agent-12', 'closed', 'closed', 'head_office'],
    ]);
    // Provisional (medium) until assessed as high; the acknowledgement, met before the assessment, keeps the deadline
    // it was judged against; the reopening restarts the 3-day resolution clock.
    const provisional = { acknowledgeBy: at(DAY), resolveBy: at(7 * DAY) };
    const high = { acknowledgeBy: at(DAY), resolveBy: at(3 * DAY) };
    const reopened = { ...high, resolveBy: at(5 * DAY) };
    const times = (count: number, deadlines: Step['deadlines']) => Array.from({ length: count }, () => deadlines);
    expect(steps.map((s) => s.deadlines)).toEqual([...times(2, provisional), ...times(5, high), ...times(6, reopened)]);
    expect(steps[3]).toMatchObject({
      label: 'Escalated from local to head office',
      labelFa: 'ارجاع به سطح بالاتر',
      occurredAt: at(5 * HOUR),
    });
    expect(steps[12]).toMatchObject({ label: 'Satisfaction with handling 4/5', details: { score: 4, outcome: 'resolved' } });
    expect(reply.body).toMatchObject({
      complaintId: id,
      streamId: `complaint-${id}`,
      status: 'closed',
      escalationLevel: 'head_office',
      severity: 'high',
      reopenCount: 1,
      outcome: 'resolved',
      breaches: [
        { milestone: 'resolve', deadline: at(5 * DAY), detectedAt: at(5 * DAY + 6 * HOUR), metAt: at(5 * DAY + 6 * HOUR), revision: 11 },
      ],
      lastRevision: 12,
      integrity: { ok: true, checked: 13 },
    });
    // Its stream for the auditor, by its id in capitals too, as on every route.
    expect((await get(`/streams/complaint-${id.toUpperCase()}`)).body).toMatchObject({
      streamId: `complaint-${id}`,
      integrity: { ok: true, checked: 13 },
    });

    if (server.config.eventStore === 'sqlite') {
      // An edit behind the store's back (a response rewritten in the file) shows at the next request, at that revision.
      const db = new Database(join(server.config.dataDir, 'crm.sqlite'));
      db.prepare(`UPDATE events SET data = json_set(data, '$.response', 'پاسخ دیگری') WHERE stream_id = ? AND revision = 4`).run(
        `complaint-${id}`,
      );
      db.close();
      const tampered = await get(`/views/complaints/${id}/audit-trail`);
      expect(tampered.body['integrity']).toEqual({ ok: false, checked: 4, brokenAtRevision: 4, reason: 'hash_mismatch' });
    }

    expect((await get(`/views/complaints/0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d/audit-trail`)).body).toMatchObject({
      status: 404,
      code: 'COMPLAINT.NOT_FOUND',
    });
    expect((await get(`/views/complaints/not-a-uuid/audit-trail`)).body).toMatchObject({ status: 400, errors: [{ field: 'id' }] });
    // The same complaint, its id in capitals (format uuid allows them): not a 404.
    expect((await get(`/views/complaints/${id.toUpperCase()}/audit-trail`)).body).toMatchObject({ complaintId: id, lastRevision: 12 });
  });

  it('computes complaint KPIs over the complaints received in a period', async () => {
    const a = await receive(T1, 'کیفیت کالا');
    const b = await receive(plus(T1, HOUR), 'تحویل دیرهنگام');
    const c = await receive(plus(T1, 2 * HOUR), 'كيفيت كالا');
    const d = await receive(plus(T1, 3 * HOUR), 'تحویل دیرهنگام');
    const A = (ms: number) => plus(T1, ms);
    const B = (ms: number) => plus(T1, HOUR + ms);
    const D = (ms: number) => plus(T1, 3 * HOUR + ms);
    const decided = (id: string, time: (ms: number) => string, ms: number): [string, string, Body][] => [
      [time(ms), `/complaints/${id}/respond`, { response: 'پاسخ داده شد' }],
      [time(ms + HOUR), `/complaints/${id}/communicate-decision`, { decision: 'جبران خسارت', channel: 'sms' }],
    ];
    await run([
      [A(10 * 60_000), `/complaints/${a}/assess`, { severity: 'high' }],
      [A(2 * HOUR), `/complaints/${a}/acknowledge`, {}],
      [A(3 * HOUR), `/complaints/${a}/escalate`, { toLevel: 'head_office', reason: 'مبلغ بالا' }],
      ...decided(a, A, DAY),
      [A(26 * HOUR), `/complaints/${a}/close`, { outcome: 'resolved' }],
      [A(27 * HOUR), `/complaints/${a}/satisfaction`, { score: 5 }],
      [B(10 * 60_000), `/complaints/${b}/assess`, { severity: 'low' }],
      [B(6 * HOUR), `/complaints/${b}/acknowledge`, {}],
      [B(7 * HOUR), `/complaints/${b}/escalate`, { toLevel: 'head_office', reason: 'پیگیری نشد' }],
      [B(8 * HOUR), `/complaints/${b}/escalate`, { toLevel: 'legal', reason: 'شکایت به مرجع قضایی' }],
      ...decided(b, B, 2 * DAY - 2 * HOUR),
      [B(50 * HOUR), `/complaints/${b}/close`, { outcome: 'resolved' }],
      [B(51 * HOUR), `/complaints/${b}/satisfaction`, { score: 2 }],
      [B(3 * DAY), `/complaints/${b}/reopen`, { reason: 'مشکل ادامه دارد' }],
      ...decided(b, B, 3 * DAY + 2 * HOUR),
      [B(4 * DAY), `/complaints/${b}/close`, { outcome: 'resolved' }],
      [B(4 * DAY + HOUR), `/complaints/${b}/satisfaction`, { score: 3 }],
      [D(30 * 60_000), `/complaints/${d}/acknowledge`, {}],
      [D(HOUR), `/complaints/${d}/close`, { outcome: 'withdrawn' }],
      [D(2 * HOUR), `/complaints/${d}/satisfaction`, { score: 4 }],
    ]);
    expect(c).toEqual(expect.any(String));
    clock.set(plus(T1, 10 * DAY));

    const reply = await get(`/views/complaints/kpis?from=2025-04-01&to=2025-04-30&minPosition=${position}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      // asOf defaults to the server's clock.
      asOf: plus(T1, 10 * DAY),
      asOfPrecision: 'instant',
      from: '2025-04-01',
      to: '2025-04-30',
      complaints: 4,
      // a 2 h, b 6 h, d 0.5 h.
      timeToAcknowledge: { count: 3, meanHours: 2.83, medianHours: 2 },
      // a 26 h; b 96 h, to the closing that left it resolved; d was withdrawn, c is open.
      timeToResolve: { count: 2, meanHours: 61, medianHours: 61 },
      slaCompliance: {
        // The figure counts recorded outcomes (docs/metrics.md): c is past both deadlines, but no deadline watcher ran
        // in this test to record the breaches, so both stay pending — and show as overdue. d's withdrawal is outside the resolution SLA (void).
        // Everything else was on time (b twice: one per cycle).
        due: 6,
        met: 6,
        missed: 0,
        pending: 2,
        overdue: 2,
        void: 1,
        rate: 1,
        byMilestone: {
          acknowledge: { due: 3, met: 3, missed: 0, pending: 1, overdue: 1, void: 0, rate: 1 },
          resolve: { due: 3, met: 3, missed: 0, pending: 1, overdue: 1, void: 1, rate: 1 },
        },
        breachesRecorded: 0,
        breachesWithdrawn: 0,
      },
      escalation: {
        head_office: { complaints: 2, rate: 0.5 },
        external_body: { complaints: 1, rate: 0.25 },
        legal: { complaints: 1, rate: 0.25 },
      },
      reopen: { closed: 3, reopened: 1, reopenings: 1, rate: 0.3333 },
      satisfaction: { responses: 4, mean: 3.5 },
      byStatus: { received: 1, acknowledged: 0, investigating: 0, responded: 0, decision_communicated: 0, closed: 3 },
      bySeverity: { low: 1, medium: 0, high: 1, critical: 0, unassessed: 2 },
      // The Arabic spelling of c's category counts with a's.
      byCategory: [
        { category: 'تحویل دیرهنگام', count: 2 },
        { category: 'کیفیت کالا', count: 2 },
      ],
    });

    const late = await get(`/views/complaints/kpis?from=${encodeURIComponent(plus(T1, 2.5 * HOUR))}&to=2025-04-30`);
    expect(late.body).toMatchObject({ complaints: 1, bySeverity: { unassessed: 1 }, reopen: { closed: 1, rate: 0 } });
    const early = await get(`/views/complaints/kpis?from=2025-04-01&to=2025-04-30&asOf=${encodeURIComponent(A(HOUR))}`);
    // As of one hour in, only a and b had been received: four milestones, none settled; no later step counts.
    expect(early.body).toMatchObject({ complaints: 2, slaCompliance: { due: 0, pending: 4, rate: null }, byStatus: { received: 2 } });
    const april = await get('/views/satisfaction?from=2025-04-01&to=2025-04-30');
    expect(april.body['overall']).toMatchObject({ complaintHandling: { responses: 4, mean: 3.5 } });
    expect((await get('/views/complaints/kpis?from=2025-04-31&asOf=yesterday')).body).toMatchObject({
      status: 400,
      errors: [{ field: 'from' }, { field: 'asOf' }],
    });
    // A period upside down is named, not answered with zeros (an outside probe had 200 and every figure 0).
    for (const view of ['complaints/kpis', 'satisfaction']) {
      const reversed = await get(`/views/${view}?from=2025-04-30&to=2025-04-29`);
      expect([view, reversed.status, reversed.body['errors']]).toEqual([
        view,
        400,
        [{ field: 'to', messages: ['to must not be before from'] }],
      ]);
      expect((await get(`/views/${view}?from=2025-03-01&to=2025-03-01`)).status).toBe(200);
    }
    // A period of past facts that starts after its figures are taken (now, or asOf) can hold nothing: named, as churn's
    // range is (an outside probe had 200 and no periods, where churn said 400).
    const now = clock.now().getTime();
    const tomorrow = BUSINESS_CALENDAR.day(new Date(now + 24 * HOUR).toISOString());
    const later = encodeURIComponent(new Date(now + 60_000).toISOString());
    const refusals = [
      [`/views/complaints/kpis?from=${tomorrow}`, 'from must not be after now'],
      [`/views/complaints/kpis?from=${later}&to=${tomorrow}`, 'from must not be after now'],
      [`/views/satisfaction?from=${tomorrow}`, 'from must not be after now'],
      [`/views/funnel?from=${tomorrow}`, 'from must not be after now'],
      ['/views/complaints/kpis?asOf=2025-04-01&from=2025-04-02', 'from must not be after asOf'],
      [
        `/views/complaints/kpis?asOf=${encodeURIComponent('2025-04-01T12:00:00+03:30')}&from=${encodeURIComponent('2025-04-01T12:00:01+03:30')}`,
        'from must not be after asOf',
      ],
      ['/views/satisfaction?asOf=2025-04-01&from=2025-04-02', 'from must not be after asOf'],
      [`/views/satisfaction?asOf=2031-01-01&from=${tomorrow}`, 'from must not be after now'],
    ] as const;
    for (const [path, message] of refusals) {
      const reply = await get(path);
      expect([path, reply.status, reply.body['errors']]).toEqual([path, 400, [{ field: 'from', messages: [message] }]]);
    }
    // Named beside the query's other bad parameters, in one 400 (a review: it went unnamed until they were mended). The
    // rule reads the wall clock, the handler this test's: a year still to come on both.
    const named = [
      ['/views/satisfaction?from=2199-01-01&bucket=x', 'from must not be after now'],
      ['/views/satisfaction?asOf=2025-04-01&from=2025-04-02&bucket=x', 'from must not be after asOf'],
      ['/views/complaints/kpis?asOf=2025-04-01&from=2025-04-02&minPosition=x', 'from must not be after asOf'],
      ['/views/funnel?from=2199-01-01&by=x', 'from must not be after now'],
    ] as const;
    for (const [path, message] of named) {
      const errors = (await get(path)).body['errors'] as { field: string; messages: string[] }[];
      expect([path, errors.length, errors.find((error) => error.field === 'from')?.messages]).toEqual([path, 2, [message]]);
    }
    // Up to the instant, and on asOf's own day, a period is one.
    const today = BUSINESS_CALENDAR.day(new Date(now).toISOString());
    for (const path of [
      `/views/complaints/kpis?from=${today}`,
      `/views/satisfaction?from=${today}`,
      `/views/funnel?from=${today}`,
      '/views/complaints/kpis?asOf=2025-04-01&from=2025-04-01',
      '/views/satisfaction?asOf=2025-04-01&from=2025-04-01',
    ])
      expect([path, (await get(path)).status]).toEqual([path, 200]);
  });

  it('reads an asOf after now as now: no milestone is overdue before its deadline (before, asOf=today counted them hours early)', async () => {
    const now = clock.now().toISOString();
    const plain = await get('/views/complaints/kpis');
    for (const later of [plus(now, HOUR), '2199-12-31']) {
      const reply = await get(`/views/complaints/kpis?asOf=${encodeURIComponent(later)}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ ...plain.body, asOf: now });
    }
  });

  it('measures satisfaction per month and per Jalali month: CSAT, NPS, CES, SERVQUAL gaps, feedback', async () => {
    const respondent = { name: 'سارا رحیمی', email: 'sara@example.ir' };
    const may10 = '2025-05-10T08:00:00.000Z';
    const may25 = '2025-05-25T08:00:00.000Z';
    const survey = (surveyType: string, answers: Body): Body => ({ surveyType, respondent, answers });
    const five = (t: number, r: number, s: number, a: number, e: number) => ({
      tangibles: t,
      reliability: r,
      responsiveness: s,
      assurance: a,
      empathy: e,
    });
    await run([
      ...[10, 9, 8, 6, 3].map((score): [string, string, Body] => [may10, '/surveys/responses', survey('nps', { score })]),
      [may10, '/surveys/responses', survey('csat', { score: 5 })],
      [may10, '/surveys/responses', survey('csat', { score: 4 })],
      [may25, '/surveys/responses', survey('csat', { score: 2 })],
      ...[2, 3, 7].map((score): [string, string, Body] => [may25, '/surveys/responses', survey('ces', { score })]),
      [may10, '/surveys/responses', survey('servqual', { expectations: five(6, 7, 5, 6, 7), perceptions: five(5, 7, 5, 6, 4) })],
      [may25, '/surveys/responses', survey('servqual', { expectations: five(4, 7, 5, 6, 7), perceptions: five(5, 6, 6, 6, 4) })],
      [may10, '/feedback', { from: respondent, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' }],
      [may25, '/feedback', { from: respondent, kind: 'praise', text: 'ارسال سریع بود', channel: 'sms' }],
      [may25, '/feedback', { from: respondent, kind: 'idea', text: 'امکان پیگیری آنلاین سفارش', channel: 'web' }],
    ]);

    const reply = await get(`/views/satisfaction?from=2025-05-01&to=2025-05-31&minPosition=${position}`);
    expect(reply.status).toBe(200);
    const may = {
      // 2 of 3 answers are 4–5.
      csat: { responses: 3, satisfied: 2, percent: 66.67 },
      // [10, 9, 8, 6, 3]: 40 % promoters − 40 % detractors.
      nps: { responses: 5, promoters: 2, passives: 1, detractors: 2, score: 0 },
      ces: { responses: 3, mean: 4 },
      servqual: {
        responses: 2,
        dimensions: {
          tangibles: { expectation: 5, perception: 5, gap: 0 },
          reliability: { expectation: 7, perception: 6.5, gap: -0.5 },
          responsiveness: { expectation: 5, perception: 5.5, gap: 0.5 },
          assurance: { expectation: 6, perception: 6, gap: 0 },
          empathy: { expectation: 7, perception: 4, gap: -3 },
        },
      },
      complaintHandling: { responses: 0, mean: null },
      feedback: { opinion: 0, idea: 1, praise: 2, total: 3 },
    };
    expect(reply.body).toEqual({ bucket: 'month', periods: [{ period: '2025-05', ...may }], overall: may });

    // 10 May is in Ordibehesht 1404, 25 May in Khordad.
    const jalali = await get('/views/satisfaction?bucket=jalali&from=2025-05-01&to=2025-05-31');
    const periods = jalali.body['periods'] as (Body & { csat: Body; nps: Body })[];
    expect(periods.map((p) => [p['period'], p.csat['responses'], p.csat['percent'], p.nps['score']])).toEqual([
      ['1404-02', 2, 100, 0],
      ['1404-03', 1, 0, null],
    ]);
    expect((await get('/views/satisfaction?bucket=week')).body).toMatchObject({ status: 400, errors: [{ field: 'bucket' }] });
  });

  it('GET /views/satisfaction answers a repeated request as the first while nothing moved, and counts answers that came since', async () => {
    const path = '/views/satisfaction?from=2025-05-01&to=2025-05-31';
    const csat = (reply: { body: Body }) => (reply.body['overall'] as { csat: Body }).csat;
    const before = await get(`${path}&minPosition=${position}`);
    expect((await get(path)).body).toEqual(before.body);
    // A complaint (no satisfaction event) leaves the answer as it was; a CSAT answer of 5 is counted in the next one.
    await run([
      [
        '2025-05-20T08:00:00.000Z',
        '/complaints',
        { complainant: { name: 'نگار' }, channel: 'web', category: 'ارسال', description: 'دیر رسید' },
      ],
    ]);
    expect((await get(`${path}&minPosition=${position}`)).body).toEqual(before.body);
    await run([
      ['2025-05-20T09:00:00.000Z', '/surveys/responses', { surveyType: 'csat', respondent: { name: 'نگار' }, answers: { score: 5 } }],
    ]);
    const after = await get(`${path}&minPosition=${position}`);
    expect(csat(after)).toEqual({
      responses: (csat(before)['responses'] as number) + 1,
      satisfied: (csat(before)['satisfied'] as number) + 1,
      percent: 75,
    });
    expect((await get(path)).body).toEqual(after.body);
  });

  it('buckets days and months in the business time zone (Asia/Tehran): dates in from, to and asOf are Tehran days', async () => {
    // 00:15 and 00:30 on 1 July 2025 in Tehran (+03:30); UTC still says 30 June.
    await receive('2025-06-30T20:45:00.000Z', 'بسته‌بندی');
    await run([
      ['2025-06-30T21:00:00.000Z', '/surveys/responses', { surveyType: 'csat', respondent: { name: 'نگار' }, answers: { score: 4 } }],
    ]);
    const kpis = async (query: string) => (await get(`/views/complaints/kpis?${query}&minPosition=${position}`)).body;
    // Asked a few days later: an asOf after now is read as now.
    clock.set('2025-07-05T06:30:00.000Z');
    expect(await kpis('from=2025-07-01&to=2025-07-31')).toMatchObject({ complaints: 1 });
    expect(await kpis('from=2025-06-01&to=2025-06-30')).toMatchObject({ complaints: 0 });
    // asOf=2025-06-30 is the end of that Tehran day, before the complaint came; asOf=2025-07-01 includes it.
    expect(await kpis('from=2025-06-01&asOf=2025-06-30')).toMatchObject({ asOf: '2025-06-30T20:29:59.999Z', complaints: 0 });
    expect(await kpis('from=2025-06-01&asOf=2025-07-01')).toMatchObject({ asOf: '2025-07-01T20:29:59.999Z', complaints: 1 });
    const satisfaction = async (query: string) =>
      (await get(`/views/satisfaction?${query}&minPosition=${position}`)).body as Body & { periods: (Body & { csat: Body })[] };
    const csat = (body: { periods: (Body & { csat: Body })[] }) => body.periods.map((p) => [p['period'], p.csat['responses']]);
    // Every month of the range is listed, June without answers (before, only the months with answers).
    expect(csat(await satisfaction('from=2025-06-25&to=2025-07-05'))).toEqual([
      ['2025-06', 0],
      ['2025-07', 1],
    ]);
    expect(csat(await satisfaction('from=2025-06-01&to=2025-06-30'))).toEqual([['2025-06', 0]]);
    // 1 July 2025 is 10 Tir 1404.
    expect(csat(await satisfaction('bucket=jalali&from=2025-06-25&to=2025-07-05'))).toEqual([['1404-04', 1]]);
  });

  // Before, a date typed on a Persian keyboard was a 400: the published patterns, and the check, took ASCII digits only.
  it('reads Persian and Arabic-Indic digits in date query parameters as ASCII ones (the calendar stays Gregorian)', async () => {
    const view = (path: string, query: Record<string, string>) => get(`/views/${path}?${new URLSearchParams(query).toString()}`);
    const kpis = (query: Record<string, string>) => view('complaints/kpis', { ...query, minPosition: position });
    const ascii = await kpis({ from: '2025-06-01', asOf: '2025-07-01' });
    expect(ascii.status).toBe(200);
    for (const typed of [
      { from: '۲۰۲۵-۰۶-۰۱', asOf: '۲۰۲۵-۰۷-۰۱' },
      { from: '٢٠٢٥-٠٦-٠١', asOf: '٢٠٢٥-٠٧-٠١' },
      { from: '2025-06-01', asOf: '۲۰۲۵-07-٠١' },
    ]) {
      const reply = await kpis(typed);
      expect([typed, reply.status, reply.body]).toEqual([typed, 200, ascii.body]);
    }
    expect((await kpis({ asOf: '۲۰۲۵-۰۷-۰۱T۱۰:۰۰:۰۰+۰۳:۳۰' })).body).toMatchObject({ asOf: '2025-07-01T06:30:00.000Z' });
    // The published document agrees: an outside validator takes what the server takes, and refuses what it refuses.
    const doc = (await (await fetch(`${server.url}/api/docs-json`)).json()) as {
      paths: Record<string, Record<string, { parameters: { name: string; schema: { pattern?: string; format?: string } }[] }>>;
    };
    const schemaOf = (path: string, name: string) =>
      doc.paths[`/api/v1/views/${path}`]?.['get']?.parameters.find((parameter) => parameter.name === name)?.schema;
    for (const [path, name] of [
      ['complaints/kpis', 'asOf'],
      ['pipeline', 'from'],
    ]) {
      const schema = schemaOf(path as string, name as string);
      const published = new RegExp(schema?.pattern ?? '^$', 'u');
      expect([path, name, schema?.format, ['۲۰۲۵-۰۷-۰۱', '٢٠٢٥-٠٧-٠١', '۱۴۰۴-۰۴-۱۰'].map((value) => published.test(value))]).toEqual([
        path,
        name,
        undefined,
        [true, true, false],
      ]);
    }
    // A day that does not exist, and a Jalali date, in Persian digits: 400 naming the parameter, as in ASCII ones.
    for (const asOf of ['۲۰۲۵-۰۲-۳۰', '۱۴۰۴-۰۴-۱۰']) {
      expect([asOf, (await kpis({ asOf })).body]).toMatchObject([asOf, { status: 400, errors: [{ field: 'asOf' }] }]);
    }
    // The pipeline's dates too; and the rules over several parameters read the digits as ASCII ones: a period upside
    // down is named beside another bad parameter (compared as typed, 2025-06-30 came before ۲۰۲۵-۰۶-۰۱).
    const pipeline = async (query: Record<string, string>) => (await view('pipeline', query)).body;
    expect(await pipeline({ from: '۲۰۲۵-۰۶-۰۱', to: '2025-06-30' })).toEqual(await pipeline({ from: '2025-06-01', to: '2025-06-30' }));
    const upsideDown = await pipeline({ ownerId: '\u0000', from: '2025-06-30', to: '۲۰۲۵-۰۶-۰۱' });
    expect((upsideDown['errors'] as { field: string }[]).map((error) => error.field).sort()).toEqual(['ownerId', 'to']);
  });

  it("gives an analyst the trail's steps without personal data; service, auditors and admins read them whole", async () => {
    const id = await receive(T_APART, 'بسته‌بندی');
    await run([
      [plus(T_APART, 10 * 60_000), `/complaints/${id}/acknowledge`, { message: 'خانم احمدی، شکایت شما ثبت شد' }],
      [plus(T_APART, 20 * 60_000), `/complaints/${id}/investigation-notes`, { note: 'با خانم احمدی در ۰۹۱۲۱۱۱۲۲۳۳ تماس گرفته شد' }],
    ]);
    const analyst = await issueKey(server, { name: 'analyst', roles: ['analyst'] });
    const auditor = await issueKey(server, { name: 'auditor', roles: ['auditor'] });
    const trailAs = async (key: IssuedKey) => {
      const reply = await http(
        server.url,
        'GET',
        `/api/v1/views/complaints/${id}/audit-trail?minPosition=${position}`,
        undefined,
        key.headers,
      );
      expect(reply.status).toBe(200);
      return reply.body as { steps: { type: string; details: Body }[]; integrity: Body; status: string };
    };
    const whole = await trailAs(auditor);
    expect(whole.steps.map((step) => step.details)).toEqual([
      expect.objectContaining({ complainant: { name: 'مریم احمدی' }, description: 'سفارش با تأخیر و آسیب‌دیده رسید', channel: 'phone' }),
      { message: 'خانم احمدی، شکایت شما ثبت شد' },
      { note: 'با خانم احمدی در ۰۹۱۲۱۱۱۲۲۳۳ تماس گرفته شد' },
    ]);
    expect((await trailAs(callCentre)).steps).toEqual(whole.steps);
    const figures = await trailAs(analyst);
    expect(figures.steps.map((step) => step.details)).toEqual([
      { channel: 'phone', category: 'بسته‌بندی', provisionalSeverity: expect.any(String) },
      {},
      {},
    ]);
    // Ids and hashes left out first: a hex hash or id holds `0912` now and then (a CI rehearsal failed on a hash).
    const withoutHex = JSON.stringify(figures).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{64}/g, '');
    expect(withoutHex).not.toMatch(/احمدی|۰۹۱۲|0912|سفارش/);
    expect(withoutHex).toContain('"labelFa"');
    // Everything else is the whole trail's: steps, times, statuses, integrity.
    const withoutDetails = (trail: typeof whole) => ({ ...trail, steps: trail.steps.map(({ details: _d, ...step }) => step) });
    expect(withoutDetails(figures)).toEqual(withoutDetails(whole));
  });
});
