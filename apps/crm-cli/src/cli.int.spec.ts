import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore, type SqliteEventStore } from '@crm/event-store/sqlite';
import { complaintDecider, type ComplaintCommand } from '@crm/service/domain';
import { handleCommand } from '@crm/shared/event-sourcing';
import { ALL_PROJECTIONS } from '@crm/platform';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { ProjectionRunner } from '@crm/projections/runtime';

const WORKSPACE = resolve(__dirname, '../../..');
const T0 = Date.parse('2025-03-01T06:30:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const COMPLAINT = '0b6f3c52-2f0e-4d55-9d8e-6a1f3b7c9e21';
const TAMPERED = '7d1e9a40-5b2c-4c3d-8e9f-0a1b2c3d4e5f';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI as users run it: its own process, configured by the environment only; its output readable while it runs. */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv) {
  const { CRM_EVENT_STORE: _store, CRM_READ_STORE: _read, ...inherited } = process.env;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/crm-cli/src/main.ts', ...args], {
    cwd: WORKSPACE,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), (output += chunk.toString())));
  child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), (output += chunk.toString())));
  const exited = new Promise<Run & { output: string }>((done) => child.on('close', (code) => done({ code, stdout, stderr, output })));
  return { child, output: () => output, exited };
}

/** The CLI run to its end. */
const cli = async (args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> => {
  const { code, stdout, stderr } = await startCli(args, env).exited;
  return { code, stdout, stderr };
};

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

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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
  }, 90_000);

  it("prints a complaint's audit trail from its stream, breaches and integrity included", async () => {
    const audit = await cli(['audit', COMPLAINT], env);
    expect(audit.code).toBe(0);
    const whats = audit.stdout
      .split('\n')
      .filter((line) => /^ {5}\S/.test(line) && !line.trimStart().startsWith('status'))
      .map((line) => line.trim());
    expect(whats).toEqual([
      'received by phone from رضا کریمی, +989123456789: [کیفیت کالا] کالای تحویلی معیوب بود',
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
    const file = join(dataDir, 'complaints.ndjson');
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
  }, 60_000);

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

describe('crm-cli rebuild all on a never-built store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-rebuild-'));
  const env = { CRM_DATA_DIR: dataDir, CRM_REBUILD_GRACE_MS: '600000', CRM_REBUILD_THREADS: '2' };

  beforeAll(async () => {
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(store, { events: 3000, seed: 7 });
    await store.close();
  }, 90_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('builds each projection once, by its one scan, replacing nothing: no empty first generation is made or retired', async () => {
    const rebuilt = await cli(['rebuild', 'all'], env);
    expect(rebuilt.code).toBe(0);
    const status = await cli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/caught up/);
    expect(status.stdout).not.toMatch(/~retired/);
    // On two worker threads, each projection in one of them. (Each thread's line is written when it finishes; the
    // progress line with the thread count only after 2 s without a terminal, which a fast run does not reach.)
    const threads = [...rebuilt.stderr.matchAll(/^ {2}thread (\d): (.+): done in /gm)].map((m) => [m[1], (m[2] as string).split(', ')]);
    expect(threads.map(([thread]) => thread)).toEqual(['1', '2']);
    expect(threads.flatMap(([, names]) => names).sort()).toEqual(ALL_PROJECTIONS.map((p) => p.name).sort());
    // Nothing served before: said so, instead of "replaced" a first generation that a serving lane never wrote (before,
    // that generation was recorded and made empty, retired at the switch and left until a replay dropped it).
    expect(rebuilt.stdout).not.toContain('replaced');
    const built = new Map(
      [...rebuilt.stdout.matchAll(/^(\S+): serving (\S+) at \S+ \(the first build: nothing served before\)$/gm)].map(
        (m) => [m[1] as string, m[2] as string] as const,
      ),
    );
    expect([...built.keys()].sort()).toEqual(ALL_PROJECTIONS.map((p) => p.name).sort());
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    try {
      let served = 0;
      for (const [name, serving] of built) {
        expect([name, serving]).toEqual([name, expect.stringMatching(/_2$/)]);
        served += await readStore.count(serving);
        expect([name, await readStore.loadState(`${name}~retired`)]).toEqual([name, undefined]);
      }
      expect(served).toBeGreaterThan(0);
      // Only the builds: no table of a first generation, empty or not.
      const tables = readStore.db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'rmd_%'")
        .all()
        .map((row) => (row as { name: string }).name);
      expect(tables.sort()).toEqual([...built.values()].map((collection) => `rmd_${collection}`).sort());
    } finally {
      await readStore.close();
    }
    expect((await cli(['replay', 'all'], env)).code).toBe(0);
  }, 120_000);

  it('says so when another process holds a rebuild lease, and goes on once that lease lapses (the other process died)', async () => {
    const kpis = ALL_PROJECTIONS.find((p) => p.name === 'complaint-kpis');
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    try {
      // Another process took the rebuild's lease for 6 s (longer than this CLI takes to start), recorded its build, and died.
      await readStore.transaction((tx) =>
        tx.saveState({
          name: 'complaint-kpis~rebuild',
          version: kpis?.version as number,
          generation: 9,
          collection: `complaint_kpis_v${kpis?.version}_9`,
          updatedAt: new Date().toISOString(),
        }),
      );
      expect(await readStore.acquireLease('complaint-kpis~rebuild', 'another-process', 6000)).toBeDefined();
    } finally {
      await readStore.close();
    }
    const rebuilt = await cli(['rebuild', 'complaint-kpis'], { ...env, CRM_LEASE_TTL_MS: '1000' });
    // It names the holder, so an operator can tell which process to look at.
    expect(rebuilt.stderr).toMatch(
      /complaint-kpis: being rebuilt by another process, another-process \(its lease is live until \S+Z\); waiting for that build to serve/,
    );
    expect(rebuilt.code).toBe(0);
    // It waited for that build; once its lease lapsed, the owner (this CLI: no server runs) adopted and finished it.
    expect(rebuilt.stdout).toMatch(
      new RegExp(`^complaint-kpis: serving complaint_kpis_v${kpis?.version}_9 at \\S+ \\(replaced \\S+\\)$`, 'm'),
    );
  }, 60_000);

  it('replay leaves a projection another process runs to it, and waits until that owner has caught up', async () => {
    // The owner: a runner with leases on the same files, as the API's worker or crm-projector has.
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    const leads = ALL_PROJECTIONS.filter((p) => p.name === 'pipeline-leads');
    const owner = new ProjectionRunner({ eventStore: events, readStore, projections: leads, ownership: { owner: 'the-api', ttlMs: 1000 } });
    try {
      await owner.start();
      const head = (await seedEventStore(events, { events: 300, seed: 9 })).head as string;
      const run = await cli(['replay', 'pipeline-leads'], { ...env, CRM_LEASE_TTL_MS: '1000' });
      expect(run).toMatchObject({ code: 0, stderr: expect.stringMatching(new RegExp(`replay pipeline-leads: caught up at ${head} in `)) });
      // Before, it ran the projection beside its owner: both folded the same events into the same documents.
      expect(run.stderr).toMatch(/run by another process: pipeline-leads \(the-api\); waiting for it to catch up/);
      expect(run.stderr).toContain('caught up by the process that runs them: pipeline-leads');
      expect((await readStore.listLeases()).find((lease) => lease.name === 'pipeline-leads')).toMatchObject({ owner: 'the-api' });
      expect((await readStore.loadState('pipeline-leads'))?.checkpoint).toBe(head);
    } finally {
      await owner.stop();
      await readStore.close();
      await events.close();
    }
  }, 60_000);

  it('replay writes nothing while an owner holds the projection, and runs it once that lease lapses (the owner died)', async () => {
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const head = (await seedEventStore(events, { events: 300, seed: 8 })).head as string;
    await events.close();
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    try {
      const before = (await readStore.loadState('pipeline-leads'))?.checkpoint;
      expect(before).not.toBe(head);
      // An owner that renews its lease (1 s) until the CLI says it stands by, a second more, and then dies.
      const held = await readStore.acquireLease('pipeline-leads', 'another-process', 1000);
      const replay = startCli(['replay', 'pipeline-leads'], { ...env, CRM_LEASE_TTL_MS: '1000' });
      let standingBySince: number | undefined;
      while (standingBySince === undefined || Date.now() < standingBySince + 1000) {
        if (standingBySince === undefined && /run by another process: pipeline-leads/.test(replay.output())) standingBySince = Date.now();
        if (replay.child.exitCode !== null) throw new Error(`replay ended while the owner held its lease:\n${replay.output()}`);
        expect(await readStore.acquireLease('pipeline-leads', 'another-process', 1000)).toMatchObject({ epoch: held?.epoch });
        expect((await readStore.loadState('pipeline-leads'))?.checkpoint).toBe(before);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const run = await replay.exited;
      expect(run).toMatchObject({ code: 0, output: expect.stringMatching(new RegExp(`replay pipeline-leads: caught up at ${head} in `)) });
      expect((await readStore.loadState('pipeline-leads'))?.checkpoint).toBe(head);
      const taken = (await readStore.listLeases()).find((lease) => lease.name === 'pipeline-leads');
      expect({ epoch: taken?.epoch, tookOver: taken?.owner !== 'another-process' }).toEqual({
        epoch: (held?.epoch ?? 0) + 1,
        tookOver: true,
      });
    } finally {
      await readStore.close();
    }
  }, 60_000);

  it('replay --timeout gives up on an owner that holds its projection and never catches up, names it, and exits 1', async () => {
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const head = (await seedEventStore(events, { events: 300, seed: 10 })).head as string;
    await events.close();
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    // An owner alive (it renews its lease) but stalled: it never folds an event.
    let renewing = true;
    const renewals = (async () => {
      while (renewing) {
        // A long lease, renewed often: a loaded machine pausing this process must not let it lapse.
        await readStore.acquireLease('pipeline-leads', 'a-stalled-process', 30_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      const before = (await readStore.loadState('pipeline-leads'))?.checkpoint;
      const started = Date.now();
      // Before, replay waited for as long as the owner lived.
      const run = await cli(['replay', 'pipeline-leads', '--timeout', '3'], { ...env, CRM_LEASE_TTL_MS: '1000' });
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`replay pipeline-leads: timed out at ${head} in `));
      expect(run.stderr).toMatch(new RegExp(`not caught up to ${head} after 3s: pipeline-leads at .*\\(run by a-stalled-process\\)`));
      expect((await readStore.loadState('pipeline-leads'))?.checkpoint).toBe(before);
      expect(await cli(['replay', 'pipeline-leads', '--timeout', '0'], env)).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--timeout must be a positive whole number'),
      });
    } finally {
      renewing = false;
      await renewals;
      await readStore.releaseLease('pipeline-leads', 'a-stalled-process');
      await readStore.close();
    }
  }, 60_000);
});

