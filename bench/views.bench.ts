// Every analytical view timed over the real HTTP server at two history sizes, on SQLite and on PostgreSQL:
// `npm run bench:views`. Seeds the demo history (@crm/demo-data, seed 1) at each size, catches the projections
// up, then GETs each view BENCH_CALLS times in a row (default 200; a view stops early after BENCH_VIEW_SECONDS,
// default 30, so a slow one does not hold the run) and a loyalty card for BENCH_CALLS random customers.
// Prints p50/p99 per view and size with the size of its answer (bytes of the reply body, median over the calls, and
// the length of each list the reply holds at its top level: items, groups, periods…), and the growth ratio between
// the largest and the smallest size, of the latency and of the answer side by side: a view whose cost follows its
// answer grows about as its answer does.
// Sizes: BENCH_SIZES (default 100000,1000000). Stores: BENCH_STORES (default sqlite,postgres); PostgreSQL at
// DATABASE_URL. BENCH_KEEP=1 keeps the seeded stores (under BENCH_DIR, default <tmp>/crm-bench-views; PostgreSQL
// schemas bench_views_<size>) and reuses them on the next run. Figures are also written as JSON to
// BENCH_DIR/views-<store>-<size>.json. BENCH_WRITERS=16 adds a second pass with that many clients capturing
// leads while the views are timed, and reports the command rate with and without view traffic. BENCH_VIEWS
// (comma-separated parts of a view's path, e.g. `churn,loyalty`) times only the views that contain one.
// BENCH_QUERY_REPLICA=1 (with BENCH_WRITERS) runs that pass over two API processes started from dist/ on the
// same stores: a writer (projections on its read-side worker) and a query replica (CRM_PROJECTIONS=off); the
// writers capture on the writer while the views are timed once on the writer, once on the replica.
// BENCH_QUERY_REPLICA=writer runs that pass over the writer process alone: one API process serving both, with the
// clients out of its event loop (in the default pass they share the bench's process with the server).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, type AppConfig } from '@crm/platform';
import type { ProjectionRunner } from '@crm/projections/runtime';
import { LOYALTY_PROJECTION_NAMES } from '@crm/projections/loyalty-churn';
import { EVENT_STORE } from '@crm/shared/http';
import { newId } from '@crm/shared/kernel';
import type { EventStore } from '@crm/shared/event-sourcing';
import { createApp } from '../apps/crm-api/src/create-app';
import { PROJECTION_RUNNER, ReadModels } from '../apps/crm-api/src/read-models/read-models.service';
import { size } from './bench-support';
import { seedPostgres, seedSqlite, spawnServer } from './bench-servers';

type StoreKind = 'sqlite' | 'postgres';

interface Timing {
  readonly view: string;
  readonly calls: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /**
   * The warm-up call (left out of the percentiles). Not a cold start: the catch-up check asked every view once
   * already (with minPosition), which built what views keep (the loyalty population, the KPIs' kept answers).
   */
  readonly warmUp: number;
  /** Bytes of the reply body (UTF-8), median over the calls. */
  readonly bytes: number;
  /** The reply's top-level lists and their lengths (the warm-up call's reply), e.g. `{ groups: 828 }`. */
  readonly lists: Readonly<Record<string, number>>;
}

interface Loaded {
  readonly timings: readonly Timing[];
  readonly commandsPerSecond: number;
  readonly quietCommandsPerSecond: number;
}

interface Run {
  readonly store: StoreKind;
  readonly events: number;
  readonly catchUpSeconds: number;
  readonly idle: readonly Timing[];
  readonly loaded?: Loaded;
  /** BENCH_QUERY_REPLICA: the loaded pass over a writer process and a query replica process. */
  readonly replica?: {
    readonly idleWriter: readonly Timing[];
    readonly idleReplica?: readonly Timing[];
    /** Views sent to the writer, as with one process. */
    readonly sameServer: Loaded;
    /** Views sent to the query replica (not with BENCH_QUERY_REPLICA=writer). */
    readonly queryReplica?: Loaded;
    readonly loadAverage: readonly number[];
  };
}

