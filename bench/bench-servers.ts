// What the benches that run the API over a seeded store share: the demo history (@crm/demo-data, seed 1) seeded once
// into a data directory or a PostgreSQL schema (kept for the next run with `keep`), and the built API in a process of
// its own on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { PostgresEventStore } from '@crm/event-store/postgres';

/** Seeds `events` into `dataDir`/crm.sqlite, unless `keep` and an earlier run left the same size there. */
export async function seedSqlite(dataDir: string, events: number, keep: boolean): Promise<void> {
  const marker = join(dataDir, `seeded-${events}`);
  if (keep && existsSync(marker)) return;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // Seeding is not measured: NORMAL spares it an fsync per group of appends.
  const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
  const started = performance.now();
  const result = await seedEventStore(store, { events, seed: 1 });
  await store.close();
  process.stdout.write(`  seeded ${result.events.toLocaleString('en')} events in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  writeFileSync(marker, `${result.events}\n`);
}

/** Seeds `events` into `schema`, unless `keep` and an earlier run left the same size there (a comment on the schema). */
export async function seedPostgres(url: string, schema: string, events: number, keep: boolean): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 10 });
  try {
    const { rows } = await pool.query<{ seeded: string | null }>(
      `SELECT obj_description(to_regnamespace($1)::oid, 'pg_namespace') AS seeded`,
      [schema],
    );
    if (keep && rows[0]?.seeded === `seeded ${events}`) return;
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    const store = await PostgresEventStore.open(pool, { schema });
    const started = performance.now();
    const result = await seedEventStore(store, { events, seed: 1 });
    await store.close();
    await pool.query(`COMMENT ON SCHEMA "${schema}" IS 'seeded ${events}'`);
    process.stdout.write(
      `  seeded ${result.events.toLocaleString('en')} events in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
  } finally {
    await pool.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface SpawnedServer {
  readonly url: string;
  /** Milliseconds from the spawn to the first 200 of the probed path. */
  readonly upMs: number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** The path polled until it answers 200 (default /health/live). */
  readonly probe?: string;
  /** How often it is polled (default 200 ms). */
  readonly pollMs?: number;
  /** Print the "up in" line (default true). */
  readonly report?: boolean;
}

/** The built API (`dist/apps/crm-api/src/main.js`) in a process of its own; resolves once `probe` answers 200. */
export async function spawnServer(name: string, env: Record<string, string>, options: SpawnOptions = {}): Promise<SpawnedServer> {
  const { probe = '/health/live', pollMs = 200, report = true } = options;
  const port = await freePort();
  const main = join(__dirname, '../apps/crm-api/src/main.js');
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', CRM_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (gone) throw new Error(`the ${name} exited before answering: ${errors}`);
    const up = await fetch(`${url}${probe}`).then(
      (reply) => reply.ok,
      () => false,
    );
    if (up) break;
    if (performance.now() - started > 180_000) {
      child.kill('SIGKILL');
      throw new Error(`the ${name} did not answer within 180 s: ${errors}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const upMs = performance.now() - started;
  if (report) process.stdout.write(`  ${name} (pid ${child.pid}) up in ${(upMs / 1000).toFixed(1)} s\n`);
  return {
    url,
    upMs,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
