// Issue 12 at scale: `crm-cli seed` to BENCH_EVENTS events (default 10,000,000), a raw read of the whole log,
// then `crm-cli rebuild all`, with the rebuild's memory sampled as it goes. `npm run bench:scale`.
//   BENCH_EVENTS   events to seed (default 10000000)
//   BENCH_DIR      the data directory (default <tmp>/crm-scale-<events>); the CLI's CRM_DATA_DIR
//   BENCH_KEEP=1   reuse the store already in BENCH_DIR (seeded by an earlier run) instead of seeding anew
//   BENCH_SAMPLE_MS  how often the children's RSS is sampled (default 5000)
// The seed and the rebuild run as the CLI itself, in child processes (node dist/apps/crm-cli/src/main.js), so
// their RSS is theirs alone. The raw read is the floor: better-sqlite3 on the same file, SELECT of the events
// table in position order, every row iterated (no JSON parsing, no opening of sealed fields). Ratio = rebuild
// rate / raw read rate, both in this run. Run it under `nice` on a shared machine, and say so with the figures.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { size } from './bench-support';

const EVENTS = size('BENCH_EVENTS', 10_000_000);
const DIR = process.env['BENCH_DIR'] || join(tmpdir(), `crm-scale-${EVENTS}`);
const KEEP = process.env['BENCH_KEEP'] === '1';
const SAMPLE_MS = size('BENCH_SAMPLE_MS', 5000);
const CLI = join(__dirname, '..', 'apps', 'crm-cli', 'src', 'main.js');
const FILE = join(DIR, 'crm.sqlite');

const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const say = (line: string) => process.stdout.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** VmRSS and VmHWM (peak) of a live process, in kB; undefined once it is gone. */
function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const [rss, peak] = [field('VmRSS'), field('VmHWM')];
    // A process that has exited but not been reaped has a status without memory lines.
    return Number.isFinite(rss) && Number.isFinite(peak) ? { rss, peak } : undefined;
  } catch {
    return undefined;
  }
}

interface ChildRun {
  readonly seconds: number;
  readonly code: number | null;
  /** [seconds since start, RSS kB] every SAMPLE_MS, and the last one just before the exit was seen. */
  readonly samples: readonly (readonly [number, number])[];
  readonly peakKb: number;
  readonly stdout: string;
}

/** Runs the CLI with these arguments on BENCH_DIR, passing its progress lines through and sampling its memory. */
function runCli(label: string, args: readonly string[]): Promise<ChildRun> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, CRM_DATA_DIR: DIR, CRM_EVENT_STORE: 'sqlite', CRM_READ_STORE: 'sqlite' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const samples: [number, number][] = [];
  let peakKb = 0;
  let stdout = '';
  const sample = () => {
    const memory = child.pid === undefined ? undefined : memoryOf(child.pid);
    if (!memory) return;
    samples.push([elapsed(), memory.rss]);
    peakKb = Math.max(peakKb, memory.peak, memory.rss);
    say(`  [${label}] ${elapsed().toFixed(0).padStart(6)} s  RSS ${mib(memory.rss).padStart(9)}  peak ${mib(peakKb)}  load ${load()}`);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) process.stderr.write(`  [${label}] ${line}\n`);
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise<ChildRun>((resolve, reject) => {
    child.on('error', reject);
    // Sampled once more as stdout closes, which is just before the exit.
    child.stdout.on('end', sample);
    child.on('exit', (code) => {
      clearInterval(timer);
      process.removeListener('SIGINT', forward);
      process.removeListener('SIGTERM', forward);
      resolve({ seconds: elapsed(), code, samples, peakKb, stdout });
    });
  });
}

/** The minimal baseline: every row of the events table in position order, straight from the driver. */
function rawRead(): { rows: number; seconds: number; bytes: number } {
  const db = new Database(FILE, { readonly: true });
  try {
    const started = process.hrtime.bigint();
    let rows = 0;
    let bytes = 0;
    const select = db.prepare('SELECT position, stream_id, revision, type, data, metadata FROM events ORDER BY position');
    for (const row of select.iterate() as IterableIterator<{ data: string; metadata: string }>) {
      rows += 1;
      bytes += row.data.length + row.metadata.length;
    }
    return { rows, seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes };
  } finally {
    db.close();
  }
}

function storedEvents(): number {
  const db = new Database(FILE, { readonly: true });
  try {
    return (db.prepare('SELECT max(position) AS head FROM events').get() as { head: number | null }).head ?? 0;
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  say(`bench:scale: ${count(EVENTS)} events in ${DIR} (node ${process.version}, load ${load()})`);
  let seedFigure = 'reused (BENCH_KEEP=1)';
  if (!(KEEP && existsSync(FILE))) {
    rmSync(DIR, { recursive: true, force: true });
    const seeded = await runCli('seed', ['seed', '--events', String(EVENTS)]);
    if (seeded.code !== 0) throw new Error(`crm-cli seed exited with ${seeded.code}`);
    const events = storedEvents();
    seedFigure = `${count(events)} events in ${seeded.seconds.toFixed(0)} s = ${count(events / seeded.seconds)} events/s, peak RSS ${mib(seeded.peakKb)}`;
    say(`seed: ${seedFigure}`);
  }
  const events = storedEvents();
  if (events < EVENTS) say(`note: the store holds ${count(events)} events, fewer than BENCH_EVENTS`);

  const raw = rawRead();
  say(
    `raw read of $all: ${count(raw.rows)} rows (${(raw.bytes / 2 ** 30).toFixed(2)} GiB of JSON text) in ${raw.seconds.toFixed(1)} s = ${count(raw.rows / raw.seconds)} rows/s`,
  );

  const rebuilt = await runCli('rebuild', ['rebuild', 'all']);
  if (rebuilt.code !== 0) throw new Error(`crm-cli rebuild all exited with ${rebuilt.code}`);
  const rate = events / rebuilt.seconds;
  const finalKb = rebuilt.samples[rebuilt.samples.length - 1]?.[1] ?? 0;
  const lateSamples = rebuilt.samples.filter(([t]) => t >= rebuilt.seconds / 2).map(([, kb]) => kb);
  say('');
  say(`== bench:scale, ${count(events)} events (load average now ${load()}; the machine may be shared: see load)`);
  say(`seed               ${seedFigure}`);
  say(`raw read of $all   ${raw.seconds.toFixed(1)} s, ${count(raw.rows / raw.seconds)} events/s`);
  say(`rebuild all        ${rebuilt.seconds.toFixed(0)} s, ${count(rate)} events/s (whole command, start-up and switch included)`);
  say(`ratio              ${(rate / (raw.rows / raw.seconds)).toFixed(3)} (rebuild rate / raw read rate)`);
  say(`rebuild RSS        peak ${mib(rebuilt.peakKb)}, final ${mib(finalKb)}, second half max ${mib(Math.max(0, ...lateSamples))}`);
  say(`RSS curve (s: MiB) ${rebuilt.samples.map(([t, kb]) => `${t.toFixed(0)}:${(kb / 1024).toFixed(0)}`).join(' ')}`);
  say(rebuilt.stdout.trim());
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