const API = '/api/v1';
const postgresUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const keep = process.env['BENCH_KEEP'] === '1';
const benchDir = process.env['BENCH_DIR'] ?? join(tmpdir(), 'crm-bench-views');

/** The views analysts open, as an idle server answers them: now, and some as of a past day (asOf). */
const VIEWS: readonly string[] = [
  '/views/pipeline',
  '/views/pipeline?from=2025-01-01&to=2025-06-30',
  '/views/pipeline/opportunities?limit=50',
  '/views/pipeline/opportunities?limit=50&sort=amount&order=desc',
  '/views/funnel',
  '/views/pipeline?asOf=2025-06-30',
  '/views/funnel?asOf=2025-06-30',
  '/views/funnel?by=campaign&asOf=2025-06-30',
  '/views/funnel?by=campaign',
  '/views/funnel?from=2025-03-01',
  '/views/funnel?from=2025-03-01&by=campaign',
  '/views/funnel?from=2025-01-01&to=2025-06-30',
  '/views/funnel?from=2025-01-01&to=2025-06-30&by=campaign',
  '/views/satisfaction',
  '/views/satisfaction?asOf=2025-06-30',
  '/views/satisfaction?asOf=2025-06-30&from=2025-01-15&to=2025-06-20',
  '/views/satisfaction?bucket=jalali&from=2025-01-01&to=2025-12-31',
  '/views/complaints/kpis',
  '/views/complaints/kpis?from=2025-01-01&to=2025-03-31',
  '/views/complaints/kpis?from=2025-01-01&to=2025-12-31',
  // A past asOf (one after now is read as now, the same as no asOf).
  '/views/complaints/kpis?asOf=2025-06-30',
  '/views/complaints/kpis?from=2025-01-01&to=2049-12-31&asOf=2025-06-30',
  '/views/churn',
  // The activity list a salesperson works from: their open ones due first, what is overdue, a team's (keyset pages).
  '/activities?userId=sales-01&status=open&limit=50',
  '/activities?userId=sales-01&status=open&dueTo=2025-06-30',
  '/activities?teamId=team-sales&limit=50',
];

