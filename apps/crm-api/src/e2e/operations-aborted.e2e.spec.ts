import { connect } from 'node:net';
import { type AppendOptions, type AppendResult, type EventToAppend, InMemoryEventStore } from '@crm/shared/event-sourcing';
import { logSink } from '../testing/log-sink';
import { http, startTestApp, type TestApp } from '../testing/test-app';

/** A store whose business appends wait until the test lets them through (the API key streams pass, so the server starts). */
class GatedStore extends InMemoryEventStore {
  private gate: { opened: Promise<void>; open: () => void; reached: Promise<void>; reach: () => void } | undefined;

  /** The next business append waits: `reached` when it is under way, `open()` lets it through. */
  hold() {
    const gate: Partial<{ opened: Promise<void>; open: () => void; reached: Promise<void>; reach: () => void }> = {};
    gate.opened = new Promise<void>((resolve) => (gate.open = resolve));
    gate.reached = new Promise<void>((resolve) => (gate.reach = resolve));
    this.gate = gate as Required<typeof gate>;
    return this.gate;
  }

  override async appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    const gate = this.gate;
    if (gate && !streamId.startsWith('api-key-')) {
      this.gate = undefined;
      gate.reach();
      await gate.opened;
    }
    return super.appendToStream(streamId, events, options);
  }
}

/** The value of one sample line, labels in any order; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a request whose client hangs up before the reply (logs and metrics)', () => {
  const sink = logSink();
  const store = new GatedStore();
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'memory', CRM_LOG: 'info' }, { eventStore: store, logDestination: sink.stream });
  });
  afterAll(async () => server.close());

  const accepted = async () =>
    sample((await http<string>(server.url, 'GET', '/metrics')).body, 'crm_http_request_duration_seconds_count', {
      method: 'POST',
      route: '/api/v1/feedback',
      status: '201',
    });

  /** Sends the command on a raw socket and closes the socket while the command is appending. */
  async function sendAndHangUp(requestId: string, how: 'close' | 'reset'): Promise<void> {
    const gate = store.hold();
    const { hostname, port } = new URL(server.url);
    const body = JSON.stringify({ from: { name: 'رضا کریمی' }, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' });
    const socket = connect({ host: hostname, port: Number(port) });
    socket.on('error', () => undefined);
    socket.write(
      [
        'POST /api/v1/feedback HTTP/1.1',
        `Host: ${hostname}:${port}`,
        `Authorization: Bearer ${server.adminKey ?? ''}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        '',
        body,
      ].join('\r\n'),
    );
    await gate.reached;
    if (how === 'reset') socket.resetAndDestroy();
    else socket.destroy();
    // The server sees the connection closed before the command ends.
    await sleep(100);
    gate.open();
  }

  const linesOf = (requestId: string) => sink.lines().filter((line) => line['requestId'] === requestId);

  it.each(['close', 'reset'] as const)(
    'still writes its one request line, marked aborted, with the status the server decided, and counts it (client: %s)',
    async (how) => {
      const requestId = `gone-${how}`;
      const before = await accepted();
      await sendAndHangUp(requestId, how);
      for (let waited = 0; waited < 3000 && linesOf(requestId).length === 0; waited += 20) await sleep(20);
      // Nothing more comes later: one line, never two.
      await sleep(300);
      expect(linesOf(requestId)).toEqual([
        expect.objectContaining({ level: 'info', msg: 'request', method: 'POST', route: '/api/v1/feedback', status: 201, aborted: true }),
      ]);
      expect(await accepted()).toBe(before + 1);
    },
  );

  it('does not mark a request answered in full', async () => {
    const reply = await http(server.url, 'GET', '/health/live', undefined, { 'x-request-id': 'stayed-1' });
    expect(reply.status).toBe(200);
    await sleep(50);
    const lines = linesOf('stayed-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty('aborted');
  });
});
