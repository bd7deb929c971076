import { http, startTestApp, type TestApp } from '../testing/test-app';
import { salesClient } from './sales-e2e-support';
import { buildRefusalWorld, REFUSAL_TABLE, type RefusalWorld } from './refusals/refusal-world';

/**
 * "A refused command appends nothing", for every command route the API
 * publishes: a table of business refusals (one per route, reaching the
 * decider) and, for every route, the malformed-input refusals of the edge.
 * After each refusal the log's head is where it was. A route added to the
 * API without a row here fails the first test.
 */
describe('refused → head unchanged, across every command route (real server, embedded SQLite)', () => {
  let server: TestApp;
  let world: RefusalWorld;
  let routes: { path: string; sample: string }[];
  const { post, head } = salesClient(() => server);

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: process.env['E2E_STORE'] ?? 'sqlite' });
    world = await buildRefusalWorld(post);
    const doc = (await http<{ paths: Record<string, Record<string, unknown>> }>(server.url, 'GET', '/api/docs-json')).body;
    routes = Object.entries(doc.paths)
      .filter(([path, item]) => path.startsWith('/api/v1/') && item['post'] !== undefined)
      .map(([path]) => ({ path, sample: path.replace('/api/v1', '').replace('{id}', world.openAccount) }));
  }, 60_000);
  afterAll(async () => server.close());

  it('has a business refusal for every command route in the OpenAPI document', () => {
    expect(routes.map((r) => r.path).sort()).toEqual(Object.keys(REFUSAL_TABLE).sort());
  });

  it('leaves the head unchanged after every business refusal (409, 404 for an unknown or referred record)', async () => {
    const outcomes: string[] = [];
    for (const [route, build] of Object.entries(REFUSAL_TABLE)) {
      const request = build(world);
      const before = await head();
      const reply = await post(request.path, request.body ?? {}, request.headers);
      const after = await head();
      const got = `${route}: ${reply.status} ${String(reply.body['code'])} head ${before === after ? 'unchanged' : `moved ${before} → ${after}`}`;
      outcomes.push(got);
      expect(got).toBe(`${route}: ${request.status} ${request.code} head unchanged`);
    }
    expect(outcomes).toHaveLength(Object.keys(REFUSAL_TABLE).length);
  }, 60_000);

  it('leaves the head unchanged after every edge refusal: unknown field, duplicate key, deep nesting, NUL, bad UTF-8, bad If-Match', async () => {
    const malformed: readonly [string, string | Buffer | Record<string, unknown>, Record<string, string>?][] = [
      ['unknown field', { surelyUnknownField: 1 }],
      ['duplicate key', '{"commandId":"0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d","commandId":"0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2e"}'],
      ['deep nesting', `{"x":${'['.repeat(3000)}${']'.repeat(3000)}}`],
      ['NUL', '{"x":"a\\u0000"}'],
      ['bad UTF-8', Buffer.from([0x7b, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
      ['bad If-Match', { surelyUnknownField: 1 }, { 'if-match': 'banana' }],
    ];
    const before = await head();
    for (const { path, sample } of routes) {
      for (const [kind, body, headers] of malformed) {
        const reply = await post(sample, body, headers);
        expect(`${path} ${kind}: ${reply.status}`).toBe(`${path} ${kind}: 400`);
      }
    }
    expect(await head()).toBe(before);
  }, 120_000);
});
