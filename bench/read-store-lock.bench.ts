// The API while another connection holds the read models' write lock (a `crm-cli rebuild` building a large
// collection's indexes, another process's lanes committing): requests keep their latency, because the read store
// waits for the lock on timers instead of in SQLite's busy handler, which holds the event loop.
// BENCH_SECONDS (default 10 per phase), BENCH_HOLD_MS (default 2000 of every BENCH_PERIOD_MS, default 3000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { percentile, size } from './bench-support';
import { spawnServer } from './bench-servers';

/** Holds the write lock of `file` for `holdMs` of every `periodMs` until `seconds` are over, in a thread of its own. */
function holdLock(file: string, holdMs: number, periodMs: number, seconds: number): Promise<void> {
  const code = `
    const { workerData } = require('node:worker_threads');
    const Database = require(workerData.driver);
    const db = new Database(workerData.file);
    db.pragma('busy_timeout = 10000');
    const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const end = Date.now() + workerData.seconds * 1000;
    while (Date.now() < end) {
      db.exec('BEGIN IMMEDIATE');
      sleep(workerData.holdMs);
      db.exec('COMMIT');
      sleep(workerData.periodMs - workerData.holdMs);
    }
    db.close();`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { driver: require.resolve('better-sqlite3'), file, holdMs, periodMs, seconds },
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', () => resolve());
  });
}

/** GET /health/live and POST /feedback in turn, one at a time, for `seconds`: every request's latency in ms. */
async function probe(url: string, seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < end; n += 1) {
    const started = performance.now();
    const reply =
      n % 2 === 0
        ? await fetch(`${url}/health/live`)
        : await fetch(`${url}/api/v1/feedback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              from: { name: 'سارا رحیمی', email: `lock${n}@example.ir` },
              kind: 'praise',
              text: 'عالی',
              channel: 'web',
            }),
          });
    await reply.arrayBuffer();
    if (!reply.ok) throw new Error(`${reply.status} from the API`);
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return latencies.sort((a, b) => a - b);
}

function line(name: string, latencies: readonly number[]): string {
  const at = (q: number) => percentile(latencies, q).toFixed(1);
  return `${name.padEnd(52)}${String(latencies.length).padStart(9)}${at(0.5).padStart(9)}${at(0.99).padStart(9)}${at(1).padStart(9)}`;
}

async function main(): Promise<void> {
  const seconds = size('BENCH_SECONDS', 10);
  const holdMs = size('BENCH_HOLD_MS', 2000);
  const periodMs = size('BENCH_PERIOD_MS', 3000);
  process.stdout.write(
    `node ${process.version}, ${new Date().toISOString()}, ${seconds} s per phase, lock held ${holdMs} ms of every ${periodMs}\n`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-lock-'));
  // Leases renewed every second: the API's own writes to the read models (reactors, the deadline watcher) meet the lock.
  const server = await spawnServer('API', {
    CRM_DATA_DIR: dataDir,
    CRM_AUTH: 'off',
    CRM_RATE_LIMIT: 'off',
    CRM_LEASE_TTL_MS: '3000',
  });
  try {
    await probe(server.url, 2); // warm-up
    const quiet = await probe(server.url, seconds);
    const holding = holdLock(join(dataDir, 'read-models.sqlite'), holdMs, periodMs, seconds);
    const locked = await probe(server.url, seconds);
    await holding;
    process.stdout.write(
      `\n${'phase'.padEnd(52)}${'requests'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}\n`,
    );
    process.stdout.write(`${line('nobody else writes the read models', quiet)}\n`);
    process.stdout.write(`${line('another connection holds their write lock', locked)}\n`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