describe('crm-cli seed, interrupted', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-seed-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops at Ctrl-C after the batch in hand, says how far it got, exits 1; every event it reports is in the store', async () => {
    const { CRM_EVENT_STORE: _store, CRM_READ_STORE: _read, ...inherited } = process.env;
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/crm-cli/src/main.ts', 'seed', '--events', '400000'], {
      cwd: WORKSPACE,
      env: { ...inherited, CRM_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    // The first progress line (a log gets one after 2 s) says the seed is under way: then Ctrl-C, once.
    await new Promise<void>((started) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/seed/.test(stderr)) started();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    const reported = /interrupted: seeded ([\d,]+) of 400,000 events/.exec(stderr);
    expect(reported).not.toBeNull();
    const seeded = Number((reported?.[1] ?? '').replace(/,/g, ''));
    expect(seeded).toBeGreaterThan(0);
    expect(seeded).toBeLessThan(400_000);
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite') });
    try {
      expect(Number(await store.headPosition())).toBe(seeded);
    } finally {
      await store.close();
    }
    // The same seed again is refused; another one goes on from there.
    expect(await cli(['seed', '--events', '100'], { CRM_DATA_DIR: dataDir })).toMatchObject({ code: 1 });
    expect(await cli(['seed', '--events', '100', '--seed', '2'], { CRM_DATA_DIR: dataDir })).toMatchObject({ code: 0 });
  }, 60_000);
});

