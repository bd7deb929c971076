// What authentication costs per request: the same routes on the same build, served with CRM_AUTH=off and
// with authentication on (an API key, then a JWT), measured in alternating rounds in one run, as ratios.
// `npm run bench:auth`. BENCH_SECONDS per round (default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS
// (default 10). Each server is its own process (node dist/apps/crm-api/src/main.js) on the embedded SQLite
// store, with CRM_RATE_LIMIT=off so the limiter is not what is measured and CRM_PROJECTIONS=off so the read
// side's catch-up does not land in one contender's round; every contender is warmed up first. Then the
// authenticator alone, in process (BENCH_AUTH_CALLS, default 20000): the CPU a credential costs per request.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { ApiKeyRegistry, Authenticator, hashApiKey, JwtVerifier, newApiKey } from '@crm/identity/application';
import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { testIssuer, type TestIssuer } from '../apps/crm-api/src/testing/jwt-issuer';
import { measure, size } from './bench-support';

const MAIN = resolve(__dirname, '../apps/crm-api/src/main.js');
const SECONDS = size('BENCH_SECONDS', 5);
const ROUNDS = size('BENCH_ROUNDS', 3);
const CONNECTIONS = size('BENCH_CONNECTIONS', 10);

interface Server {
  readonly url: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
}

async function serve(port: number, env: Record<string, string>): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-bench-auth-'));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      CRM_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      CRM_LOG: 'silent',
      CRM_RATE_LIMIT: 'off',
      CRM_PROJECTIONS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('CRM API on')) ready();
    });
    child.on('exit', (code) => fail(new Error(`server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, dataDir, child };
}

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

async function load(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string, duration = SECONDS): Promise<Run> {
  const result = await autocannon({ url, method, headers, body, connections: CONNECTIONS, duration });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${method} ${url}: ${bad} of ${result.requests.total} requests failed (${result.non2xx} non-2xx)`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** The authenticator alone, in this process: the CPU each request spends on its credential, without HTTP around it. */
async function authenticatorAlone(issuer: TestIssuer): Promise<void> {
  const secret = Buffer.from('a bench secret of at least thirty-two characters');
  const registry = new ApiKeyRegistry(new InMemoryEventStore());
  const key = newApiKey();
  const data = {
    keyId: '7e0c1b2a-3d4f-4a5b-8c6d-9e0f1a2b3c4d',
    name: 'bench',
    roles: ['admin' as const],
    tenantId: 'default',
    keyHash: hashApiKey(secret, key),
    createdAt: new Date().toISOString(),
  };
  registry.apply('default', 0, { type: 'ApiKeyCreated', data });
  const jwtSettings = {
    issuer: issuer.issuer,
    audiences: [issuer.audience],
    algorithms: ['ES256'],
    rolesClaim: 'roles',
    tenantClaim: 'tenant',
    clockToleranceSeconds: 5,
  };
  const jwks = JSON.parse(readFileSync(issuer.jwksFile, 'utf8')) as { keys: [] };
  const settings = { enabled: true, bootstrapKeyFile: '', secretFile: '' };
  const authenticator = new Authenticator(settings, secret, registry, JwtVerifier.withKeys(jwtSettings, { jwks }));
  const jwt = await issuer.sign({ sub: 'bench-user', tenant: 'default', roles: ['admin'] }, { expiresIn: '2h' });
  const count = size('BENCH_AUTH_CALLS', 20_000);
  process.stdout.write('\nthe authenticator alone (no HTTP)\n');
  for (const [name, header] of [
    ['API key', `Bearer ${key}`],
    ['JWT (ES256)', `Bearer ${jwt}`],
  ] as const) {
    await authenticator.authenticate(header);
    const figure = await measure(name, count, async () => {
      for (let i = 0; i < count; i += 1) await authenticator.authenticate(header);
    });
    process.stdout.write(
      `${name.padEnd(16)}${Math.round(count / figure.seconds)
        .toLocaleString('en')
        .padStart(10)}/s${((figure.seconds / count) * 1e6).toFixed(1).padStart(9)} µs each\n`,
    );
  }
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function main(): Promise<void> {
  process.stdout.write(
    `node ${process.version}, ${new Date().toISOString()}; ${ROUNDS} rounds × ${SECONDS} s, ${CONNECTIONS} connections\n`,
  );
  const jwtDir = mkdtempSync(join(tmpdir(), 'crm-bench-jwt-'));
  const issuer = await testIssuer(jwtDir);
  const off = await serve(3901, { CRM_AUTH: 'off' });
  const on = await serve(3902, issuer.env);
  try {
    const key = readFileSync(join(on.dataDir, 'bootstrap-admin.key'), 'utf8').trim();
    const jwt = await issuer.sign({ sub: 'bench-user', tenant: 'default', roles: ['admin'] }, { expiresIn: '2h' });
    const contenders: readonly [string, Server, Record<string, string>][] = [
      ['auth off', off, {}],
      ['API key', on, { authorization: `Bearer ${key}` }],
      ['JWT (ES256)', on, { authorization: `Bearer ${jwt}` }],
    ];
    const feedback = JSON.stringify({ from: { name: 'رضا کریمی' }, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web' });
    const routes: readonly [string, 'GET' | 'POST', string, string | undefined][] = [
      ['GET /api/v1/admin/api-keys (no I/O: auth is most of the work)', 'GET', '/api/v1/admin/api-keys', undefined],
      ['POST /api/v1/feedback (a command: one append)', 'POST', '/api/v1/feedback', feedback],
    ];
    for (const [title, method, path, body] of routes) {
      const runs = new Map<string, Run[]>(contenders.map(([name]) => [name, []]));
      const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
      for (const [, server, headers] of contenders) await load(`${server.url}${path}`, method, { ...headers, ...json }, body, 1);
      for (let round = 0; round < ROUNDS; round += 1) {
        // Each round in another order, so a slow stretch of the machine does not always hit the same contender.
        const order = round % 2 === 0 ? contenders : [...contenders].reverse();
        for (const [name, server, headers] of order)
          runs.get(name)?.push(await load(`${server.url}${path}`, method, { ...headers, ...json }, body));
      }
      const baseline = median((runs.get('auth off') ?? []).map((r) => r.rps));
      process.stdout.write(`\n${title}\n`);
      process.stdout.write(
        `${'caller'.padEnd(16)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'ratio'.padStart(8)}${'µs/req'.padStart(9)}\n`,
      );
      for (const [name] of contenders) {
        const figures = runs.get(name) ?? [];
        const rps = median(figures.map((r) => r.rps));
        // Time per request beyond the auth-off baseline, on a saturated server: the cost of authentication itself.
        const cost = name === 'auth off' ? '' : (((1 / rps - 1 / baseline) * 1e6) | 0).toString();
        process.stdout.write(
          `${name.padEnd(16)}${Math.round(rps).toLocaleString('en').padStart(10)}${median(figures.map((r) => r.p50))
            .toFixed(1)
            .padStart(9)}` +
            `${median(figures.map((r) => r.p99))
              .toFixed(1)
              .padStart(9)}${(rps / baseline).toFixed(2).padStart(8)}${cost.padStart(9)}\n`,
        );
      }
    }
    await authenticatorAlone(issuer);
  } finally {
    for (const server of [off, on]) {
      server.child.kill('SIGTERM');
      await new Promise((done) => server.child.once('exit', done));
      rmSync(server.dataDir, { recursive: true, force: true });
    }
    rmSync(jwtDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
