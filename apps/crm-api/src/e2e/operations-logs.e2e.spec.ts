import { type AppendOptions, type AppendResult, type EventToAppend, InMemoryEventStore } from '@crm/shared/event-sourcing';
import { logSink } from '../testing/log-sink';
import { http, startTestApp, type TestApp } from '../testing/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A store whose disk is gone for business data: every append fails, so the request fails inside the app and is
 * logged there. The API key streams still append, so the server can make its bootstrap key and start.
 */
class BrokenDiskStore extends InMemoryEventStore {
  override appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    if (streamId.startsWith('api-key-')) return super.appendToStream(streamId, events, options);
    return Promise.reject(new Error('EIO: disk on fire'));
  }
}

describe('logs (pino JSON lines)', () => {
  const sink = logSink();
  let server: TestApp;
  const correlationId = '6f1d2c4b-5a69-4788-9a0b-1c2d3e4f5a6b';

  beforeAll(async () => {
    server = await startTestApp(
      { CRM_EVENT_STORE: 'memory', CRM_LOG: 'info' },
      { eventStore: new BrokenDiskStore(), logDestination: sink.stream },
    );
  });
  afterAll(async () => server.close());

  it('writes one request line per request: method, route template, status, latency, request and correlation ids', async () => {
    const reply = await http(server.url, 'GET', '/api/v1/streams/lead-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d', undefined, {
      'x-correlation-id': correlationId,
      'x-request-id': 'edge-7f3a.42',
    });
    expect(reply.status).toBe(404);
    expect(reply.headers.get('x-request-id')).toBe('edge-7f3a.42');
    const line = sink.lines().find((l) => l['requestId'] === 'edge-7f3a.42');
    expect(line).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'crm-api',
      pid: process.pid,
      requestId: 'edge-7f3a.42',
      correlationId,
      method: 'GET',
      route: '/api/v1/streams/:streamId',
      status: 404,
      latencyMs: expect.any(Number),
      code: 'STREAM.NOT_FOUND',
      msg: 'request',
    });
  });

  it('makes up a request id when the caller sends none or one that is not a plain token, and echoes it', async () => {
    const none = await http(server.url, 'GET', '/health/live');
    const hostile = await http(server.url, 'GET', '/health/live', undefined, { 'x-request-id': 'a"b\\u001b[31m' });
    for (const reply of [none, hostile]) expect(reply.headers.get('x-request-id')).toMatch(UUID);
    expect(none.headers.get('x-request-id')).not.toBe(hostile.headers.get('x-request-id'));
  });

  it('logs a failed request once: its line carries the error behind a 500, with its stack, and the ids', async () => {
    const reply = await http(server.url, 'POST', '/api/v1/contacts', { fullName: 'رضا کریمی' }, { 'x-correlation-id': correlationId });
    expect(reply.status).toBe(500);
    const requestId = reply.headers.get('x-request-id');
    const lines = sink.lines().filter((l) => l['requestId'] === requestId);
    // Before, the filter logged the stack on a line of its own, then the request line said it failed: twice.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'request failed',
      correlationId,
      method: 'POST',
      route: '/api/v1/contacts',
      status: 500,
      code: 'INTERNAL',
      err: { message: 'EIO: disk on fire', stack: expect.stringContaining('BrokenDiskStore') },
    });
  });

  it("names the code of a problem a hook answered itself on the request's line too: 401, 405, a bad query escape", async () => {
    const replies = [
      await http(server.url, 'GET', '/api/v1/streams/lead-x', undefined, { authorization: 'Bearer not-a-key' }),
      await http(server.url, 'PATCH', '/api/v1/streams/abc'),
      await http(server.url, 'GET', '/api/v1/views/pipeline/opportunities?cursor=%zz'),
    ];
    const codes = replies.map((reply) => sink.lines().find((l) => l['requestId'] === reply.headers.get('x-request-id'))?.['code']);
    // Before, these lines had no code: only problems that passed the exception filter had one.
    expect(codes).toEqual(['AUTH.UNAUTHENTICATED', 'REQUEST.METHOD_NOT_ALLOWED', 'REQUEST.BAD_URL']);
  });

  it('logs a 503 the service answers by design (a read model behind) as one warning, without a stack', async () => {
    const reply = await http(server.url, 'GET', '/api/v1/views/pipeline?minPosition=999999');
    expect(reply.status).toBe(503);
    const lines = sink.lines().filter((l) => l['requestId'] === reply.headers.get('x-request-id'));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'request failed', status: 503, code: 'READ_MODEL.NOT_CAUGHT_UP' }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('NotCaughtUpError');
  });

  it("never writes colour codes, and keeps the framework's start-up chatter below info", () => {
    expect(sink.text()).not.toContain('\u001b[');
    expect(sink.lines().some((l) => l['context'] === 'RouterExplorer' || l['context'] === 'InstanceLoader')).toBe(false);
  });
});
