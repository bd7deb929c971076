import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
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
  /** When the client wrote the request's headers on a connection (undici's own report), if it ever did. */
  sentAt?: number;
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

/** The `x-request-id` of a request undici has just written, whether it lists its headers as pairs or as text. */
function requestIdWritten(message: unknown): string | undefined {
  const headers = (message as { request?: { headers?: unknown } }).request?.headers;
  if (Array.isArray(headers)) {
    const at = headers.findIndex((value, i) => i % 2 === 0 && String(value).toLowerCase() === 'x-request-id');
    return at < 0 ? undefined : String(headers[at + 1]);
  }
  return typeof headers === 'string' ? /^x-request-id:\s*(\S+)/im.exec(headers)?.[1] : undefined;
}

/** When each request was written on its connection: stamped as undici writes it, not when the test asked for it. */
function stampWrites(sent: Map<string, Sent>): () => void {
  const onWritten = (message: unknown) => {
    const request = sent.get(requestIdWritten(message) ?? '');
    if (request) request.sentAt ??= Date.now();
  };
  subscribe('undici:client:sendHeaders', onWritten);
  return () => unsubscribe('undici:client:sendHeaders', onWritten);
}

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
    const byId = new Map<string, Sent>();
    const stopStamping = stampWrites(byId);
    let signalledAt = Number.POSITIVE_INFINITY;
    let stopping = false;
    // Each worker keeps one request in flight on its keep-alive connection, as a busy client does.
    const worker = async (n: number) => {
      for (let i = 0; !stopping || Date.now() < signalledAt + 3000; i += 1) {
        const request: Sent = { id: randomUUID() };
        sent.push(request);
        byId.set(request.id, request);
        try {
          const body = { id: request.id, fullName: `مشتری ${n}-${i}` };
          const reply = await http(url, 'POST', '/api/v1/contacts', body, { ...auth, 'x-request-id': request.id });
          Object.assign(request, { status: reply.status, code: reply.body['code'], answeredAt: Date.now() });
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
    signalledAt = Date.now();
    stopping = true;
    api.process.kill('SIGTERM');
    await Promise.all(workers);
    stopStamping();
    const exit = await api.exited;
    // When the server, done lingering, began to close its connections (its log's clock is this machine's).
    const closing = api
      .output()
      .split('\n')
      .flatMap((line) => (line.includes('"msg":"closing the connections"') ? [JSON.parse(line) as { time: string }] : []));
    expect(closing).toHaveLength(1);
    const closedAt = Date.parse((closing[0] as { time: string }).time);
    // It lingered, answering 503, for a while after the signal before closing any connection.
    expect(closedAt - signalledAt).toBeGreaterThanOrEqual(200);

    // A request the client wrote before the server began closing got an HTTP answer: created, or "shutting down"
    // (nothing done), never a reset. That is every request written before the signal, and those written while it lingered.
    const written = sent.filter((request) => request.sentAt !== undefined && request.sentAt < closedAt);
    // Written in the last moments before the server began closing, a request may still be in the socket's buffer, unread,
    // when its connection closes: reset, as one written after (below). A CI run under load saw 4 of 16 clients written
    // within the same 3 ms reset. Those are reported, at most one per client (each keeps one request in flight); a
    // client sends such a create again with its id, which the server answers once.
    const RACE_MS = 50;
    const racing = written.filter((request) => request.status === undefined && (request.sentAt as number) >= closedAt - RACE_MS);
    expect(racing.length).toBeLessThanOrEqual(16);
    expect(written.filter((request) => request.status === undefined && !racing.includes(request))).toEqual([]);
    expect(written.filter((request) => request.status !== 201 && request.code !== 'SERVICE.SHUTTING_DOWN')).toEqual([]);
    // In flight at the signal and still answered 201: draining, not just stopping.
    const before = written.filter((request) => (request.sentAt as number) < signalledAt);
    expect(before.filter((request) => request.status === 201 && (request.answeredAt ?? 0) > signalledAt).length).toBeGreaterThan(0);
    expect(written.filter((request) => request.sentAt! >= signalledAt && request.status === 503).length).toBeGreaterThan(0);
    // A request the client never wrote (its connection refused, the port being closed at the signal, or reset while it
    // was being made) got no answer, and could not have: every answered one was stamped as written. A request written
    // after the server began closing may meet its connection's close (a client stalled past the linger; it retries, and
    // is refused): how many did is reported, not asserted.
    expect(sent.filter((request) => request.sentAt === undefined && request.status !== undefined)).toEqual([]);
    const late = sent.filter((request) => request.sentAt !== undefined && request.sentAt >= closedAt);
    process.stderr.write(
      `graceful shutdown: ${before.length} requests written before the signal, ${written.length - before.length} while lingering ` +
        `(${closedAt - signalledAt} ms), ${late.length} after it began closing (${late.filter((request) => request.status === undefined).length} reset), ` +
        `${racing.length} reset written within ${RACE_MS} ms before it\n`,
    );
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
