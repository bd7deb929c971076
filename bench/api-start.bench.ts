// How long an API process takes from its spawn to a ready answer (/health/ready 200), on a seeded history, with the
// API key registry's kept fold and without it (`npm run bench:api-start`). Without the fold the registry reads the
// whole log for the few `api-key` events (no store indexes the category); with it, only the log after the fold's
// checkpoint. The floor is the same start on an empty log, in the same run. Projections are off
// (CRM_PROJECTIONS=off), so the figure is the start itself, not the read models' catch-up.
//   BENCH_SIZES   history sizes (default 100000,1000000)
//   BENCH_STORES  sqlite, postgres (default sqlite); PostgreSQL at DATABASE_URL, schemas bench_start_<size>
//   BENCH_STARTS  starts per size and kind, alternating (default 5); the table prints medians
//   BENCH_DIR     where the stores are seeded (default <tmp>/crm-bench-start); BENCH_KEEP=1 reuses them
// Each "whole log" start begins with the fold deleted from the snapshots table; the start keeps a new one on
// stop, which the "kept fold" start after it resumes from.
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { REGISTRY_SNAPSHOT_STREAM } from '@crm/identity/application';
import { size } from './bench-support';
import { seedPostgres, seedSqlite, spawnServer } from './bench-servers';

type StoreKind = 'sqlite' | 'postgres';

const postgresUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const keep = process.env['BENCH_KEEP'] === '1';
const benchDir = process.env['BENCH_DIR'] ?? join(tmpdir(), 'crm-bench-start');
const sizes = (process.env['BENCH_SIZES'] ?? '100000,1000000').split(',').map(Number);
const stores = (process.env['BENCH_STORES'] ?? 'sqlite').split(',') as StoreKind[];
const starts = size('BENCH_STARTS', 5);

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function envOf(store: StoreKind, dataDir: string, schema: string): Record<string, string> {
  return {
    CRM_EVENT_STORE: store,
    CRM_DATA_DIR: dataDir,
    CRM_PROJECTIONS: 'off',
    CRM_SLA_CHECK_INTERVAL_MS: '0',
    CRM_AUTH_SECRET: 'bench-secret-of-at-least-thirty-two-characters',
    ...(store === 'postgres' ? { CRM_POSTGRES_URL: postgresUrl, CRM_POSTGRES_SCHEMA: schema } : {}),
  };
}

/** Deletes the registry's kept fold, as a store that never had one. */
async function forgetFold(store: StoreKind, dataDir: string, schema: string): Promise<void> {
  if (store === 'sqlite') {
    const db = new Database(join(dataDir, 'crm.sqlite'));
    try {
      db.prepare('DELETE FROM snapshots WHERE stream_id = ?').run(REGISTRY_SNAPSHOT_STREAM);
    } finally {
      db.close();
    }
    return;
  }
  const pool = new Pool({ connectionString: postgresUrl, max: 1 });
  try {
    await pool.query(`DELETE FROM "${schema}".snapshots WHERE stream_id = $1`, [REGISTRY_SNAPSHOT_STREAM]);
  } finally {
    await pool.end();
  }
}

async function timedStart(env: Record<string, string>): Promise<number> {
  const server = await spawnServer('API', env, { probe: '/health/ready', pollMs: 5, report: false });
  await server.stop();
  return server.upMs;
}

async function main(): Promise<void> {
  process.stdout.write(
    `API start to /health/ready, ms (median of ${starts}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const rows: string[] = [];
  for (const store of stores) {
    const emptyDir = join(benchDir, `${store}-empty`);
    const emptySchema = 'bench_start_empty';
    rmSync(emptyDir, { recursive: true, force: true });
    mkdirSync(emptyDir, { recursive: true });
    if (store === 'postgres') await seedPostgres(postgresUrl, emptySchema, 0, false);
    const floor: number[] = [];
    for (let i = 0; i < starts; i += 1) floor.push(await timedStart(envOf(store, emptyDir, emptySchema)));
    rows.push(`${store.padEnd(10)}${'empty log'.padStart(12)}${median(floor).toFixed(0).padStart(14)}${''.padStart(14)}`);
    for (const events of sizes) {
      const dataDir = join(benchDir, `${store}-${events}`);
      const schema = `bench_start_${events}`;
      if (store === 'sqlite') await seedSqlite(dataDir, events, keep);
      else {
        mkdirSync(dataDir, { recursive: true });
        await seedPostgres(postgresUrl, schema, events, keep);
      }
      const env = envOf(store, dataDir, schema);
      const whole: number[] = [];
      const kept: number[] = [];
      for (let i = 0; i < starts; i += 1) {
        await forgetFold(store, dataDir, schema);
        whole.push(await timedStart(env));
        kept.push(await timedStart(env));
      }
      const [w, k] = [median(whole), median(kept)];
      rows.push(
        `${store.padEnd(10)}${events.toLocaleString('en').padStart(12)}${w.toFixed(0).padStart(14)}${k.toFixed(0).padStart(14)}` +
          `${(k / median(floor)).toFixed(2).padStart(16)}×${(w / median(floor)).toFixed(2).padStart(16)}×`,
      );
      process.stdout.write(
        `  ${store} ${events}: whole log ${whole.map((v) => v.toFixed(0)).join(' ')}; kept fold ${kept.map((v) => v.toFixed(0)).join(' ')}\n`,
      );
    }
  }
  process.stdout.write(
    `\n${'store'.padEnd(10)}${'events'.padStart(12)}${'whole log'.padStart(14)}${'kept fold'.padStart(14)}${'kept / empty'.padStart(17)}${'whole / empty'.padStart(17)}\n`,
  );
  for (const row of rows) process.stdout.write(`${row}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
