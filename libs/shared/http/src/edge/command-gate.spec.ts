import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastify, { type FastifyInstance } from 'fastify';
import { gateCommands, type CommandGateState } from './command-gate';

/** A server whose POST /work waits until the test releases it; GET /view answers at once. */
async function serve(slots: number) {
  const app: FastifyInstance = fastify();
  const state = gateCommands(app, slots);
  const entered: string[] = [];
  const releases = new Map<string, () => void>();
  app.post('/work', async (request) => {
    const { name } = request.body as { name: string };
    entered.push(name);
    await new Promise<void>((resolve) => releases.set(name, resolve));
    return { name };
  });
  app.get('/view', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const send = (method: string, path: string, body?: object) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: body ? { 'content-type': 'application/json' } : {} });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    req.end(body ? JSON.stringify(body) : undefined);
    return { answered, abort: () => req.destroy() };
  };
  return { app, state, entered, releases, send };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
};

describe('gateCommands', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  afterEach(async () => {
    for (const release of server.releases.values()) release();
    await server.app.close();
  });

  it('lets `slots` writes in at once, the rest in order of arrival; reads pass while the writes are held', async () => {
    server = await serve(2);
    // Each sent once the one before reached the gate, so their order of arrival is known.
    const works = [];
    for (const [name, reached] of [
      ['a', () => server.entered.length === 1],
      ['b', () => server.entered.length === 2],
      ['c', () => server.state().waiting === 1],
      ['d', () => server.state().waiting === 2],
    ] as const) {
      works.push(server.send('POST', '/work', { name }));
      await until(reached);
    }
    expect(server.state()).toEqual<CommandGateState>({ inFlight: 2, waiting: 2 });
    // A view is not behind the parked commands.
    expect(await server.send('GET', '/view').answered).toBe(200);
    expect(server.entered).toEqual(['a', 'b']);
    server.releases.get('b')?.();
    expect(await works[1]?.answered).toBe(200);
    await until(() => server.entered.length === 3);
    expect(server.entered).toEqual(['a', 'b', 'c']);
    server.releases.get('a')?.();
    server.releases.get('c')?.();
    await until(() => server.entered.length === 4);
    server.releases.get('d')?.();
    expect(await Promise.all(works.map((work) => work.answered))).toEqual([200, 200, 200, 200]);
    await until(() => server.state().inFlight === 0);
    expect(server.state()).toEqual({ inFlight: 0, waiting: 0 });
  });

  it('takes a write whose client went away out of the line, and gives back the slot of one that was in', async () => {
    server = await serve(1);
    const first = server.send('POST', '/work', { name: 'first' });
    await until(() => server.entered.length === 1);
    const gone = server.send('POST', '/work', { name: 'gone' });
    const next = server.send('POST', '/work', { name: 'next' });
    await until(() => server.state().waiting === 2);
    gone.abort();
    await gone.answered.catch(() => undefined);
    await until(() => server.state().waiting === 1);
    // The client of the write in flight goes away too: its slot passes to the next in line.
    first.abort();
    await first.answered.catch(() => undefined);
    await until(() => server.entered.includes('next'));
    expect(server.entered).toEqual(['first', 'next']);
    server.releases.get('next')?.();
    expect(await next.answered).toBe(200);
    server.releases.get('first')?.();
    await until(() => server.state().inFlight === 0);
    expect(server.state()).toEqual({ inFlight: 0, waiting: 0 });
  });

  it('installs nothing with no slots', async () => {
    server = await serve(0);
    const works = ['a', 'b', 'c'].map((name) => server.send('POST', '/work', { name }));
    await until(() => server.entered.length === 3);
    for (const name of ['a', 'b', 'c']) server.releases.get(name)?.();
    expect(await Promise.all(works.map((work) => work.answered))).toEqual([200, 200, 200]);
  });
});
