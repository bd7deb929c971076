import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@crm/shared/kernel';
import { ComplaintDeadlineWatcher, ServiceOptionsModule } from '@crm/service/application';
import { http, startTestApp, type TestApp } from '../testing/test-app';

const T0 = '2025-03-01T06:30:00.000Z';
const MINUTE = 60_000;
const SECOND = 1_000;
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

interface StreamEvent {
  readonly type: string;
  readonly revision: number;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

describe('complaint SLA breaches through the deadline watcher (real server, ManualClock)', () => {
  const clock = new ManualClock(T0);
  let server: TestApp;
  let watcher: ComplaintDeadlineWatcher;
  const post = (path: string, body: unknown = {}) => http(server.url, 'POST', `/api/v1${path}`, body);
  const eventsOf = async (id: string) => (await http(server.url, 'GET', `/api/v1/streams/complaint-${id}`)).body['events'] as StreamEvent[];
  const breachesOf = async (id: string) => (await eventsOf(id)).filter((e) => e.type === 'ComplaintSlaBreached');

  beforeAll(async () => {
    server = await startTestApp(
      { CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' },
      {
        clock,
        // A tenant policy of its own for critical complaints; the scheduler stays off so the test drives every tick.
        contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 0, slaPolicy: { critical: { acknowledgeWithinMinutes: 15 } } })],
      },
    );
    watcher = server.app.get(ComplaintDeadlineWatcher);
    // The interval is 0 (this spec ticks by hand), so the scheduler leaves the watcher to it.
    await watcher.start();
  });
  afterAll(async () => server.close());

  it('records exactly one breach of a missed acknowledgement, however often it ticks', async () => {
    clock.set(T0);
    const received = await post('/complaints', {
      complainant: { name: 'رضا کریمی', phone: '۰۹۱۲ ۳۴۵ ۶۷۸۹' },
      channel: 'phone',
      category: 'ایمنی',
      description: 'کالای تحویلی معیوب بود و پشتیبانی پاسخ نداد',
    });
    const id = received.body['id'] as string;
    clock.set(at(MINUTE));
    const assessed = await post(`/complaints/${id}/assess`, { severity: 'critical' });
    expect(assessed.status).toBe(200);
    const deadline = at(15 * MINUTE);
    const assessedEvent = (await eventsOf(id))[1];
    expect(assessedEvent?.data).toMatchObject({ severity: 'critical', deadlines: { acknowledgeBy: deadline } });
    await watcher.caughtUpTo(assessed.body['position'] as string);

    clock.set(at(15 * MINUTE - SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 0, recorded: 0, failed: 0 });
    expect(await breachesOf(id)).toHaveLength(0);

    clock.set(at(15 * MINUTE + SECOND));
    expect(await watcher.tick(clock.now())).toMatchObject({ due: 1, recorded: 1, failed: 0 });
    // Again, and concurrently, before the read model has even seen the breach: the command id is the same each time.
    await Promise.all([watcher.tick(clock.now()), watcher.tick(clock.now())]);
    clock.advance(MINUTE);
    expect((await watcher.tick(clock.now())).recorded).toBe(0);

    const breaches = await breachesOf(id);
    expect(breaches).toHaveLength(1);
    expect(breaches[0]).toMatchObject({
      revision: 2,
      data: { milestone: 'acknowledge', deadline, detectedAt: at(15 * MINUTE + SECOND), from: 'received', to: 'received' },
      metadata: { actor: { id: 'system:sla-watcher', roles: ['system'] }, occurredAt: at(15 * MINUTE + SECOND) },
    });

    // Acknowledging late afterwards meets the milestone without recording the breach a second time.
    const acknowledged = await post(`/complaints/${id}/acknowledge`);
    expect(acknowledged.body).toMatchObject({ revision: 3 });
    await watcher.caughtUpTo(acknowledged.body['position'] as string);
    expect((await watcher.tick(clock.now())).recorded).toBe(0);
    expect((await eventsOf(id)).map((e) => e.type)).toEqual([
      'ComplaintReceived',
      'ComplaintAssessed',
      'ComplaintSlaBreached',
      'ComplaintAcknowledged',
    ]);
    const stream = await http(server.url, 'GET', `/api/v1/streams/complaint-${id}`);
    expect(stream.body['integrity']).toMatchObject({ ok: true, checked: 4 });
  });

