import Fastify from 'fastify';
import { installEdgeHooks } from './http-layer';

describe('edge hooks', () => {
  it('sends a reply body as UTF-8 bytes encoded once, its Content-Length their count', async () => {
    const fastify = Fastify();
    installEdgeHooks(fastify);
    const body = { groups: Array.from({ length: 200 }, (_, i) => ({ key: `c${i}`, name: 'جشنواره نوروز' })) };
    fastify.get('/view', async () => body);
    // Registered after the edge's: sees the payload as the edge hands it on.
    const handedOn: unknown[] = [];
    fastify.addHook('onSend', async (_request, _reply, payload) => {
      handedOn.push(payload);
      return payload;
    });
    const reply = await fastify.inject({ method: 'GET', url: '/view' });
    const bytes = Buffer.from(JSON.stringify(body));
    expect(reply.statusCode).toBe(200);
    expect(Buffer.isBuffer(handedOn[0])).toBe(true);
    expect(reply.headers['content-length']).toBe(String(bytes.length));
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json()).toEqual(body);
    await fastify.close();
  });
});
