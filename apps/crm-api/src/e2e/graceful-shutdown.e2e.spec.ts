import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '@crm/shared/event-sourcing';
import { EVENT_STORE } from '@crm/shared/http';
import type { ProjectionRunner } from '@crm/projections/runtime';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';
import { type ApiProcess, spawnApi } from '../testing/api-process';
import { http, startTestApp } from '../testing/test-app';

interface Sent {
  readonly id: string;
  readonly sentAt: number;
  answeredAt?: number;
  status?: number;
  code?: unknown;
  error?: string;
}

const refusesConnections = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

describe('graceful shutdown (a separate API process)', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-shutdown-'));
    dirs.push(dir);
    return dir;
  };
  const apis: ApiProcess[] = [];
  const start = (...args: Parameters<typeof spawnApi>) => {
    const api = spawnApi(...args);
    apis.push(api);
    return api;
  };
  afterAll(() => {
    apis.forEach((api) => api.kill()); // whatever a failed test left running
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  it('on SIGTERM under load answers every request sent before it, exits 0, and keeps every command it acknowledged', async () => {
    const dir = dataDir();
    const api = start({ CRM_DATA_DIR: dir, CRM_SHUTDOWN_GRACE_MS: '10000' });
    const url = await api.listening;
    const auth = { authorization: `Bearer ${readFileSync(join(dir, 'bootstrap-admin.key'), 'utf8').trim()}` };
    const sent: Sent[] = [];
    let signalledAt = Number.POSITIVE_INFINITY;
    let stopping = false;
    // Each worker keeps one request in flight on its keep-alive connection, as a busy client does.
    const worker = async (n: number) => {
      for (let i = 0; !stopping || performance.now() < signalledAt + 3000; i += 1) {
        const request: Sent = { id: randomUUID(), sentAt: performance.now() };
        sent.push(request);
        try {
          const reply = await http(url, 'POST', '/api/v1/contacts', { id: request.id, fullName: `مشتری ${n}-${i}` }, auth);
          Object.assign(request, { status: reply.status, code: reply.body['code'], answeredAt: performance.now() });
          // Shutting down (503, its connection closed): the client tries again on a new connection, as a busy one does.
          if (reply.status === 503) continue;
          if (reply.status !== 201) return; // a failure the assertions below report
        } catch (error) {
          request.error = String((error as { cause?: unknown }).cause ?? error);
          return; // the server has stopped listening
        }
      }
    };
    let running = 16;
    const workers = Array.from({ length: running }, (_, n) => worker(n).finally(() => (running -= 1)));
    while (running > 0 && sent.filter((request) => request.status === 201).length < 200) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(sent.filter((request) => request.status === 201).length).toBeGreaterThanOrEqual(200);
    signalledAt = performance.now();
    stopping = true;
    api.process.kill('SIGTERM');
    await Promise.all(workers);
    const exit = await api.exited;

    const before = sent.filter((request) => request.sentAt < signalledAt);
    // Every request sent before the signal got an HTTP answer: created, or "shutting down" (nothing done), never a reset.
    expect(before.filter((request) => request.status === undefined)).toEqual([]);
    expect(before.filter((request) => request.status !== 201 && request.code !== 'SERVICE.SHUTTING_DOWN')).toEqual([]);
    // In flight at the signal and still answered 201: draining, not just stopping.
    expect(before.filter((request) => request.status === 201 && (request.answeredAt ?? 0) > signalledAt).length).toBeGreaterThan(0);
    // After the signal: answered (201 in flight, 503 on a connection still open), or the connection refused (the port
    // closed at the signal: nothing was sent) or reset while it was being made (`connect ECONNRESET`: the listener
    // closed with it still in the kernel's backlog, under load; nothing was sent either), never a request sent on a
    // connection and then reset (a probe saw one per client).
    const after = sent.filter((request) => request.sentAt >= signalledAt);
    expect(after.filter((request) => request.status === 503).length).toBeGreaterThan(0);
    const neverSent = /ECONNREFUSED|connect ECONNRESET/;
    expect(after.filter((request) => request.status === undefined && !neverSent.test(request.error ?? ''))).toEqual([]);
    expect({ exit, stopped: api.output().includes('"msg":"stopped"') }).toEqual({ exit: { code: 0, signal: null }, stopped: true });
    expect(await refusesConnections(url)).toBe(true);

    // Restarted on the same data: every acknowledged command is there, and the projections resume cleanly.
    const acknowledged = sent.filter((request) => request.status === 201).map((request) => `contact-${request.id}`);
    const restarted = await startTestApp({ CRM_DATA_DIR: dir });
    try {
      const store = restarted.app.get<EventStore>(EVENT_STORE);
      const stored = new Set<string>();
      for (let after: string | undefined, isEnd = false; !isEnd;) {
        const slice = await store.readAll({ after, filter: { categories: ['contact'] }, maxCount: 5000 });
        for (const event of slice.events) stored.add(event.streamId);
        ({ isEnd } = slice);
        after = slice.checkpoint;
      }
      expect(acknowledged.filter((stream) => !stored.has(stream))).toEqual([]);
      const runner = restarted.app.get<ProjectionRunner>(PROJECTION_RUNNER);
      await runner.waitFor('all', (await store.headPosition()) as string, 20_000);
      expect((await runner.status()).filter((status) => status.error)).toEqual([]);
    } finally {
      await restarted.close();
    }
  }, 90_000);

  it('stops node started by `npm start` on SIGTERM to npm (no orphan left serving)', async () => {
    const api = start({ CRM_DATA_DIR: dataDir() }, ['npm', 'start', '--silent']);
    const url = await api.listening;
    expect((await http(url, 'GET', '/health/live')).status).toBe(200);
    api.process.kill('SIGTERM');
    expect(await api.exited).toEqual({ code: 0, signal: null });
    expect(api.output()).toContain('"msg":"stopped"');
    expect(await refusesConnections(url)).toBe(true);
  }, 90_000);
});