describe('crm-cli export that fails part way', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-export-fails-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('removes the file it was writing and says so, so no part of an export can pass for the whole', async () => {
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(store, { events: 3000, seed: 11 });
    // An event near the end that no longer reads (a damaged row): the export stops there, most lines written.
    store.db.prepare("UPDATE events SET data = 'not json' WHERE position = (SELECT max(position) - 5 FROM events)").run();
    await store.close();
    const file = join(dataDir, 'all.ndjson');
    const run = await cli(['export', 'events', '--out', file], { CRM_DATA_DIR: dataDir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`export failed: nothing written to ${file}`);
    // Before, about 3,000 whole lines stayed there, with nothing to tell them from a complete export.
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dataDir).filter((name) => name.includes('.partial-'))).toEqual([]);
    // With --force over an earlier export, the earlier one stays as it was.
    writeFileSync(file, 'an earlier export\n');
    expect((await cli(['export', 'events', '--out', file, '--force'], { CRM_DATA_DIR: dataDir })).code).not.toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('an earlier export\n');
  }, 60_000);
});

describe('crm-cli seed, twice at once', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-seed-twice-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('two seeds of one history on one SQLite file, from two connections at once: the history once, each counts its own', async () => {
    const file = join(dataDir, 'crm.sqlite');
    const [one, two] = [openSqliteEventStore({ file }), openSqliteEventStore({ file })];
    try {
      const options = { events: 3000, seed: 4, batchEvents: 500 };
      const [a, b] = await Promise.all([seedEventStore(one, options), seedEventStore(two, options)]);
      const head = Number(await one.headPosition());
      expect(a.events + b.events).toBe(head);
      expect([a.events + a.writtenElsewhere, b.events + b.writtenElsewhere]).toEqual([head, head]);
      expect(Math.max(a.writtenElsewhere, b.writtenElsewhere)).toBeGreaterThan(0);
      // A third, after them, is refused up front and writes nothing.
      const third = await cli(['seed', '--events', '3000', '--seed', '4'], { CRM_DATA_DIR: dataDir });
      expect(third.code).toBe(1);
      expect(Number(await one.headPosition())).toBe(head);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  }, 60_000);
});

