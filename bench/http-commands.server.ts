// One contender of bench/http-commands.bench.ts in a process of its own, so the load
// generator never shares its event loop: prints `listening <port>` once it serves.
// Usage: node dist/bench/http-commands.server.js <bare|api> <dataDir> (the API reads CRM_* from the environment).
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import fastify from 'fastify';
import { configureConnection, migrate } from '@crm/event-store/sqlite';
import { loadConfig } from '@crm/platform';
import { newId } from '@crm/shared/kernel';
import { createApp } from '../apps/crm-api/src/create-app';

/** The ceiling: Fastify inserting one row into the event store's table, same pragmas (WAL, synchronous FULL). */
async function bare(dir: string): Promise<{ port: number; close(): Promise<void> }> {
  const db = new Database(join(dir, 'raw.sqlite'));
  configureConnection(db);
  migrate(db);
  const insert = db.prepare(
    "INSERT INTO events (tenant_id, stream_id, category, revision, event_id, type, data, metadata) VALUES ('default', ?, 'bench', 0, ?, 'Recorded', ?, '{}')",
  );
  const app = fastify();
  app.post('/raw', async (request, reply) => {
    const id = newId();
    insert.run(`bench-${id}`, id, JSON.stringify(request.body));
    return reply.code(201).send({ id, revision: 0, position: String(id) });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    async close() {
      await app.close();
      db.close();
    },
  };
}

async function api(dir: string): Promise<{ port: number; close(): Promise<void> }> {
  const config = loadConfig({ ...process.env, CRM_EVENT_STORE: 'sqlite', CRM_DATA_DIR: dir, CRM_LOG: 'silent' });
  const app = await createApp(config, { logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  return { port: typeof address === 'object' && address ? address.port : 0, close: () => app.close() };
}

async function main(): Promise<void> {
  const [kind, dir] = process.argv.slice(2) as [string, string];
  const server = kind === 'bare' ? await bare(dir) : await api(dir);
  process.stdout.write(`listening ${server.port}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
