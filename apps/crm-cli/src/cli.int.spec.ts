import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore, type SqliteEventStore } from '@crm/event-store/sqlite';
import { complaintDecider, type ComplaintCommand } from '@crm/service/domain';
import { handleCommand } from '@crm/shared/event-sourcing';
import { ALL_PROJECTIONS } from '@crm/platform';
import { cli } from './testing/spawned-cli';

const T0 = Date.parse('2025-03-01T06:30:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const COMPLAINT = '0b6f3c52-2f0e-4d55-9d8e-6a1f3b7c9e21';
const TAMPERED = '7d1e9a40-5b2c-4c3d-8e9f-0a1b2c3d4e5f';

/** A complaint handled late: assessed critical, acknowledged after its one-hour deadline, closed, rated. */
async function handleComplaint(store: SqliteEventStore, id: string): Promise<void> {
  const agent = { id: 'agent-12', roles: ['service'] };
  const steps: [number, ComplaintCommand][] = [
    [
      0,
      {
        type: 'ReceiveComplaint',
        data: {
          complaintId: id,
          complainant: { name: 'رضا کریمی', phone: '۰۹۱۲ ۳۴۵ ۶۷۸۹' },
          channel: 'phone',
          category: 'کیفیت کالا',
          description: 'کالای تحویلی معیوب بود',
          receivedAt: at(0),
        },
      },
    ],
    [10, { type: 'AssessComplaint', data: { severity: 'critical', at: at(10) } }],
    [120, { type: 'AcknowledgeComplaint', data: { at: at(120), message: 'شکایت شما ثبت شد' } }],
    [130, { type: 'EscalateComplaint', data: { toLevel: 'head_office', reason: 'نیاز به تأیید دفتر مرکزی', at: at(130) } }],
    [300, { type: 'RespondToComplaint', data: { response: 'کالا تعویض می‌شود', at: at(300) } }],
    [360, { type: 'CommunicateDecision', data: { decision: 'تعویض کالا', channel: 'sms', at: at(360) } }],
    [420, { type: 'CloseComplaint', data: { outcome: 'resolved', at: at(420) } }],
    [1440, { type: 'RecordHandlingSatisfaction', data: { score: 4, at: at(1440) } }],
  ];
  for (const [minutes, command] of steps) {
    await handleCommand(store, complaintDecider, `complaint-${id}`, command, { actor: agent, now: new Date(T0 + minutes * 60_000) });
  }
}

// Each test runs the CLI as processes, each loading it whole and most replaying every projection: 90 s, not the 30 s
// the first of them outgrew in a loaded run of the whole suite (a replay of all 16 projections beside other suites).
describe('crm-cli against a real SQLite data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-'));
  const env = { CRM_DATA_DIR: dataDir };
  let head = '';

  beforeAll(async () => {
    expect(ALL_PROJECTIONS.length).toBeGreaterThan(0);
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(store, { events: 3000, seed: 5 });
    await handleComplaint(store, COMPLAINT);
    await handleComplaint(store, TAMPERED);
    head = (await store.headPosition()) as string;
    // Someone edits a recorded event behind the store's back.
    store.db
      .prepare("UPDATE events SET data = json_set(data, '$.message', 'اصلاح شد') WHERE stream_id = ? AND type = 'ComplaintAcknowledged'")
      .run(`complaint-${TAMPERED}`);
    await store.close();
  }, 90_000);

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${dataDir}-complaints.ndjson`, { force: true });
  });

  it('answers --help and refuses bad usage with exit code 2, naming the problem', async () => {
    const help = await cli(['--help'], env);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: crm-cli <command>') });
    for (const command of ['status', 'replay', 'rebuild', 'stream', 'audit', 'export']) expect(help.stdout).toContain(`  ${command}`);
    expect(await cli(['export', '--help'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('--category <category>') });
    expect(await cli(['frobnicate'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    expect(await cli(['status', '--verbose'], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option --verbose') });
    expect(await cli(['status', 'extra'], env)).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('crm-cli status: unexpected argument extra'),
    });
    expect(await cli(['status'], { ...env, CRM_EVENT_STORE: 'oracle' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('CRM_EVENT_STORE="oracle" must be one of'),
    });
    expect(await cli(['status'], { CRM_DATA_DIR: join(dataDir, 'nowhere') })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no event store at'),
    });
    // Seven processes of the CLI, each loading it whole (about 1.5 s apiece idle; several times that beside the suite).
  }, 90_000);

  it('shows every projection as never built, then caught up after a replay with progress', async () => {
    const before = await cli(['status'], env);
    expect(before.code).toBe(0);
    expect(before.stdout).toContain(`head ${head}`);
    for (const { name } of ALL_PROJECTIONS) expect(before.stdout).toMatch(new RegExp(`^${name} .* never built$`, 'm'));

    const replay = await cli(['replay', 'all'], env);
    expect(replay).toMatchObject({ code: 0, stderr: expect.stringMatching(new RegExp(`replay all: caught up at ${head} in `)) });
    expect(replay.stderr).not.toContain('\r'); // not a terminal: plain lines only

    const after = await cli(['status', '--json'], env);
    expect(after.code).toBe(0);
    const report = JSON.parse(after.stdout) as {
      head: string;
      projections: { name: string; checkpoint: string; lag: number; documents: number }[];
    };
    expect(report.head).toBe(head);
    for (const p of report.projections)
      expect({ name: p.name, checkpoint: p.checkpoint, lag: p.lag }).toEqual({ name: p.name, checkpoint: head, lag: 0 });
    expect(report.projections.reduce((sum, p) => sum + p.documents, 0)).toBeGreaterThan(0);

    // Another key-encryption key than the store's (a stray CRM_KEK in a shell) is refused as configuration, before
    // anything is written: records sealed under it could be opened by no process running with the store's own.
    const stray = await cli(['status'], { ...env, CRM_KEK: randomBytes(32).toString('base64') });
    expect(stray).toMatchObject({ code: 2, stderr: expect.stringContaining("is not the one this store's data keys are wrapped with") });
    expect((await cli(['status'], env)).code).toBe(0);

    // The event file restored alone, without its kek: refused, naming the missing file, and no new kek is left behind
    // (before, one was made and kept, and the same command then refused it as another installation's).
    const restored = mkdtempSync(join(tmpdir(), 'crm-cli-restored-'));
    try {
      copyFileSync(join(dataDir, 'crm.sqlite'), join(restored, 'crm.sqlite'));
      const alone = await cli(['status'], { CRM_DATA_DIR: restored });
      expect(alone).toMatchObject({ code: 2, stderr: expect.stringContaining(`${join(restored, 'kek')} is missing`) });
      expect(readdirSync(restored)).not.toContain('kek');
    } finally {
      rmSync(restored, { recursive: true, force: true });
    }
  }, 90_000);

  it('takes the builds of the projections that count days for another version under another business time zone', async () => {
    // Built above in Asia/Tehran (the default). A process counting days in UTC must neither fold onto those builds nor
    // serve them as its own: to it they are another version, rebuilt from the log on its next start.
    const zoned = ['pipeline-opportunities', 'pipeline-leads', 'complaint-kpis', 'satisfaction-responses', 'satisfaction-days'];
    const utc = await cli(['status', '--json'], { ...env, CRM_BUSINESS_TIME_ZONE: 'UTC' });
    expect(utc.code).toBe(0);
    const report = JSON.parse(utc.stdout) as { projections: { name: string; version: number; codeVersion: number }[] };
    for (const p of report.projections) {
      const differs = p.version !== p.codeVersion;
      expect({ name: p.name, differs }).toEqual({ name: p.name, differs: zoned.includes(p.name) });
    }
    const text = await cli(['status'], { ...env, CRM_BUSINESS_TIME_ZONE: 'UTC' });
    for (const name of zoned) expect(text.stdout).toMatch(new RegExp(`^${name} .*rebuilds on next start$`, 'm'));
    // An unknown zone is refused as configuration, naming it.
    expect(await cli(['status'], { ...env, CRM_BUSINESS_TIME_ZONE: 'Mars/Olympus' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('CRM_BUSINESS_TIME_ZONE="Mars/Olympus" must be an IANA time zone'),
    });
  }, 90_000);

  it('prints a stream in order with its metadata and the hash-chain verdict', async () => {
    const stream = await cli(['stream', `complaint-${COMPLAINT}`], env);
    expect(stream.code).toBe(0);
    const headers = stream.stdout.split('\n').filter((line) => line.startsWith('#'));
    expect(headers.map((line) => line.split(/\s+/)[2])).toEqual([
      'ComplaintReceived',
      'ComplaintAssessed',
      'ComplaintAcknowledged',
      'ComplaintSlaBreached',
      'ComplaintEscalated',
      'ComplaintResponded',
      'ComplaintDecisionCommunicated',
      'ComplaintClosed',
      'ComplaintHandlingSatisfactionRecorded',
    ]);
    expect(headers[0]).toMatch(/^#0 {2}2025-03-01T06:30:00.000Z {2}ComplaintReceived {2}position \d+$/);
    expect(stream.stdout).toContain('by agent-12 [service] · tenant default · schema v1');
    expect(stream.stdout).toContain('"phone":"+989123456789"');
    expect(stream.stdout).toMatch(/integrity: OK: 9 events, hash chain intact/);

    const json = JSON.parse((await cli(['stream', `complaint-${COMPLAINT}`, '--json'], env)).stdout) as {
      events: unknown[];
      integrity: unknown;
    };
    expect(json.events).toHaveLength(9);
    expect(json.integrity).toMatchObject({ ok: true, checked: 9 });

    expect(await cli(['stream', `complaint-${TAMPERED}`], env)).toMatchObject({
      code: 1,
      stdout: expect.stringContaining('integrity: BROKEN at revision 2 (hash mismatch)'),
    });
    expect(await cli(['stream', 'lead-00000000-0000-0000-0000-000000000000'], env)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('not found'),
    });
    // An empty id names no stream: bad usage, not a stream "not found" (exit 1).
    for (const empty of ['', ' '])
      expect(await cli(['stream', empty], env)).toMatchObject({ code: 2, stderr: expect.stringContaining('name the stream') });
  }, 90_000);

  it("prints a complaint's audit trail from its stream, breaches and integrity included", async () => {
    const audit = await cli(['audit', COMPLAINT], env);
    expect(audit.code).toBe(0);
    const whats = audit.stdout
      .split('\n')
      .filter((line) => /^ {5}\S/.test(line) && !line.trimStart().startsWith('status'))
      .map((line) => line.trim());
    expect(whats).toEqual([
      'received by phone from رضا کریمی: [کیفیت کالا] کالای تحویلی معیوب بود',
      'assessed critical',
      'acknowledged: شکایت شما ثبت شد',
      `SLA BREACHED: acknowledge was due by ${at(60)}, met late at ${at(120)}`,
      'escalated local → head office: نیاز به تأیید دفتر مرکزی',
      'responded: کالا تعویض می‌شود',
      'decision communicated by sms: تعویض کالا',
      'closed, resolved',
      'satisfaction with the handling 4/5',
    ]);
    expect(audit.stdout).toContain(`  2  ${at(120)}  by agent-12 [service]`);
    expect(audit.stdout).toContain(
      `status received · level local · deadlines: acknowledge by ${at(24 * 60)}, resolve by ${at(7 * 24 * 60)}`,
    );
    expect(audit.stdout).toContain(`status received · level local · deadlines: acknowledge by ${at(60)}, resolve by ${at(24 * 60)}`);
    expect(audit.stdout).toContain('status decision_communicated → closed · level head office');
    expect(audit.stdout).toContain(`SLA breaches: 1\n  acknowledge due by ${at(60)}, met late at ${at(120)} (detected ${at(120)})`);
    expect(audit.stdout).toContain(
      'Now: closed (resolved), level head office, severity critical, acknowledged after 2h00m, closed after 7h00m',
    );
    expect(audit.stdout).toMatch(/Integrity: OK: 9 events, hash chain intact/);

    const json = JSON.parse((await cli(['audit', `complaint-${COMPLAINT}`, '--json'], env)).stdout) as {
      steps: { from?: string; to: string }[];
      breaches: unknown[];
    };
    expect(json.steps.map((s) => s.to)).toEqual([
      'received',
      'received',
      'acknowledged',
      'acknowledged',
      'acknowledged',
      'responded',
      'decision_communicated',
      'closed',
      'closed',
    ]);
    expect(json.breaches).toEqual([{ milestone: 'acknowledge', deadline: at(60), detectedAt: at(120), metAt: at(120) }]);

    expect(await cli(['audit', TAMPERED], env)).toMatchObject({
      code: 1,
      stdout: expect.stringContaining('Integrity: BROKEN at revision 2 (hash mismatch)'),
    });
    expect(await cli(['audit', '11111111-1111-4111-8111-111111111111'], env)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('not found'),
    });
  }, 90_000);

  it('exports events as NDJSON, filtered by type, category and time, to a file or stdout', async () => {
    // Beside the data directory, not in it: export refuses a file there (it could be the log it reads).
    const file = `${dataDir}-complaints.ndjson`;
    const toFile = await cli(['export', 'events', '--type', 'ComplaintReceived', '--type', 'ComplaintClosed', '--out', file], env);
    expect(toFile).toMatchObject({ code: 0, stdout: '' });
    expect(toFile.stderr).toMatch(/exported [\d,]+ events to .*complaints\.ndjson/);
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; position: string; metadata: object });
    expect(lines.length).toBeGreaterThan(10);
    expect(new Set(lines.map((e) => e.type))).toEqual(new Set(['ComplaintReceived', 'ComplaintClosed']));
    const positions = lines.map((e) => Number(e.position));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Names and phones in the clear: readable by its owner alone, whatever the umask.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file, 'utf8');

    // An existing file is not overwritten without --force; with it, it is truncated and made 0600 again.
    expect(await cli(['export', 'events', '--type', 'LeadCaptured', '--out', file], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`${file} already exists: pass --force to overwrite it`),
    });
    expect(readFileSync(file, 'utf8')).toBe(written);
    chmodSync(file, 0o644);
    const forced = await cli(['export', 'events', '--type', 'ComplaintClosed', '--out', file, '--force'], env);
    expect(forced.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const closed = lines.filter((e) => e.type === 'ComplaintClosed').length;
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(closed);

    // A typo in a category or type is refused, not an empty export.
    const typo = await cli(['export', 'events', '--category', 'campaigns'], env);
    expect(typo).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('unknown --category campaigns; categories: ') });
    expect(typo.stderr).toMatch(/categories: .*\bcampaign, /);
    expect(await cli(['export', 'events', '--type', 'Bogus'], env)).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringMatching(/unknown --type Bogus; event types: .*\bComplaintReceived, /),
    });

    const windowed = await cli(
      ['export', 'events', '--category', 'complaint', '--from', '2025-03-01T06:30:00Z', '--to', '2025-03-01'],
      env,
    );
    expect(windowed.code).toBe(0);
    const events = windowed.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { streamId: string; metadata: { occurredAt: string } });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.streamId.startsWith('complaint-')).toBe(true);
      expect(e.metadata.occurredAt >= '2025-03-01T06:30:00.000Z' && e.metadata.occurredAt < '2025-03-01T20:30:00.000Z').toBe(true);
    }
    // Everything but the satisfaction score, given the next day.
    expect(events.filter((e) => e.streamId === `complaint-${COMPLAINT}`).length).toBe(8);
    expect(await cli(['export', 'events', '--from', '2025-03-01T09:00'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--from'),
    });
  }, 180_000);

  it('builds a projection as of a position into a target of its own, leaving the serving build alone', async () => {
    const name = ALL_PROJECTIONS[0]?.name as string;
    const asOf = await cli(['rebuild', name, '--as-of', '1000', '--target', 'as_of_1000'], env);
    expect(asOf).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`${name} (events through position 1000) built into as_of_1000`),
    });
    const status = JSON.parse((await cli(['status', '--json'], env)).stdout) as { projections: { name: string; checkpoint: string }[] };
    expect(status.projections.find((p) => p.name === name)?.checkpoint).toBe(head);
    expect(await cli(['rebuild', 'all', '--as-of', '1000'], env)).toMatchObject({ code: 2 });
    // Past the head: refused, naming the head, rather than a build said to be "through" a position never reached.
    const past = await cli(['rebuild', name, '--as-of', String(Number(head) + 1)], env);
    expect(past).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining(`--as-of ${Number(head) + 1} is past the head of the log, position ${head}`),
    });
  }, 90_000);
});
