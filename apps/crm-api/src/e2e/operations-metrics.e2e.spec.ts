import { rawHttp } from '../testing/raw-http';
import { http, startTestApp, type TestApp } from '../testing/test-app';

/** The value of one sample line, labels in any order; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

describe('metrics (Prometheus, prom-client)', () => {
  let server: TestApp;
  const scrape = async () => {
    // /metrics needs role ops (or admin): the test app's admin key is sent.
    const reply = await http<string>(server.url, 'GET', '/metrics');
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return reply.body;
  };
  const post = (path: string, body: unknown) => http(server.url, 'POST', `/api/v1${path}`, body);

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => server.close());

  it('counts each request under its route template and the status actually sent: a 400 as a 400, an unknown path as one label', async () => {
    const lead = { fullName: 'مریم احمدی', source: 'web', phone: '09121234567' };
    expect((await post('/leads', lead)).status).toBe(201);
    expect((await post('/leads', { fullName: 'بدون تماس' })).status).toBe(400); // the validation filter answers
    expect((await post('/leads', '{"fullName": ')).status).toBe(400); // the JSON parser answers
    expect((await http(server.url, 'GET', '/api/v1/streams/lead-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d')).status).toBe(404);
    for (const path of ['/wp-admin/a', '/wp-admin/b', '/.env']) expect((await http(server.url, 'GET', path)).status).toBe(404);

    const text = await scrape();
    const count = (labels: Record<string, string>) => sample(text, 'crm_http_request_duration_seconds_count', labels);
    expect(count({ method: 'POST', route: '/api/v1/leads', status: '201' })).toBe(1);
    expect(count({ method: 'POST', route: '/api/v1/leads', status: '400' })).toBe(2);
    expect(count({ method: 'GET', route: '/api/v1/streams/:streamId', status: '404' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status: '404' })).toBe(3);
    expect(text).not.toMatch(/wp-admin|\.env/);
    // A histogram: cumulative buckets ending in +Inf = the count.
    const buckets = ['0.001', '0.005', '0.01', '0.05', '0.1', '0.5', '1', '5', '10', '+Inf'].map((le) =>
      sample(text, 'crm_http_request_duration_seconds_bucket', { method: 'POST', route: '/api/v1/leads', status: '400', le }),
    );
    expect(buckets.every((value) => value !== undefined)).toBe(true);
    expect(buckets).toEqual([...buckets].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(buckets.at(-1)).toBe(2);
  });

  it('times commands by type and outcome, and appends by stream category', async () => {
    const created = await post('/contacts', { fullName: 'رضا کریمی' });
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    expect((await post(`/contacts/${id}/link-account`, { accountId: '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d' })).status).toBeLessThan(500);
    expect((await post('/contacts', { id, fullName: 'رضا کریمی' })).status).toBe(409); // refused: already exists

    const text = await scrape();
    expect(sample(text, 'crm_command_duration_seconds_count', { command: 'CreateContact', outcome: 'accepted' })).toBe(1);
    expect(sample(text, 'crm_command_duration_seconds_count', { command: 'CreateContact', outcome: 'refused' })).toBe(1);
    expect(sample(text, 'crm_event_store_append_duration_seconds_count', { category: 'contact', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'crm_events_appended_total', { category: 'contact' })).toBeGreaterThanOrEqual(1);
  });

  it('counts what the HTTP layer answers before any route: a bad escape, a path parameter too long, malformed framing, headers too large', async () => {
    const before = await scrape();
    const unmatched = (text: string, method: string, status: string) =>
      sample(text, 'crm_http_request_duration_seconds_count', { method, route: 'unmatched', status }) ?? 0;
    expect((await http(server.url, 'GET', '/api/v1/streams/%zz')).status).toBe(400);
    expect((await http(server.url, 'GET', `/api/v1/streams/lead-${'a'.repeat(300)}`)).status).toBe(414);
    expect((await rawHttp(server.url, 'POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}')).status).toBe(400);
    expect((await rawHttp(server.url, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).status).toBe(431);
    const text = await scrape();
    // Before, none of these was counted (no hook runs for them).
    expect(unmatched(text, 'GET', '400') - unmatched(before, 'GET', '400')).toBe(1);
    expect(unmatched(text, 'GET', '414') - unmatched(before, 'GET', '414')).toBe(1);
    expect(unmatched(text, 'UNPARSED', '400') - unmatched(before, 'UNPARSED', '400')).toBe(1);
    expect(unmatched(text, 'UNPARSED', '431') - unmatched(before, 'UNPARSED', '431')).toBe(1);
  });

  it('times commands recorded across several streams too, and counts their events by each stream’s category', async () => {
    const before = await scrape();
    const counted = (text: string, category: string) => sample(text, 'crm_events_appended_total', { category }) ?? 0;
    const captured = await post('/leads', { fullName: 'سارا رحیمی', source: 'web', phone: '09127771111', email: 'sara.r@example.ir' });
    expect(captured.status).toBe(201);
    expect((await post('/leads', { fullName: 'دیگری', source: 'web', phone: '09127771111' })).status).toBe(409);
    const qualified = await post(`/leads/${captured.body['id'] as string}/qualify`, {
      opportunity: { name: 'سفارش', estimatedValue: { amount: 1_000_000 }, expectedCloseDate: '2027-03-01' },
    });
    expect(qualified.status).toBe(200);

    const text = await scrape();
    // Before, commands recorded in one append across streams had no duration series at all.
    expect(sample(text, 'crm_command_duration_seconds_count', { command: 'CaptureLead', outcome: 'accepted' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'crm_command_duration_seconds_count', { command: 'CaptureLead', outcome: 'refused' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'crm_command_duration_seconds_count', { command: 'QualifyLead', outcome: 'accepted' })).toBe(1);
    // The capture: the lead and a claim on its email and its phone; the qualification: lead, contact, account, deal.
    expect(counted(text, 'lead') - counted(before, 'lead')).toBe(2);
    expect(counted(text, 'lead-key') - counted(before, 'lead-key')).toBe(2);
    for (const category of ['contact', 'account', 'opportunity']) expect(counted(text, category) - counted(before, category)).toBe(1);
  });

  it("reports projection batches (duration, events, failures) and each projection's position and lag", async () => {
    const head = (await http<{ eventStore: { headPosition: string } }>(server.url, 'GET', '/health')).body.eventStore.headPosition;
    await http(server.url, 'GET', `/api/v1/views/pipeline?minPosition=${head}`);
    const text = await scrape();
    expect(
      sample(text, 'crm_projection_batch_duration_seconds_count', { projection: 'pipeline-leads', phase: 'catch-up' }),
    ).toBeGreaterThan(0);
    expect(sample(text, 'crm_projection_events_applied_total', { projection: 'pipeline-leads', phase: 'catch-up' })).toBeGreaterThan(0);
    expect(sample(text, 'crm_projection_position', { projection: 'pipeline-leads', owner: 'here' })).toBe(Number(head));
    expect(sample(text, 'crm_projection_lag_events', { projection: 'pipeline-leads', owner: 'here' })).toBe(0);
    expect(sample(text, 'crm_projection_lag_seconds', { projection: 'pipeline-leads', owner: 'here' })).toBe(0);
    expect(sample(text, 'crm_projection_failed', { projection: 'pipeline-leads', owner: 'here' })).toBe(0);
    expect(sample(text, 'crm_store_up', { store: 'events' })).toBe(1);
    expect(sample(text, 'crm_store_up', { store: 'read-models' })).toBe(1);
  });

  it('carries the process and runtime metrics, labelled with the service', async () => {
    const text = await scrape();
    expect(sample(text, 'process_cpu_user_seconds_total', { service: 'crm-api' })).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds', { service: 'crm-api' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes', { service: 'crm-api' })).toBeGreaterThan(0);
  });
});
