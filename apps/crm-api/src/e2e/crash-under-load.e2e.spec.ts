import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ALL_PROJECTIONS } from '@crm/platform';
import type { ProjectionRunner } from '@crm/projections/runtime';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE, READ_STORE } from '@crm/shared/http';
import type { ReadStore } from '@crm/shared/read-model';
import { diffReadModels, snapshotReadModels } from '@crm/shared/testing';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';
import { type ApiProcess, spawnApi } from '../testing/api-process';
import { brokenChains, readLog } from '../testing/event-log';
import { http, startTestApp } from '../testing/test-app';

interface Sent {
  readonly key: string;
  readonly path: '/api/v1/leads' | '/api/v1/feedback';
  readonly body: Record<string, unknown>;
  status?: number;
  id?: string;
}

const EVENT_OF: Record<Sent['path'], string> = { '/api/v1/leads': 'LeadCaptured', '/api/v1/feedback': 'FeedbackSubmitted' };

function request(n: number): Omit<Sent, 'key'> {
  return n % 2 === 0
    ? {
        path: '/api/v1/leads',
        // Leads are deduplicated on phone and email (a claim stream appended with the lead): every one is new.
        body: { fullName: 'مریم احمدی', source: 'web', phone: `0912${String(n).padStart(7, '0')}`, email: `crash${n}@example.ir` },
      }
    : {
        path: '/api/v1/feedback',
        body: { from: { name: 'سارا رحیمی', email: `sara${n}@example.ir` }, kind: 'praise', text: 'عالی بود', channel: 'web' },
      };
}

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const idOf = (streamId: string) => streamId.slice(-36);

