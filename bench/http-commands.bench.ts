// HTTP command routes on the embedded default against bare Fastify appending one
// SQLite row at the same durability (WAL, synchronous=FULL), measured with autocannon
// in one run, each server in a process of its own (issue: >= 0.5x).
// `npm run bench:http-commands`. BENCH_SECONDS per contender and route (default 10),
// BENCH_CONNECTIONS (default 16), BENCH_MODES (default run,inline,off: CRM_PROJECTIONS values). The last column is the
// server process's CPU (all threads) per answered request, from /proc: steadier than req/s on a shared machine.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { size } from './bench-support';

interface Route {
  readonly name: string;
  readonly path: string;
  body(n: number): string;
}

const ROUTES: readonly Route[] = [
  {
    name: 'POST /api/v1/feedback',
    path: '/api/v1/feedback',
    body: (n) =>
      JSON.stringify({ from: { name: 'سارا رحیمی', email: `sara${n}@example.ir` }, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' }),
  },
  {
    name: 'POST /api/v1/leads',
    path: '/api/v1/leads',
    // Leads are deduplicated on phone and email: every one is new.
    body: (n) =>
      JSON.stringify({ fullName: 'مریم احمدی', source: 'web', phone: `0912${String(n % 1e7).padStart(7, '0')}`, email: `lead${n}@example.ir` }),
  },
];

interface Server {
  readonly port: number;
  readonly child: ChildProcess;
}

function startServer(kind: 'bare' | 'api', dir: string, env: NodeJS.ProcessEnv): Promise<Server> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [join(__dirname, 'http-commands.server.js'), kind, dir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve({ port: Number(match[1]), child });
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}) before listening`)));
  });
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

let counter = 0;

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc (Linux; 10 ms ticks). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The measured run, with the server's CPU per request answered: steadier than req/s when the machine is shared. */
async function measure(server: Server, path: string, route: Route, seconds: number, connections: number) {
  const before = cpuMs(server.child.pid);
  const figure = await fire(server.port, path, route, seconds, connections);
  return { ...figure, cpuPerRequest: (cpuMs(server.child.pid) - before) / figure.ok };
}

async function fire(port: number, path: string, route: Route, seconds: number, connections: number) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: route.body((counter += 1)) }),
      },
    ],
  });
  const ok = result['2xx'];
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${path}: ${result.non2xx} non-2xx replies, ${result.errors} errors`);
  return { rps: ok / seconds, p99: result.latency.p99, ok };
}

async function main(): Promise<void> {
  const seconds = size('BENCH_SECONDS', 10);
  const connections = size('BENCH_CONNECTIONS', 16);
  const modes = (process.env['BENCH_MODES'] ?? 'run,inline,off').split(',').filter(Boolean);
  process.stdout.write(
    `node ${process.version}, ${new Date().toISOString()}, autocannon ${connections} connections, ${seconds} s per contender and route, auth and rate limit off\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-http-commands-'));
  try {
    const rows: string[] = [];
    for (const route of ROUTES) {
      const bare = await startServer('bare', join(dir, `bare-${route.path.replace(/\W+/g, '-')}`), {});
      await fire(bare.port, '/raw', route, 2, connections); // warm-up
      const raw = await measure(bare, '/raw', route, seconds, connections);
      await stopServer(bare);
      rows.push(line(`bare Fastify + one SQLite row (FULL)`, route.name, raw, undefined));
      for (const mode of modes) {
        const api = await startServer('api', join(dir, `${mode}-${route.path.replace(/\W+/g, '-')}`), {
          CRM_PROJECTIONS: mode,
          CRM_AUTH: 'off',
          CRM_RATE_LIMIT: 'off', // 6000 requests a minute per caller by default: the limiter is not what is measured
          CRM_SLA_CHECK_INTERVAL_MS: '0',
        });
        await fire(api.port, route.path, route, 2, connections); // warm-up: JIT, statements, the worker's catch-up
        const figure = await measure(api, route.path, route, seconds, connections);
        await stopServer(api);
        rows.push(line(`CRM API, CRM_PROJECTIONS=${mode}`, route.name, figure, raw.rps));
      }
    }
    process.stdout.write(
      `\n${'contender'.padEnd(40)}${'route'.padEnd(24)}${'req/s'.padStart(9)}${'p99 ms'.padStart(9)}${'ratio'.padStart(8)}${'CPU ms/req'.padStart(12)}\n`,
    );
    for (const row of rows) process.stdout.write(`${row}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function line(name: string, route: string, figure: { rps: number; p99: number; cpuPerRequest: number }, raw: number | undefined): string {
  const ratio = raw === undefined ? '' : (figure.rps / raw).toFixed(2);
  const cpu = Number.isFinite(figure.cpuPerRequest) ? figure.cpuPerRequest.toFixed(3) : '—';
  return `${name.padEnd(40)}${route.padEnd(24)}${Math.round(figure.rps).toLocaleString('en').padStart(9)}${String(figure.p99).padStart(9)}${ratio.padStart(8)}${cpu.padStart(12)}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
