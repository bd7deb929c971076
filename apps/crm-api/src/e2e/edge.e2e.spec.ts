import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { http, issueKey, startTestApp, type IssuedKey, type TestApp } from '../testing/test-app';

const feedback = { from: { name: 'رضا کریمی' }, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' };

/** Opens a raw connection, writes `head` and then one byte of `drip` per interval; resolves with when and how it ended. */
function trickle(url: string, head: string, drip: string, intervalMs: number): Promise<{ seconds: number; reply: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let reply = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      if (sent < drip.length && !socket.destroyed) socket.write(drip[sent++] as string);
    };
    socket.on('connect', () => {
      socket.write(head);
      next();
      timer = setInterval(next, intervalMs);
    });
    socket.on('data', (chunk) => (reply += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ seconds: (Date.now() - started) / 1000, reply });
    });
    setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error('the server kept the connection open'));
    }, 15_000).unref();
  });
}

describe('the HTTP edge (real server, embedded SQLite)', () => {
  let server: TestApp;
  let service: IssuedKey;
  const post = (headers: Record<string, string>, body: unknown) =>
    http(server.url, 'POST', '/api/v1/feedback', body, { ...service.headers, ...headers });

  beforeAll(async () => {
    server = await startTestApp({
      CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite',
      CRM_REQUEST_TIMEOUT_MS: '2000',
      CRM_HEADERS_TIMEOUT_MS: '1500',
    });
    service = await issueKey(server, { name: 'web form', roles: ['service'] });
  });
  afterAll(async () => server.close());

  it('sends security headers on every reply, and no-store on every authenticated one', async () => {
    const reply = await post({}, feedback);
    expect(reply.status).toBe(201);
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(reply.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const refused = await http(server.url, 'GET', '/api/v1/views/churn', undefined, {}, { anonymous: true });
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    const docs = await http(server.url, 'GET', '/api/docs-json', undefined, {}, { anonymous: true });
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    // The OpenAPI UI loads its own scripts only, and over whatever scheme it was served on.
    expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(docs.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });

  it('answers 415 to any command body that is not JSON, so a cross-site form can never change state', async () => {
    const head = async () => ((await http(server.url, 'GET', '/health')).body['eventStore'] as { headPosition: string }).headPosition;
    const before = await head();
    const form = 'from%5Bname%5D=x&kind=praise&text=hi&channel=web';
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', form],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="kind"\r\n\r\npraise\r\n--x--'],
      ['text/plain', JSON.stringify(feedback)],
      ['application/xml', '<feedback/>'],
      // JSON in another charset would be read as UTF-8 all the same (Latin-1 "Ã©" stored as "é").
      ['application/json; charset=latin1', JSON.stringify(feedback)],
      ['application/json; charset="UTF-16"', JSON.stringify(feedback)],
    ] as const) {
      const reply = await post({ 'content-type': type }, body);
      expect({ type, status: reply.status, code: reply.body['code'] }).toEqual({
        type,
        status: 415,
        code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      });
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    // A compressed body (or one claiming to be): not read as it came.
    for (const coding of ['gzip', 'br', 'identity, deflate']) {
      const reply = await post({ 'content-type': 'application/json', 'content-encoding': coding }, feedback);
      expect({ coding, status: reply.status, code: reply.body['code'], accept: reply.headers.get('accept-encoding') }).toEqual({
        coding,
        status: 415,
        code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        accept: 'identity',
      });
    }
    expect(await head()).toBe(before);
    expect((await post({ 'content-type': 'application/json; charset=UTF-8', 'content-encoding': 'identity' }, feedback)).status).toBe(201);
  });

  it('names every bad field at once, also when one holds a control character or a key is given twice', async () => {
    const raw = '{"from":{"name":"رضا\\u0000"},"kind":"telepathy","text":"x","channel":"fax","channel":"web","extra":"\\ud800"}';
    const reply = await post({ 'content-type': 'application/json' }, raw);
    expect(reply.status).toBe(400);
    const fields = (reply.body['errors'] as { field: string }[]).map((error) => error.field).sort();
    expect(fields).toEqual(['channel', 'extra', 'from.name', 'kind']);
  });

  it('refuses a line break or a tab in a one-line field (a name, a label, an id), and keeps the lines of free text', async () => {
    const sales = await issueKey(server, { name: 'crm desk', roles: ['sales'] });
    const lead = (fields: Record<string, unknown>) =>
      http(
        server.url,
        'POST',
        '/api/v1/leads',
        { fullName: 'مریم احمدی', source: 'web', email: `${randomUUID()}@example.ir`, ...fields },
        sales.headers,
      );
    // Each was answered 201 and stored as sent (an outside probe): one name split over two lines of a CSV export.
    const refused = await lead({ fullName: 'Line\r\nBreak', company: 'Acme\tInc', ownerId: 'o\nx' });
    expect(refused.status).toBe(400);
    expect(refused.body['errors']).toEqual([
      { field: 'fullName', messages: ['fullName must be one line: no line break or tab'] },
      { field: 'company', messages: ['company must be one line: no line break or tab'] },
      { field: 'ownerId', messages: ['ownerId must be one line: no line break or tab'] },
    ]);
    for (const fullName of ['علی\u2028رضا', 'علی\u2029رضا', 'علی\nرضا']) expect((await lead({ fullName })).status).toBe(400);
    const complaint = await http(
      server.url,
      'POST',
      '/api/v1/complaints',
      { complainant: { name: 'رضا\nکریمی' }, channel: 'phone', category: 'کیفیت کالا', description: 'خط اول\nخط دوم' },
      service.headers,
    );
    expect(complaint.body['errors']).toEqual([{ field: 'complainant.name', messages: ['name must be one line: no line break or tab'] }]);
    // Free text keeps its lines; a name with a ZWNJ or a space is one line.
    expect((await lead({ fullName: 'مریم\u200cاحمدی', interest: 'ورق فولادی\nتحویل در اصفهان\tفوری' })).status).toBe(201);
  });

  it('refuses a query string whose percent-escapes are malformed or not UTF-8, as it does a path', async () => {
    for (const query of ['%ZZ', '%FF', 'a%ED%A0%80', '%C0%AF']) {
      const reply = await http(server.url, 'GET', `/api/v1/views/satisfaction?from=${query}`, undefined, service.headers);
      expect({ query, status: reply.status, code: reply.body['code'] }).toEqual({ query, status: 400, code: 'REQUEST.BAD_URL' });
    }
    expect((await http(server.url, 'GET', '/api/v1/views/satisfaction?from=2026-01-01', undefined, service.headers)).status).toBe(200);
    // A bad escape in the path is refused before any hook runs: its id is given back all the same, and its instance named.
    const path = await http(server.url, 'GET', '/api/v1/%zz', undefined, { ...service.headers, 'x-request-id': 'probe-bad-url' });
    expect({ status: path.status, code: path.body['code'], instance: path.body['instance'] }).toEqual({
      status: 400,
      code: 'REQUEST.BAD_URL',
      instance: '/api/v1/%zz',
    });
    expect(path.headers.get('x-request-id')).toBe('probe-bad-url');
    const method = await http(server.url, 'DELETE', '/api/v1/leads', undefined, service.headers);
    expect({ status: method.status, title: method.body['title'], instance: method.body['instance'] }).toEqual({
      status: 405,
      title: 'Method not allowed',
      instance: '/api/v1/leads',
    });
  });

  it('reads application/*+json as JSON', async () => {
    expect((await post({ 'content-type': 'application/vnd.crm.feedback+json; charset=utf-8' }, feedback)).status).toBe(201);
  });

  it('cuts off a client trickling its body one byte at a time, after the request timeout', async () => {
    const body = JSON.stringify(feedback);
    const head =
      `POST /api/v1/feedback HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${service.key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    // One byte every 10 s would take minutes to send; the 2 s request timeout ends it in seconds.
    const { seconds } = await trickle(server.url, head, body, 10_000);
    expect(seconds).toBeGreaterThanOrEqual(1.5);
    expect(seconds).toBeLessThan(6);
  }, 25_000);

  it('cuts off a client trickling its headers, after the headers timeout', async () => {
    const { seconds } = await trickle(server.url, 'GET /health/live HTTP/1.1\r\n', 'X-Slow: ' + 'a'.repeat(100), 1000);
    expect(seconds).toBeLessThan(6);
  }, 25_000);
});

describe('rate limits (real server, embedded SQLite)', () => {
  let server: TestApp;
  let service: IssuedKey;

  beforeAll(async () => {
    server = await startTestApp({
      CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite',
      CRM_RATE_LIMIT_MAX: '5',
      CRM_AUTH_FAILURE_LIMIT: '3',
    });
    service = await issueKey(server, { name: 'busy service', roles: ['analyst'] });
  });
  afterAll(async () => server.close());

  it('limits each principal: past its budget 429 problem+json with Retry-After, other principals unaffected', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i += 1) {
      last = await http(server.url, 'GET', '/api/v1/views/churn', undefined, service.headers);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(last?.body).toMatchObject({ status: 429 });
    // The window it counts in, not the time left until it renews (before: "5 requests per 59 seconds").
    expect(last?.body['detail']).toMatch(
      /^Rate limit of 5 requests per 1 minute reached; retry in (\d+ seconds?|1 minute) \(Retry-After\)$/,
    );
    expect((await http(server.url, 'GET', '/api/v1/views/churn')).status).toBe(200);
  });

  it('answers 429 to bad credentials from an address past its failure budget, never to a good one; an X-Forwarded-For does not change the address', async () => {
    const wrong = (n: number) => ({ authorization: `Bearer crm_${'x'.repeat(42)}${n}`, 'x-forwarded-for': `203.0.113.${n}` });
    const statuses: number[] = [];
    for (let n = 0; n < 4; n += 1) statuses.push((await http(server.url, 'GET', '/api/v1/views/churn', undefined, wrong(n))).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const blocked = await http(server.url, 'GET', '/api/v1/views/churn', undefined, wrong(9));
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ code: 'AUTH.TOO_MANY_FAILURES' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Behind a proxy every client has the proxy's address: someone's bad tokens must not lock the others out.
    expect((await http(server.url, 'GET', '/api/v1/admin/api-keys')).status).toBe(200);
  });
});

describe('rate limits for requests answered before authentication passes (real server, embedded SQLite)', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'sqlite', CRM_RATE_LIMIT_MAX: '5', CRM_AUTH_FAILURE_LIMIT: '100' });
  });
  afterAll(async () => server.close());

  it('counts requests without credentials and for paths not served against the address, as any anonymous request', async () => {
    const none = { anonymous: true };
    const statuses: number[] = [];
    for (const path of ['/nope', '/api/v1/nope', '/api/v1/leads/x/nope'])
      statuses.push((await http(server.url, 'GET', path, undefined, {}, none)).status);
    const last = await http(server.url, 'GET', '/api/v1/views/churn', undefined, {}, none);
    statuses.push(last.status);
    // With the OpenAPI document this test's client reads once (anonymous too), the address's budget of five. A probe was
    // sent 45 of each kind in 10 s with a budget of 20, and none was refused.
    expect(statuses).toEqual([404, 404, 404, 401]);
    // Told as the plugin tells what it counts: the last of the five, none left.
    expect([last.headers.get('x-ratelimit-limit'), last.headers.get('x-ratelimit-remaining')]).toEqual(['5', '0']);
    const refused = await http(server.url, 'GET', '/api/v1/views/churn', undefined, {}, none);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      status: 429,
      code: 'REQUEST.TOO_MANY',
      title: 'Too many requests',
      instance: '/api/v1/views/churn',
    });
    expect(refused.body['detail']).toMatch(
      /^Rate limit of 5 requests per 1 minute reached; retry in (\d+ seconds?|1 minute) \(Retry-After\)$/,
    );
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    const unknown = await http(server.url, 'POST', '/nope', {}, {}, none);
    expect({ status: unknown.status, code: unknown.body['code'] }).toEqual({ status: 429, code: 'REQUEST.TOO_MANY' });
    // The probes stay outside every budget, and a principal spends its own, on a path not served too (a reviewer: a good
    // key was refused for its address there, which a proxy shares with everyone).
    expect((await http(server.url, 'GET', '/health/live', undefined, {}, none)).status).toBe(200);
    expect((await http(server.url, 'GET', '/api/v1/views/churn')).status).toBe(200);
    const mine = await http(server.url, 'GET', '/api/v1/nope');
    expect(mine.status).toBe(404);
    expect(Number(mine.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    // Two Authorization headers are answered before authentication: past the address's budget, 429 too.
    const twice = await fetch(`${server.url}/api/v1/views/churn`, {
      headers: [
        ['authorization', 'Bearer a'],
        ['authorization', 'Bearer b'],
      ],
    });
    expect(twice.status).toBe(429);
  });
});

describe('CRM_RATE_LIMIT=off (benchmarks)', () => {
  it('lets a principal past any budget', async () => {
    const server = await startTestApp({ CRM_EVENT_STORE: 'sqlite', CRM_RATE_LIMIT: 'off', CRM_RATE_LIMIT_MAX: '2' });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 5 }, () => http(server.url, 'GET', '/api/v1/views/churn').then((r) => r.status)),
      );
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await server.close();
    }
  });
});