describe('crm-cli on read models ahead of the log (the log restored from an older backup)', () => {
  const newer = mkdtempSync(join(tmpdir(), 'crm-cli-newer-'));
  const restored = mkdtempSync(join(tmpdir(), 'crm-cli-restored-'));
  afterAll(() => [newer, restored].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('status says so and exits 1, also once the log has grown past them; the next replay builds them again from the log', async () => {
    for (const [dir, events] of [
      [newer, 3000],
      [restored, 600],
    ] as const) {
      const store = openSqliteEventStore({ file: join(dir, 'crm.sqlite'), synchronous: 'NORMAL' });
      await seedEventStore(store, { events, seed: 5 });
      await store.close();
    }
    expect((await cli(['replay', 'all'], { CRM_DATA_DIR: newer })).code).toBe(0);
    // The read models of the newer log beside the older log, as a restore of crm.sqlite alone leaves them.
    for (const file of readdirSync(newer).filter((name) => name.startsWith('read-models.sqlite'))) {
      copyFileSync(join(newer, file), join(restored, file));
    }
    const env = { CRM_DATA_DIR: restored };
    const flagged = (name: string) =>
      new RegExp(`^${name} .* NOT FROM THIS LOG \\(ahead of it, or its last event gone\\): rebuilds on next start$`, 'm');
    const status = await cli(['status'], env);
    expect(status.code).toBe(1);
    for (const { name } of ALL_PROJECTIONS) expect(status.stdout).toMatch(flagged(name));
    // Written to since, beyond the read models' positions: no longer ahead, and still not the log they were made from
    // (before, status said "behind" with exit 0, and a server carried on, passing over the new events).
    expect((await cli(['seed', '--events', '3000', '--seed', '2'], env)).code).toBe(0);
    const grown = await cli(['status'], env);
    expect(grown.code).toBe(1);
    for (const { name } of ALL_PROJECTIONS) expect(grown.stdout).toMatch(flagged(name));

    expect((await cli(['replay', 'all'], env)).code).toBe(0);
    const after = await cli(['status', '--json'], env);
    expect(after.code).toBe(0);
    const report = JSON.parse(after.stdout) as { head: string; projections: { name: string; checkpoint: string; aheadOfLog?: true }[] };
    for (const p of report.projections) expect([p.name, p.checkpoint, p.aheadOfLog]).toEqual([p.name, report.head, undefined]);
  }, 60_000);
});

describe('crm-cli against a PostgreSQL schema that does not exist', () => {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

  it('refuses as configuration (exit 2), naming the schema, and makes no schema (a typo read as an empty store)', async () => {
    const schema = `crm_cli_typo_${randomBytes(6).toString('hex')}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-pg-'));
    try {
      const status = await cli(['status'], {
        CRM_EVENT_STORE: 'postgres',
        CRM_POSTGRES_URL: url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_DATA_DIR: dataDir,
      });
      expect(status).toMatchObject({ code: 2, stderr: expect.stringContaining(`no event store in schema ${schema}`) });
      const { Client } = await import('pg');
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        expect((await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount).toBe(0);
      } finally {
        await client.end();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
