// An HTTP command on the embedded default next to bare Fastify appending one
// SQLite row at the same durability (DESIGN.md: >= 0.5x), and what the
// operations layer costs on top: JSON request logs, tracing.
// `npm run bench:http`. Sizes: BENCH_REQUESTS (default 4000), BENCH_CONCURRENCY (default 16).
import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fastify from 'fastify';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { configureConnection, migrate } from '@crm/event-store/sqlite';
import { startTracing } from '@crm/operations';
import { loadConfig } from '@crm/platform';
import { newId } from '@crm/shared/kernel';
import { createApp } from '../apps/crm-api/src/create-app';
import { measure, printComparison, size, type Figure } from './bench-support';

interface Contender {
  readonly name: string;
  readonly url: string;
  readonly path: string;
  close(): Promise<void>;
}

const body = () => JSON.stringify({ fullName: 'مریم احمدی', phone: '09121234567', email: `${newId()}@example.ir` });

/** `requests` POSTs from `concurrency` clients, each keeping one request in flight on its keep-alive connection. */
async function load(contender: Contender, requests: number, concurrency: number): Promise<void> {
  let left = requests;
  const client = async () => {
    while (left > 0) {
      left -= 1;
      const reply = await fetch(`${contender.url}${contender.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(),
      });
      await reply.arrayBuffer();
      if (reply.status !== 201) throw new Error(`${contender.name}: ${reply.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
}

/** The ceiling: Fastify inserting one row into the event store's table, same pragmas (WAL, synchronous FULL). */
async function bareFastify(dir: string): Promise<Contender> {
  const db = new Database(join(dir, 'raw.sqlite'));
  configureConnection(db);
  migrate(db);
  const insert = db.prepare(
    "INSERT INTO events (tenant_id, stream_id, category, revision, event_id, type, data, metadata) VALUES ('default', ?, 'contact', 0, ?, 'ContactCreated', ?, '{}')",
  );
  const app = fastify();
  app.post('/raw', async (request, reply) => {
    const id = newId();
    insert.run(`contact-${id}`, id, JSON.stringify(request.body));
    return reply.code(201).send({ id, revision: 0 });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    name: 'bare Fastify + one SQLite row',
    url: `http://127.0.0.1:${port}`,
    path: '/raw',
    async close() {
      await app.close();
      db.close();
    },
  };
}

async function crmApi(name: string, dir: string, env: NodeJS.ProcessEnv, tracing = false): Promise<Contender> {
  const config = loadConfig({
    CRM_EVENT_STORE: 'sqlite',
    CRM_DATA_DIR: join(dir, name.replace(/\W+/g, '-')),
    CRM_SLA_CHECK_INTERVAL_MS: '0',
    CRM_AUTH: 'off', // the cost of operations, not of authentication (bench:auth measures that)
    ...env,
  });
  // Spans are built and batched as in production, then dropped: the cost of tracing, not of a collector.
  const dropped: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined };
  const tracer = tracing
    ? startTracing({ serviceName: 'bench', spanProcessors: [new BatchSpanProcessor(dropped)], autoInstrument: false })
    : undefined;
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = await createApp(config, { tracing: tracer, logDestination: discard });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    path: '/api/v1/contacts',
    async close() {
      await app.close();
      await tracer?.shutdown();
    },
  };
}

async function main(): Promise<void> {
  const requests = size('BENCH_REQUESTS', 4000);
  const concurrency = size('BENCH_CONCURRENCY', 16);
  const rounds = 4;
  process.stdout.write(
    `node ${process.version}, ${new Date().toISOString()}, ${requests} requests per contender, ${concurrency} concurrent, auth off\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-http-'));
  try {
    // One at a time, in the same order each round, so a drift in fsync latency hits all alike.
    const builders = [
      () => bareFastify(dir),
      () => crmApi('CRM API, embedded default, logs off', dir, { CRM_LOG: 'silent' }),
      // Without the projections' own commits, what is left is HTTP, the command and the operations layer.
      () => crmApi('CRM API, projections off, logs off', dir, { CRM_LOG: 'silent', CRM_PROJECTIONS: 'off' }),
      () => crmApi('CRM API, projections off, JSON request logs', dir, { CRM_LOG: 'info', CRM_PROJECTIONS: 'off' }),
      () => crmApi('CRM API, projections off, logs and tracing', dir, { CRM_LOG: 'info', CRM_PROJECTIONS: 'off' }, true),
    ];
    const totals = new Map<string, number>();
    for (let round = 0; round < rounds; round += 1) {
      for (const build of builders) {
        const contender = await build();
        await load(contender, 200, concurrency); // warm-up: JIT, statements, connections
        const figure = await measure(contender.name, requests / rounds, () => load(contender, requests / rounds, concurrency));
        totals.set(contender.name, (totals.get(contender.name) ?? 0) + figure.seconds);
        await contender.close();
      }
    }
    const figures = [...totals].map(([label, seconds]): Figure => ({ label, count: requests, seconds }));
    const [raw, ...api] = figures as [Figure, ...Figure[]];
    printComparison('HTTP: POST a command (one event) on the embedded SQLite store, vs bare Fastify inserting one row', [
      { name: raw.label, store: raw },
      ...api.map((figure) => ({ name: figure.label, store: figure, raw })),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