/** A socket connected to the server, to write a whole request on later in one synchronous write. */
async function connected(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on('error', () => undefined); // the kill resets it
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

function rawRequest(item: Sent, headers: Record<string, string>): string {
  const body = JSON.stringify(item.body);
  const lines = Object.entries({
    host: 'localhost',
    ...headers,
    'idempotency-key': item.key,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  }).map(([name, value]) => `${name}: ${value}`);
  return `POST ${item.path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * A crash, not a shutdown: the API process is SIGKILLed while 16 clients keep commands in flight (leads, whose
 * duplicate-claim streams are appended with them, and feedback). Restarted on the same store, the log must hold
 * every command that was acknowledged; every request sent, acknowledged or cut off, retried with its Idempotency-Key,
 * must be recorded exactly once; every stream's hash chain must hold; and the read models, caught up after the
 * restart from what the killed process had committed, must equal a rebuild from the log.
 */
describe.each(['sqlite', 'postgres'] as const)('a crash under load (the API process SIGKILLed; %s)', (store) => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-crash-'));
  const schema = `crash_e2e_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  let api: ApiProcess | undefined;
  afterAll(async () => {
    api?.kill();
    rmSync(dir, { recursive: true, force: true });
    if (store === 'postgres') {
      const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });

  it('loses nothing it acknowledged, records each retried request once, and keeps its chains and read models whole', async () => {
    // Long leases: the restarted process must take the projections over from the dead one without waiting them out.
    const env = {
      CRM_DATA_DIR: dir,
      CRM_LEASE_TTL_MS: '60000',
      ...(store === 'postgres'
        ? { CRM_EVENT_STORE: 'postgres', DATABASE_URL, CRM_POSTGRES_SCHEMA: schema, CRM_POSTGRES_POOL_SIZE: '4' }
        : { CRM_EVENT_STORE: 'sqlite' }),
    };
    api = spawnApi(env);
    const url = await api.listening;
    const auth = { authorization: `Bearer ${readFileSync(join(dir, 'bootstrap-admin.key'), 'utf8').trim()}` };
    const sent: Sent[] = [];
    let killed = false;
    let n = 0;
    const worker = async () => {
      while (!killed) {
        const item: Sent = { key: randomUUID(), ...request((n += 1)) };
        sent.push(item);
        try {
          const reply = await http(url, 'POST', item.path, item.body, { ...auth, 'idempotency-key': item.key });
          item.status = reply.status;
          item.id = reply.body['id'] as string | undefined;
          if (reply.status !== 201) return; // reported by the assertions below
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const workers = Array.from({ length: 16 }, () => worker());
    const acknowledged = () => sent.filter((item) => item.status === 201);
    while (acknowledged().length < 300 && sent.every((item) => item.status === undefined || item.status === 201)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // The workers' requests in flight at the kill may all have been answered already when the test process, not the
    // server, is the slow side. These are written whole, in the same tick as the SIGKILL: the crash cuts them off.
    const lastMoment = await Promise.all(Array.from({ length: 4 }, () => connected(url)));
    killed = true;
    for (const socket of lastMoment) {
      const item: Sent = { key: randomUUID(), ...request((n += 1)) };
      sent.push(item);
      socket.write(rawRequest(item, auth));
    }
    api.kill();
    expect(await api.exited).toMatchObject({ signal: 'SIGKILL' });
    await Promise.all(workers);
    for (const socket of lastMoment) socket.destroy();
    expect(sent.filter((item) => item.status !== undefined && item.status !== 201)).toEqual([]);
    const before = acknowledged();
    const cutOff = sent.filter((item) => item.status === undefined);
    expect(before.length).toBeGreaterThanOrEqual(300);
    // The crash caught requests in flight (the four written with it at least): their fate (committed or not) is what
    // the retries below find out.
    expect(cutOff.length).toBeGreaterThanOrEqual(lastMoment.length);

    const restarting = Date.now();
    const restarted = await startTestApp(env);
    try {
      // The killed process renewed its leases at most 20 s (a third of the TTL) before the kill: they expire 40–60 s
      // after it. Its pid is gone, so the restarted process takes every projection at once instead.
      const runner = restarted.app.get<ProjectionRunner>(PROJECTION_RUNNER);
      const names = ALL_PROJECTIONS.map((projection) => projection.name);
      const takingOver = Date.now();
      while (runner.owned().length < names.length && Date.now() - takingOver < 20_000)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect([...runner.owned()].sort()).toEqual([...names].sort());
      process.stderr.write(
        `${env.CRM_EVENT_STORE}: the restarted API owned all ${names.length} projections ${Date.now() - restarting} ms after its start began (TTL 60 s)\n`,
      );
      const store = restarted.app.get<EventStore>(EVENT_STORE);
      // Every acknowledged command is in the log (a stream is named `<category>-<id>`).
      const inLog = new Set((await readLog(store)).map((event) => idOf(event.streamId)));
      expect(before.filter((item) => !inLog.has(item.id as string))).toEqual([]);

      // Every request sent, retried as a client would: the first reply again for those acknowledged (or committed just
      // before the crash), recorded now for those the crash cut off before their commit; never a duplicate or a 409.
      const retries = await Promise.all(
        sent.map((item) => http(restarted.url, 'POST', item.path, item.body, { ...auth, 'idempotency-key': item.key })),
      );
      expect(retries.filter((reply) => reply.status !== 201).map((reply) => [reply.status, reply.body['code']])).toEqual([]);
      const ids = retries.map((reply) => reply.body['id'] as string);
      expect(sent.flatMap((item, i) => (item.status === 201 && ids[i] !== item.id ? [[item.id, ids[i]]] : []))).toEqual([]);
      expect(new Set(ids).size).toBe(sent.length);

      const log = await readLog(store);
      for (const path of Object.keys(EVENT_OF) as Sent['path'][]) {
        const recorded = log.filter((event) => event.type === EVENT_OF[path]).map((event) => idOf(event.streamId));
        const asked = sent.flatMap((item, i) => (item.path === path ? [ids[i] as string] : []));
        // One event per request, in the stream of the id its reply names.
        expect(recorded).toHaveLength(asked.length);
        expect([...recorded].sort()).toEqual([...asked].sort());
      }
      expect(cutOff.length + before.length).toBe(sent.length);

      // Each stream's hash chain holds, across the crash.
      expect(brokenChains(log)).toEqual([]);

      // The read models, resumed from the killed process's last commits, equal a rebuild of the log.
      const readStore = restarted.app.get<ReadStore>(READ_STORE);
      const head = (await store.headPosition()) as string;
      await runner.waitFor('all', head, 30_000);
      const serving = () => new Map(names.map((name) => [name, runner.collectionOf(name)]));
      const live = await snapshotReadModels(readStore, serving());
      expect(live.get('pipeline-leads')?.size).toBeGreaterThanOrEqual(sent.filter((item) => item.path === '/api/v1/leads').length);
      await runner.rebuildMany(names);
      expect(diffReadModels(live, await snapshotReadModels(readStore, serving()))).toEqual([]);
    } finally {
      await restarted.close();
    }
  }, 120_000);
});