  it('leaves a complaint alone that was acknowledged at the very instant of its deadline', async () => {
    clock.set(at(20 * MINUTE));
    const id = (await post('/complaints', { complainant: { name: 'سارا' }, channel: 'web', category: 'ارسال', description: 'تأخیر' })).body[
      'id'
    ] as string;
    await post(`/complaints/${id}/assess`, { severity: 'critical' });
    // Met at exactly the deadline is met: a breach exists only strictly after it.
    clock.advance(15 * MINUTE);
    const acknowledged = await post(`/complaints/${id}/acknowledge`);
    await watcher.caughtUpTo(acknowledged.body['position'] as string);
    clock.advance(MINUTE);
    expect((await watcher.tick(clock.now())).recorded).toBe(0);
    expect(await breachesOf(id)).toHaveLength(0);
  });
});

describe('the deadline watcher across a restart of the server (same data directory)', () => {
  const clock = new ManualClock(T0);
  const options = { clock, contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 0 })] };
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-watcher-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('resumes from the checkpoint it committed: folds no event from before it, and still knows those complaints', async () => {
    const env = { CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite', CRM_DATA_DIR: dataDir };
    const first = await startTestApp(env, options);
    await first.app.get(ComplaintDeadlineWatcher).start();
    const ids: string[] = [];
    let position = '';
    for (let n = 0; n < 3; n += 1) {
      const received = await http(first.url, 'POST', '/api/v1/complaints', {
        complainant: { name: 'رضا کریمی' },
        channel: 'phone',
        category: 'ارسال',
        description: 'تأخیر در ارسال',
      });
      ids.push(received.body['id'] as string);
      position = received.body['position'] as string;
    }
    await first.app.get(ComplaintDeadlineWatcher).caughtUpTo(position);
    expect(first.app.get(ComplaintDeadlineWatcher).eventsFolded).toBeGreaterThanOrEqual(3);
    await first.close();

    const second = await startTestApp(env, options);
    try {
      const watcher = second.app.get(ComplaintDeadlineWatcher);
      await watcher.start();
      await watcher.caughtUpTo(position);
      expect(watcher.eventsFolded).toBe(0);
      // Unassessed: a day to acknowledge.
      clock.set(at(24 * 60 * MINUTE + SECOND));
      expect(await watcher.tick(clock.now())).toMatchObject({ due: 3, recorded: 3, failed: 0 });
      for (const id of ids) {
        const events = (await http(second.url, 'GET', `/api/v1/streams/complaint-${id}`)).body['events'] as StreamEvent[];
        expect(events.filter((e) => e.type === 'ComplaintSlaBreached')).toHaveLength(1);
      }
    } finally {
      await second.close();
    }
    // Two server starts.
  }, 30_000);

  it('leaves the watcher to a process that checks when its own interval is 0 (before, it took the lease and no breach was recorded)', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'crm-e2e-watcher-off-'));
    const env = { CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite', CRM_DATA_DIR: shared };
    clock.set(T0);
    const off = await startTestApp(env, options);
    const checking = await startTestApp(env, { clock, contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 20 })] });
    try {
      const received = await http(off.url, 'POST', '/api/v1/complaints', {
        complainant: { name: 'رضا کریمی' },
        channel: 'phone',
        category: 'ارسال',
        description: 'تأخیر در ارسال',
      });
      expect(received.status).toBe(201);
      const id = received.body['id'] as string;
      // Unassessed: a day to acknowledge.
      clock.set(at(24 * 60 * MINUTE + SECOND));
      const breaches = async () =>
        ((await http(off.url, 'GET', `/api/v1/streams/complaint-${id}`)).body['events'] as StreamEvent[]).filter(
          (event) => event.type === 'ComplaintSlaBreached',
        );
      for (let tries = 0; tries < 100 && (await breaches()).length === 0; tries += 1) await new Promise((done) => setTimeout(done, 50));
      expect((await breaches()).map((event) => event.data['milestone'])).toEqual(['acknowledge']);
    } finally {
      await checking.close();
      await off.close();
      rmSync(shared, { recursive: true, force: true });
    }
  });
});