/** A small deterministic generator, so every run picks the same customers. */
function picker(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state % n;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

class Client {
  constructor(
    readonly url: string,
    private readonly key: string | undefined,
  ) {}

  async get(path: string): Promise<{ status: number; body: string }> {
    const reply = await fetch(`${this.url}${API}${path}`, { headers: this.key ? { authorization: `Bearer ${this.key}` } : {} });
    return { status: reply.status, body: await reply.text() };
  }

  async post(path: string, body: unknown): Promise<number> {
    const reply = await fetch(`${this.url}${API}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.key ? { authorization: `Bearer ${this.key}` } : {}) },
      body: JSON.stringify(body),
    });
    await reply.arrayBuffer();
    return reply.status;
  }
}

async function time(client: Client, label: string, paths: () => string, calls: number, budgetMs: number): Promise<Timing> {
  // One warm-up call: statements prepared, caches filled, as on a server that has been up a while.
  const t = performance.now();
  const first = await client.get(paths());
  const warmUpMs = performance.now() - t;
  if (first.status !== 200) throw new Error(`${label}: ${first.status} ${first.body.slice(0, 300)}`);
  const durations: number[] = [];
  const bytes: number[] = [];
  const started = performance.now();
  while (durations.length < calls && (durations.length < 5 || performance.now() - started < budgetMs)) {
    const path = paths();
    const t0 = performance.now();
    const reply = await client.get(path);
    durations.push(performance.now() - t0);
    if (reply.status !== 200) throw new Error(`${path}: ${reply.status} ${reply.body.slice(0, 300)}`);
    bytes.push(Buffer.byteLength(reply.body));
  }
  durations.sort((a, b) => a - b);
  bytes.sort((a, b) => a - b);
  return {
    view: label,
    calls: durations.length,
    p50: percentile(durations, 0.5),
    p99: percentile(durations, 0.99),
    max: durations.at(-1) as number,
    warmUp: warmUpMs,
    bytes: percentile(bytes, 0.5),
    lists: listsOf(first.body),
  };
}

/** The top-level lists of a JSON reply and their lengths: what a view's answer grows by where it has a list. */
function listsOf(body: string): Record<string, number> {
  const reply: unknown = JSON.parse(body);
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return Array.isArray(reply) ? { '[]': reply.length } : {};
  return Object.fromEntries(Object.entries(reply).flatMap(([key, value]) => (Array.isArray(value) ? [[key, value.length]] : [])));
}

const listText = (lists: Readonly<Record<string, number>>): string =>
  Object.entries(lists)
    .map(([key, length]) => `${key} ${length}`)
    .join(', ');

/** BENCH_VIEWS: comma-separated substrings; only the views (and the loyalty card, as `loyalty`) naming one are timed. */
const only = (process.env['BENCH_VIEWS'] ?? '').split(',').filter((part) => part !== '');
const chosen = (label: string): boolean => only.length === 0 || only.some((part) => label.includes(part));

async function timeViews(client: Client, accounts: readonly string[]): Promise<Timing[]> {
  const calls = size('BENCH_CALLS', 200);
  const budgetMs = size('BENCH_VIEW_SECONDS', 30) * 1000;
  const timings: Timing[] = [];
  for (const view of VIEWS.filter(chosen)) timings.push(await time(client, view, () => view, calls, budgetMs));
  const next = picker(7);
  if (!chosen('/views/customers/{random}/loyalty')) return timings;
  timings.push(
    await time(
      client,
      '/views/customers/{random}/loyalty',
      () => `/views/customers/${accounts[next(accounts.length)]}/loyalty`,
      calls,
      budgetMs,
    ),
  );
  return timings;
}

/** `clients` keep one lead capture each in flight until `stop` resolves; returns captures per second. */
async function captureLeads(client: Client, clients: number, stop: Promise<void>): Promise<number> {
  let done = false;
  void stop.then(() => (done = true));
  let count = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!done) {
        const status = await client.post('/leads', {
          fullName: 'مریم احمدی',
          company: 'شرکت فولاد مبارکه',
          email: `${newId()}@example.ir`,
          source: 'web',
        });
        if (status !== 201) throw new Error(`lead capture: ${status}`);
        count += 1;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** The server's settings, in process and in the API processes BENCH_QUERY_REPLICA starts. */
function serverEnv(store: StoreKind, events: number): Record<string, string> {
  return {
    CRM_EVENT_STORE: store,
    CRM_DATA_DIR: join(benchDir, `${store}-${events}`),
    CRM_LOG: 'silent',
    CRM_SLA_CHECK_INTERVAL_MS: '0',
    CRM_READ_WAIT_MS: '60000',
    // BENCH_WRITERS' clients capture as fast as the server answers: the per-client rate limit would refuse them (429).
    CRM_RATE_LIMIT: 'off',
    // A view's first call may build what it keeps (the loyalty population: about 10 s of work at 1M events, minutes on
    // a loaded machine); the default 60 s idle timeout would close its connection and stop the run.
    CRM_REQUEST_TIMEOUT_MS: '600000',
    CRM_IDLE_TIMEOUT_MS: '600000',
    ...(store === 'postgres' ? { CRM_POSTGRES_URL: postgresUrl, CRM_POSTGRES_SCHEMA: `bench_views_${events}` } : {}),
  };
}

async function startServer(store: StoreKind, events: number): Promise<{ app: NestFastifyApplication; client: Client; config: AppConfig }> {
  const dataDir = join(benchDir, `${store}-${events}`);
  if (store === 'sqlite') await seedSqlite(dataDir, events, keep);
  else {
    mkdirSync(dataDir, { recursive: true });
    await seedPostgres(postgresUrl, `bench_views_${events}`, events, keep);
  }
  const config = loadConfig(serverEnv(store, events));
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const started = performance.now();
  const app = await createApp(config, { logDestination: discard });
  process.stdout.write(`  server up in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const file = config.auth.bootstrapKeyFile;
  const key = config.auth.enabled && existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  return { app, config, client: new Client(`http://127.0.0.1:${port}`, key) };
}

/** Waits until every projection serves a collection built by this code (a version bump rebuilds while the old one serves). */
async function currentVersions(runner: ProjectionRunner): Promise<void> {
  for (;;) {
    // A worker deep in a first build's batch may not answer within the status timeout: ask again.
    const statuses = await runner.status().catch((error: Error) => {
      process.stdout.write(`  (status: ${error.message}; asking again)\n`);
      return undefined;
    });
    if (statuses?.every((status) => status.version === status.codeVersion)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Asks every view for the head position (minPosition) until each answers: its read models have applied the whole history. */
async function caughtUp(client: Client, head: string): Promise<void> {
  for (const view of VIEWS) {
    const path = `${view}${view.includes('?') ? '&' : '?'}minPosition=${encodeURIComponent(head)}`;
    for (;;) {
      // A busy server catching up may drop a waiting request: ask again.
      const reply = await client.get(path).catch(() => ({ status: 503, body: '' }));
      if (reply.status === 200) break;
      if (reply.status !== 503) throw new Error(`${path}: ${reply.status} ${reply.body.slice(0, 300)}`);
    }
  }
}

async function customers(app: NestFastifyApplication, runner: ProjectionRunner): Promise<string[]> {
  const store = app.get(ReadModels).store;
  const collection = runner.collectionOf(LOYALTY_PROJECTION_NAMES.activity);
  const docs = await store.find<{ accountId: string }>(collection, { where: { tenantId: 'default' }, limit: 20_000 });
  const ids = docs.map((record) => record.doc.accountId).filter((id) => typeof id === 'string');
  if (ids.length === 0) throw new Error('the seeded history has no customers');
  return ids;
}

async function benchOne(store: StoreKind, events: number): Promise<Run> {
  process.stdout.write(`\n${store}, ${events.toLocaleString('en')} events\n`);
  const { app, client } = await startServer(store, events);
  let closed = false;
  try {
    const runner = app.get<symbol, ProjectionRunner>(PROJECTION_RUNNER);
    const eventStore = app.get<symbol, EventStore>(EVENT_STORE);
    const head = await eventStore.headPosition();
    const started = performance.now();
    await currentVersions(runner);
    if (head !== undefined) await caughtUp(client, head);
    const catchUpSeconds = (performance.now() - started) / 1000;
    process.stdout.write(`  every view's read models caught up ${catchUpSeconds.toFixed(1)} s after the server was up\n`);
    const accounts = await customers(app, runner);
    const idle = await timeViews(client, accounts);
    print(idle);
    const writers = Number(process.env['BENCH_WRITERS'] ?? 0);
    if (!(writers > 0)) return { store, events, catchUpSeconds, idle };
    const replicaMode = process.env['BENCH_QUERY_REPLICA'];
    if (replicaMode === '1' || replicaMode === 'writer') {
      const head = await eventStore.headPosition();
      closed = true;
      await app.close();
      return {
        store,
        events,
        catchUpSeconds,
        idle,
        replica: await replicaPass(store, events, writers, accounts, head, replicaMode === '1'),
      };
    }
    const loaded = await underLoad(client, client, writers, accounts);
    print(loaded.timings, idle);
    return { store, events, catchUpSeconds, idle, loaded };
  } finally {
    if (!closed) await app.close();
  }
}

/** `writers` clients capture leads on `commands` for BENCH_LOAD_SECONDS, then again while the views are timed on `views`. */
async function underLoad(commands: Client, views: Client, writers: number, accounts: readonly string[]): Promise<Loaded> {
  const seconds = size('BENCH_LOAD_SECONDS', 20);
  const quietCommandsPerSecond = await captureLeads(commands, writers, new Promise((resolve) => setTimeout(resolve, seconds * 1000)));
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const load = captureLeads(commands, writers, stopped);
  const timings = await timeViews(views, accounts).finally(stop);
  const commandsPerSecond = await load;
  process.stdout.write(
    `  under load (${writers} clients capturing leads): ${commandsPerSecond.toFixed(0)} captures/s with view traffic, ${quietCommandsPerSecond.toFixed(0)} without; load average ${loadAverage()}\n`,
  );
  return { timings, commandsPerSecond, quietCommandsPerSecond };
}

const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

/**
 * The loaded pass as deployed with a query replica: a writer API process (projections on its read-side worker)
 * and a replica API process (CRM_PROJECTIONS=off) on the same stores, both from dist/, so neither shares an event
 * loop with the clients. Views are timed idle on each, then under the writers' load on the writer (one process
 * serving both, as before) and on the replica.
 */
async function replicaPass(
  store: StoreKind,
  events: number,
  writers: number,
  accounts: readonly string[],
  head: string | undefined,
  withReplica: boolean,
) {
  const env = serverEnv(store, events);
  const writer = await spawnServer('writer', { ...env, CRM_PROJECTIONS: 'run' });
  const replica = withReplica
    ? await spawnServer('query replica', { ...env, CRM_PROJECTIONS: 'off' }).catch(async (error: unknown) => {
        await writer.stop();
        throw error;
      })
    : undefined;
  try {
    const key = readFileSync(loadConfig(env).auth.bootstrapKeyFile, 'utf8').trim();
    const onWriter = new Client(writer.url, key);
    const onReplica = replica && new Client(replica.url, key);
    // The writer's worker resumes from its checkpoints; the replica's minPosition waits read them.
    if (head !== undefined) await caughtUp(onReplica ?? onWriter, head);
    process.stdout.write(
      `  ${replica ? 'two processes' : 'the writer process'} up (load average ${loadAverage()}); idle, on the writer:\n`,
    );
    const idleWriter = await timeViews(onWriter, accounts);
    print(idleWriter);
    let idleReplica: Timing[] | undefined;
    if (onReplica) {
      process.stdout.write('  idle, on the query replica:\n');
      idleReplica = await timeViews(onReplica, accounts);
      print(idleReplica);
    }
    process.stdout.write('  views on the writer:\n');
    const sameServer = await underLoad(onWriter, onWriter, writers, accounts);
    print(sameServer.timings, idleWriter);
    let queryReplica: Loaded | undefined;
    if (onReplica) {
      process.stdout.write('  views on the query replica:\n');
      queryReplica = await underLoad(onWriter, onReplica, writers, accounts);
      print(queryReplica.timings, idleReplica);
    }
    return { idleWriter, idleReplica, sameServer, queryReplica, loadAverage: loadavg() };
  } finally {
    await replica?.stop();
    await writer.stop();
  }
}

const ms = (value: number) => value.toFixed(1).padStart(9);

function print(timings: readonly Timing[], idle?: readonly Timing[]): void {
  process.stdout.write(
    `  ${'view'.padEnd(62)}${'calls'.padStart(6)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'warm-up ms'.padStart(12)}`,
  );
  process.stdout.write(idle ? `${'p99/idle'.padStart(10)}` : '');
  process.stdout.write(`${'bytes'.padStart(10)}  lists\n`);
  for (const timing of timings) {
    const base = idle?.find((t) => t.view === timing.view);
    process.stdout.write(
      `  ${timing.view.padEnd(62)}${String(timing.calls).padStart(6)}${ms(timing.p50)}${ms(timing.p99)}${ms(timing.max)}${timing.warmUp.toFixed(1).padStart(12)}${idle ? (base ? (timing.p99 / base.p99).toFixed(2) : '').padStart(10) : ''}${String(timing.bytes).padStart(10)}  ${listText(timing.lists)}\n`,
    );
  }
}

/** `b / a` as `1.23×`, or `–` when `a` is 0. */
const ratio = (a: number, b: number, width: number): string => (a === 0 ? '–' : `${(b / a).toFixed(2)}×`).padStart(width);

function printGrowth(runs: readonly Run[]): void {
  const sizes = [...new Set(runs.map((run) => run.events))].sort((a, b) => a - b);
  if (sizes.length < 2) return;
  const small = sizes[0] as number;
  const large = sizes.at(-1) as number;
  for (const store of new Set(runs.map((run) => run.store))) {
    const a = runs.find((run) => run.store === store && run.events === small);
    const b = runs.find((run) => run.store === store && run.events === large);
    if (!a || !b) continue;
    process.stdout.write(
      `\n${store}: growth from ${small.toLocaleString('en')} to ${large.toLocaleString('en')} events: p50, p99 and the answer (reply bytes; top-level lists), each small → large and the ratio\n`,
    );
    process.stdout.write(
      `  ${'view'.padEnd(62)}${'p50 ms'.padStart(18)}${'ratio'.padStart(9)}${'p99 ms'.padStart(18)}${'ratio'.padStart(9)}${'bytes'.padStart(20)}${'ratio'.padStart(9)}  lists\n`,
    );
    for (const timing of b.idle) {
      const base = a.idle.find((t) => t.view === timing.view);
      if (!base) continue;
      const lists = Object.entries(timing.lists)
        .map(([key, length]) => {
          const before = base.lists[key] ?? 0;
          return `${key} ${before} → ${length}${before === 0 ? '' : ` (${(length / before).toFixed(2)}×)`}`;
        })
        .join(', ');
      process.stdout.write(
        `  ${timing.view.padEnd(62)}${ms(base.p50)}${ms(timing.p50)}${ratio(base.p50, timing.p50, 9)}${ms(base.p99)}${ms(timing.p99)}${ratio(base.p99, timing.p99, 9)}${String(base.bytes).padStart(10)}${String(timing.bytes).padStart(10)}${ratio(base.bytes, timing.bytes, 9)}  ${lists}\n`,
      );
    }
  }
}

async function main(): Promise<void> {
  const sizes = (process.env['BENCH_SIZES'] ?? '100000,1000000').split(',').map(Number);
  const stores = (process.env['BENCH_STORES'] ?? 'sqlite,postgres').split(',') as StoreKind[];
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}, sizes ${sizes.join(', ')}, stores ${stores.join(', ')}\n`);
  mkdirSync(benchDir, { recursive: true });
  const runs: Run[] = [];
  try {
    for (const store of stores) {
      for (const events of sizes) {
        const run = await benchOne(store, events);
        runs.push(run);
        writeFileSync(join(benchDir, `views-${store}-${events}.json`), `${JSON.stringify(run, null, 2)}\n`);
      }
    }
    printGrowth(runs);
  } finally {
    if (!keep) await cleanUp(sizes, stores);
  }
}

async function cleanUp(sizes: readonly number[], stores: readonly StoreKind[]): Promise<void> {
  for (const events of sizes) rmSync(join(benchDir, `sqlite-${events}`), { recursive: true, force: true });
  for (const events of sizes) rmSync(join(benchDir, `postgres-${events}`), { recursive: true, force: true });
  if (!stores.includes('postgres')) return;
  const pool = new Pool({ connectionString: postgresUrl, max: 1 });
  try {
    for (const events of sizes) await pool.query(`DROP SCHEMA IF EXISTS "bench_views_${events}" CASCADE`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
