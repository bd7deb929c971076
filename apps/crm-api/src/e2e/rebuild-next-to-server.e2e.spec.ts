import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { waitUntil } from '@crm/shared/testing';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { PROJECTION_RUNNER, type ServingProjections } from '../read-models/read-models.service';

const WORKSPACE = resolve(__dirname, '../../../..');
const KPIS = 'complaint-kpis';

/**
 * The build the CLI reports serving, once the server's runner serves it too. The CLI returns when the store's pointer
 * names its build; the owner (the server's worker thread) moves the pointer and then its own lane, and the server's
 * thread hears of it in the worker's next snapshot: a moment later, longer on a loaded machine.
 */
async function servedAsReported(serving: ServingProjections, output: string): Promise<string> {
  const reported = new RegExp(`${KPIS}: serving (\\S+)`).exec(output)?.[1];
  if (reported === undefined) throw new Error(`the CLI reported no build serving:\n${output}`);
  await waitUntil(async () => serving.collectionOf(KPIS) === reported, `the server to serve ${reported}, as the CLI reported`, 5000);
  return reported;
}

interface CliRun {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; output: string }>;
}

/** `crm-cli rebuild <name>` in a process of its own, on the server's data directory. */
function startRebuild(dataDir: string): CliRun {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/crm-cli/src/main.ts', 'rebuild', KPIS], {
    cwd: WORKSPACE,
    env: { ...process.env, CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: dataDir, CRM_LEASE_TTL_MS: '1000', CRM_REBUILD_GRACE_MS: '1500' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: new Promise((done) => child.on('exit', (code) => done({ code, output }))) };
}

const rebuildInAnotherProcess = (dataDir: string) => startRebuild(dataDir).exited;

describe('crm-cli rebuild next to a live server (embedded default: projections on the worker thread)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-rebuild-live-'));
  let server: TestApp;

  beforeAll(async () => {
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(events, { events: 20_000, seed: 5 }); // enough that the rebuild lasts several lease renewals
    await events.close();
    server = await startTestApp({
      CRM_DATA_DIR: dataDir,
      CRM_PROJECTIONS: 'run',
      // The server's lease lasts 3 s, renewed every second: under the whole suite's load on two cores its worker thread
      // has renewed a 1 s lease late, and the CLI rightly took the projection over (epoch 3), which this test rules out.
      CRM_LEASE_TTL_MS: '3000',
      CRM_REBUILD_GRACE_MS: '1500',
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never shows a view going backwards, and serves the new build once the CLI returns', async () => {
    const serving = server.app.get<ServingProjections>(PROJECTION_RUNNER);
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite') });
    const head = (await events.headPosition()) as string;
    await events.close();
    const kpis = async (minPosition?: string) => {
      const reply = await http(server.url, 'GET', `/api/v1/views/complaints/kpis${minPosition ? `?minPosition=${minPosition}` : ''}`);
      expect(reply.status).toBe(200);
      return reply.body['complaints'] as number;
    };
    // The server's first build of the history runs on its worker thread after startup (the worker lets its event loop
    // turn during it), so it may outlast one read's wait (CRM_READ_WAIT_MS) on a loaded machine: wait for it first.
    await serving.waitFor(KPIS, head, 120_000);
    const seen = [await kpis(head)];
    const before = serving.collectionOf(KPIS);

    const rebuild = rebuildInAnotherProcess(dataDir);
    let finished = false;
    void rebuild.then(() => (finished = true));
    let position = head;
    let posted = 0;
    let reportedRebuilding = false;
    // Health says so while the new build is made (elsewhere, then adopted here): asked all along, apart from the writes.
    const watchHealth = (async () => {
      while (!finished && !reportedRebuilding) {
        const health = await http<{ projections: { name: string; rebuilding?: boolean }[] }>(server.url, 'GET', '/health');
        if (health.body.projections.find((p) => p.name === KPIS)?.rebuilding) reportedRebuilding = true;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // Commands and reads all along: every reply counts at least what the one before did.
    while (!finished) {
      const reply = await http(server.url, 'POST', '/api/v1/complaints', {
        complainant: { name: 'مریم احمدی', phone: '۰۹۱۲ ۱۱۱ ۲۲۳۳' },
        channel: 'phone',
        category: 'delivery',
        description: 'سفارش با تأخیر رسید',
      });
      expect(reply.status).toBe(201);
      position = reply.body['position'] as string;
      posted += 1;
      seen.push(await kpis());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await watchHealth;
    const { code, output } = await rebuild;
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining(`${KPIS}: serving `) });
    const backwards = seen.filter((count, i) => i > 0 && count < (seen[i - 1] as number));
    expect(backwards).toEqual([]);
    expect(posted).toBeGreaterThan(0);
    expect(reportedRebuilding).toBe(true);

    // The server serves the new build, and it holds everything: what was seeded and every complaint posted meanwhile.
    const after = await servedAsReported(serving, output);
    expect(after).not.toBe(before);
    expect(await kpis(position)).toBe((seen[0] as number) + posted);

    // After the grace period the replaced build is dropped, and nothing writes it again.
    const readModels = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite') });
    try {
      // The server owned the projection throughout (no takeover), so the switch was its own: the CLI handed the build over.
      expect((await readModels.listLeases()).find((lease) => lease.name === KPIS)).toMatchObject({ epoch: 1 });
      const deadline = Date.now() + 15_000;
      while ((await readModels.count(before)) > 0) {
        if (Date.now() > deadline) throw new Error(`${before} was not dropped after the grace period`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await http(server.url, 'POST', '/api/v1/complaints', {
        complainant: { name: 'سارا رحیمی', phone: '۰۹۱۲ ۱۱۱ ۴۴۵۵' },
        channel: 'web',
        category: 'billing',
        description: 'صورتحساب اشتباه بود',
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await readModels.count(before)).toBe(0);
    } finally {
      await readModels.close();
    }
  }, 120_000);

  it('a crm-cli rebuild killed half-way and run again finishes, while the server finishes or hands over the killed build', async () => {
    const serving = server.app.get<ServingProjections>(PROJECTION_RUNNER);
    const before = serving.collectionOf(KPIS);
    // Killed (SIGKILL: no clean-up) once it has committed part of its build: the build and its rebuild lease stay behind.
    const killed = startRebuild(dataDir);
    const readModels = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite') });
    try {
      const deadline = Date.now() + 60_000;
      while ((await readModels.loadState(`${KPIS}~rebuild`))?.checkpoint === undefined) {
        if (Date.now() > deadline) throw new Error(`the first rebuild committed nothing: ${killed.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      await readModels.close();
    }
    killed.child.kill('SIGKILL');
    await killed.exited;
    // Run again at once: the server adopts the killed build once its lease lapses (1 s), or this run takes it first;
    // either way this run reports a switch, and does not fail with "being rebuilt by another process".
    const { code, output } = await rebuildInAnotherProcess(dataDir);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining(`${KPIS}: serving `) });
    const after = await servedAsReported(serving, output);
    expect(after).not.toBe(before);
    // And it holds every complaint in the log.
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite') });
    try {
      const head = (await events.headPosition()) as string;
      const received = events.db.prepare("SELECT count(*) AS n FROM events WHERE type = 'ComplaintReceived'").get() as { n: number };
      const reply = await http(server.url, 'GET', `/api/v1/views/complaints/kpis?minPosition=${head}`);
      expect(reply.body['complaints']).toBe(received.n);
    } finally {
      await events.close();
    }
  }, 120_000);
});
