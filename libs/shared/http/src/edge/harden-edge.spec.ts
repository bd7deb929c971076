import Fastify from 'fastify';
import { installSecurityHeaders, SECURITY_HEADERS } from './harden-edge';

// Counts how often helmet's middleware is built, and keeps a reference helmet to compare the headers with.
const built = { count: 0 };
jest.mock('helmet', () => {
  const actual = jest.requireActual<typeof import('helmet')>('helmet');
  const counted = (...args: Parameters<typeof actual.default>) => {
    built.count += 1;
    return actual.default(...args);
  };
  // Callable as the CommonJS module is, and as its default export.
  return Object.assign(counted, actual, { __esModule: true, default: counted });
});

const HELMET_HEADERS = [
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

describe('security headers', () => {
  it("builds helmet's middleware once, not per request, and sets its headers on every reply, refusals included", async () => {
    const fastify = Fastify();
    installSecurityHeaders(fastify);
    fastify.post('/commands', async (_request, reply) => reply.code(201).send({ id: 'x' }));
    await fastify.ready();
    const before = built.count;
    const replies = [];
    for (let i = 0; i < 3; i += 1) replies.push(await fastify.inject({ method: 'POST', url: '/commands', payload: { i } }));
    replies.push(await fastify.inject({ method: 'GET', url: '/nowhere' }));
    expect(built.count - before).toBe(0);

    // What helmet itself sets with the same options, on a bare Node response.
    const { default: helmet } = jest.requireActual<typeof import('helmet')>('helmet');
    const expected = new Map<string, unknown>();
    helmet(SECURITY_HEADERS)(
      {} as never,
      { setHeader: (name: string, value: unknown) => expected.set(name.toLowerCase(), value), removeHeader: () => undefined } as never,
      () => undefined,
    );
    expect([...expected.keys()].sort()).toEqual(HELMET_HEADERS);
    for (const reply of replies) {
      for (const [name, value] of expected) expect(reply.headers[name]).toBe(value);
      expect(reply.headers['x-powered-by']).toBeUndefined();
    }
    expect(replies[0]?.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(replies[0]?.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    await fastify.close();
  });
});
