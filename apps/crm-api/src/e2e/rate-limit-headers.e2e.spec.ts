import { http, startTestApp, type TestApp } from '../testing/test-app';

type Responses = Record<string, { headers?: Record<string, { $ref?: string }> }>;
interface Document {
  components: { headers?: Record<string, { schema?: unknown }> };
  paths: Record<string, Record<string, { responses: Responses }>>;
}

const NAMES = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

describe('the rate-limit headers in the OpenAPI document', () => {
  let server: TestApp;
  let document: Document;

  beforeAll(async () => {
    server = await startTestApp({ CRM_EVENT_STORE: 'memory' });
    document = (await http<Document>(server.url, 'GET', '/api/docs-json')).body;
  });
  afterAll(async () => server.close());

  it('declares them once, as header components, on the replies that carry them', async () => {
    expect(Object.keys(document.components.headers ?? {})).toEqual(expect.arrayContaining(NAMES));
    const reply = await http(server.url, 'GET', '/api/v1/views/pipeline');
    expect(reply.status).toBe(200);
    const declared = document.paths['/api/v1/views/pipeline']?.['get']?.responses['200']?.headers ?? {};
    for (const name of NAMES) {
      // Sent on this reply, and declared on it (before, sent but declared nowhere).
      expect(reply.headers.get(name)).toMatch(/^\d+$/);
      expect(declared[name]).toEqual({ $ref: `#/components/headers/${name}` });
    }
  });

  it('declares them on every operation but the probes, which the limit does not cover', async () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const exempt = path === '/health/live' || path === '/health/ready';
        // A 401 or 403 is answered before the limit counts the request; every other reply may carry the headers.
        const own = Object.entries(operation.responses).filter(([status]) => status !== '401' && status !== '403');
        for (const [status, response] of own) {
          const names = Object.keys(response.headers ?? {});
          expect({ path, method, status, declared: NAMES.every((name) => names.includes(name)) }).toEqual({
            path,
            method,
            status,
            declared: !exempt,
          });
        }
      }
    }
    // The probes are outside the limit: no 429 declared for them.
    for (const path of ['/health/live', '/health/ready'])
      expect(Object.keys(document.paths[path]?.['get']?.responses ?? {})).not.toContain('429');
    const live = await http(server.url, 'GET', '/health/live', undefined, {}, { anonymous: true });
    expect(live.headers.get('x-ratelimit-limit')).toBeNull();
  });
});
