import { ManualClock } from '@crm/shared/kernel';
import { ServiceOptionsModule } from '@crm/service/application';
import { http, issueKey, startTestApp, type IssuedKey, type TestApp } from '../testing/test-app';

const T0 = '2025-03-01T06:30:00.000Z';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

interface StreamEvent {
  readonly type: string;
  readonly revision: number;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

describe('complaint lifecycle through HTTP (real server, embedded SQLite)', () => {
  const clock = new ManualClock(T0);
  let server: TestApp;
  let callCentre: IssuedKey;
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http(server.url, method, path, body, headers);
  const post = (path: string, body: unknown, headers: Record<string, string>) => call('POST', `/api/v1${path}`, body, headers);

  beforeAll(async () => {
    server = await startTestApp(
      { CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' },
      // The clock jumps days ahead between steps; no SLA timer may fire in between (complaint-sla.e2e.spec.ts drives ticks).
      { clock, contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 0 })] },
    );
    callCentre = await issueKey(server, { name: 'call-centre', roles: ['service'] });
  });
  afterAll(async () => server.close());

  it('handles a Persian complaint from receipt to a second closing, and serves its stream in order', async () => {
    // The call-centre service authenticates with its key and says which agent it acts for.
    const agent = { ...callCentre.headers, 'x-on-behalf-of': 'agent-12' };
    const received = await post(
      '/complaints',
      {
        complainant: { name: 'رضا کریمی', phone: '۰۹۱۲ ۳۴۵ ۶۷۸۹' },
        channel: 'phone',
        category: 'کیفیت کالا',
        description: 'کالای تحویلی معیوب بود و پشتیبانی پاسخ نداد',
        desiredRemedy: 'تعویض کالا',
      },
      agent,
    );
    expect(received.status).toBe(201);
    expect(received.body).toMatchObject({ revision: 0, position: expect.any(String) });
    const id = received.body['id'] as string;

    const steps: [number, string, Record<string, unknown>][] = [
      [20 * MINUTE, 'acknowledge', { message: 'شکایت شما ثبت شد و ظرف ۴ ساعت پیگیری می‌شود' }],
      [30 * MINUTE, 'assess', { severity: 'high', urgency: 'urgent', rationale: 'مشتری بدون کالای سالم مانده است' }],
      [35 * MINUTE, 'assign', { assignee: { teamId: 'team-service-tehran' } }],
      [2 * HOUR, 'investigation-notes', { note: 'انبار تأیید کرد که کالای آسیب‌دیده ارسال شده است' }],
      [5 * HOUR, 'escalate', { toLevel: 'head_office', reason: 'نیاز به تأیید تعویض از دفتر مرکزی' }],
      [
        DAY,
        'respond',
        { response: 'کالا تعویض می‌شود و هزینه ارسال بازپرداخت می‌شود', remedy: 'تعویض کالا', actions: ['بازبینی بسته‌بندی'] },
      ],
      [DAY + HOUR, 'communicate-decision', { decision: 'تعویض کالا ظرف سه روز کاری', channel: 'sms' }],
      [DAY + 2 * HOUR, 'close', { outcome: 'resolved' }],
      [2 * DAY, 'reopen', { reason: 'کالای جایگزین هم معیوب بود' }],
      [2 * DAY + 3 * HOUR, 'respond', { response: 'وجه کامل بازگردانده می‌شود', remedy: 'بازپرداخت' }],
      [2 * DAY + 4 * HOUR, 'communicate-decision', { decision: 'بازپرداخت کامل وجه', channel: 'phone' }],
      [2 * DAY + 5 * HOUR, 'close', { outcome: 'resolved', note: 'وجه بازگردانده شد' }],
      [2 * DAY + 6 * HOUR, 'satisfaction', { score: 4, comment: 'پیگیری خوب بود ولی طول کشید' }],
    ];
    for (const [index, [offset, step, body]] of steps.entries()) {
      clock.set(at(offset));
      const reply = await post(`/complaints/${id}/${step}`, body, agent);
      expect({ step, status: reply.status, body: reply.body }).toMatchObject({ step, status: 200, body: { id, revision: index + 1 } });
    }

    const stream = await call('GET', `/api/v1/streams/complaint-${id}`);
    expect(stream.status).toBe(200);
    expect(stream.body['integrity']).toMatchObject({ ok: true, checked: 14 });
    const events = stream.body['events'] as StreamEvent[];
    expect(events.map((e) => e.type)).toEqual([
      'ComplaintReceived',
      'ComplaintAcknowledged',
      'ComplaintAssessed',
      'ComplaintAssigned',
      'ComplaintInvestigationNoteAdded',
      'ComplaintEscalated',
      'ComplaintResponded',
      'ComplaintDecisionCommunicated',
      'ComplaintClosed',
      'ComplaintReopened',
      'ComplaintResponded',
      'ComplaintDecisionCommunicated',
      'ComplaintClosed',
      'ComplaintHandlingSatisfactionRecorded',
    ]);
    expect(events.map((e) => e.revision)).toEqual([...Array(14).keys()]);
    expect(events[0]?.data).toMatchObject({
      complaintId: id,
      // The name is kept as typed; the phone is stored in E.164 whatever digits it came in.
      complainant: { name: 'رضا کریمی', phone: '+989123456789' },
      description: 'کالای تحویلی معیوب بود و پشتیبانی پاسخ نداد',
      receivedAt: T0,
      deadlines: { acknowledgeBy: at(DAY), resolveBy: at(7 * DAY) },
    });
    // The default policy for `high`: resolve within 3 days of receipt. The acknowledgement was met before the assessment,
    // so it keeps the deadline it was judged against.
    expect(events[2]?.data).toMatchObject({ severity: 'high', deadlines: { acknowledgeBy: at(DAY), resolveBy: at(3 * DAY) } });
    expect(events[5]?.data).toMatchObject({ fromLevel: 'local', escalationLevel: 'head_office' });
    expect(events[9]?.data).toMatchObject({ from: 'closed', to: 'investigating', reopenCount: 1, escalationLevel: 'head_office' });
    expect(events[13]?.data).toMatchObject({ score: 4, outcome: 'resolved', from: 'closed', to: 'closed' });
    expect(events[13]?.metadata).toMatchObject({
      actor: { id: callCentre.id, roles: ['service'], onBehalfOf: 'agent-12' },
      occurredAt: at(2 * DAY + 6 * HOUR),
    });
    expect(events.some((e) => e.type === 'ComplaintSlaBreached')).toBe(false);
  });
});
