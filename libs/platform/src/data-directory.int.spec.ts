import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { innerStore } from '@crm/shared/personal-data';
import { loadConfig } from './app-config';
import { prepareDataDirectory } from './data-directory';
import { openEventStore } from './open-event-store';
import { loadKek } from './personal-data';
import { existingServerSecret, loadServerSecret } from './server-secret';

const modeOf = (path: string) => statSync(path).mode & 0o777;
/** The workspace root: the children require the sources from it (Nx runs this spec in libs/platform). */
const WORKSPACE = resolve(__dirname, '../../..');

const anEvent = (eventId: string) => ({
  type: 'LeadCaptured',
  data: {},
  metadata: {
    eventId,
    commandId: eventId,
    correlationId: 'c',
    causationId: 'c',
    actor: { id: 'cli:test', roles: [] },
    tenantId: 'default',
    occurredAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
  },
});

describe('the embedded data directory (real SQLite file)', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'crm-perms-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("opens the SQLite connection with the page cache its use asks for (a rebuild's scan keeps a small one)", async () => {
    const cacheOf = async (use?: Parameters<typeof openEventStore>[2]) => {
      const store = await openEventStore(loadConfig({ CRM_DATA_DIR: join(root, 'cache') }), process.env, use);
      try {
        return (innerStore(store) as unknown as { db: { pragma(text: string, options: object): unknown } }).db.pragma('cache_size', {
          simple: true,
        });
      } finally {
        await store.close();
      }
    };
    expect(await cacheOf({ sqlitePageCacheKib: 16_384 })).toBe(-16_384);
    expect(await cacheOf()).toBeLessThan(-16_384);
  });

  it('is 0700, and the database, its WAL and shared-memory files are 0600', async () => {
    const dataDir = join(root, 'data');
    const store = await openEventStore(loadConfig({ CRM_DATA_DIR: dataDir }));
    try {
      await store.appendToStream('lead-1', [anEvent('8a3f1c2e-0b4d-4e6f-8a9b-0c1d2e3f4a5b')]);
      expect(modeOf(dataDir)).toBe(0o700);
      for (const file of ['crm.sqlite', 'crm.sqlite-wal', 'crm.sqlite-shm'])
        expect([file, modeOf(join(dataDir, file))]).toEqual([file, 0o600]);
    } finally {
      await store.close();
    }
  });

  it('is 0700 too when the stores are on PostgreSQL and only the keys and secrets live in it (it was 0755)', async () => {
    const dataDir = join(root, 'pg-keys');
    const config = loadConfig({
      CRM_DATA_DIR: dataDir,
      CRM_EVENT_STORE: 'postgres',
      CRM_POSTGRES_URL: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    });
    loadServerSecret(config, {});
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'server-secret'))).toBe(0o600);
    // An install from before this version: the folder 0755 with its secret in it is tightened at the next start.
    chmodSync(dataDir, 0o755);
    loadServerSecret(config, {});
    expect(modeOf(dataDir)).toBe(0o700);
    const kekDir = join(root, 'pg-kek');
    loadKek(loadConfig({ CRM_DATA_DIR: kekDir, CRM_EVENT_STORE: 'postgres', CRM_POSTGRES_URL: 'postgres://x@127.0.0.1:1/x' }), {});
    expect(modeOf(kekDir)).toBe(0o700);
  });

  it('gives processes starting at once one server secret, one KEK and one API-key secret, never an empty or half-written one', async () => {
    const dataDir = join(root, 'racing');
    mkdirSync(dataDir, { mode: 0o700 });
    // Each process loads the code, says it is ready, and makes or reads the secret when the test says go.
    const script = `
      const { loadConfig } = require('./libs/platform/src/app-config');
      const { loadServerSecret } = require('./libs/platform/src/server-secret');
      const { loadKek } = require('./libs/platform/src/personal-data');
      const { loadApiKeySecret } = require('./libs/identity/application/src/keys/api-key-secret');
      const config = loadConfig({ CRM_DATA_DIR: ${JSON.stringify(dataDir)}, CRM_EVENT_STORE: 'sqlite' });
      process.stdin.once('data', () => {
        const secrets = [
          loadServerSecret(config, {}),
          loadKek(config, {}).kek,
          loadApiKeySecret({ secretFile: ${JSON.stringify(join(dataDir, 'auth-secret'))} }),
        ];
        process.stdout.write(secrets.map((secret) => secret.toString('hex')).join(' '));
        process.exit(0);
      });
      process.stdout.write('ready;');`;
    const children = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: WORKSPACE });
      let out = '';
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const done = new Promise<{ code: number | null; secret: string; err: string }>((resolve) =>
        child.on('close', (code) => resolve({ code, secret: out.slice('ready;'.length), err })),
      );
      // Ready once it says so; a child that ends before (a failed require) settles it too, and fails below with its stderr.
      const ready = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.startsWith('ready;')) resolve();
        });
        void done.then(() => resolve());
      });
      return { child, ready, done };
    });
    await Promise.all(children.map(({ ready }) => ready));
    for (const { child } of children) child.stdin.write('go\n');
    const outcomes = await Promise.all(children.map(({ done }) => done));
    expect(outcomes.map(({ code, err }) => [code, err])).toEqual(Array(4).fill([0, '']));
    const secrets = new Set(outcomes.map(({ secret }) => secret));
    expect(secrets.size).toBe(1);
    const [serverSecret, kek, apiKeySecret] = [...secrets][0]?.split(' ') ?? [];
    expect([serverSecret?.length, kek?.length, apiKeySecret?.length]).toEqual([64, 64, 128]);
    expect(Buffer.from(readFileSync(join(dataDir, 'server-secret'), 'utf8').trim(), 'base64').toString('hex')).toBe(serverSecret);
    expect(Buffer.from(readFileSync(join(dataDir, 'kek'), 'utf8').trim(), 'base64').toString('hex')).toBe(kek);
    // Nothing left behind but the three files.
    expect(readdirSync(dataDir).sort()).toEqual(['auth-secret', 'kek', 'server-secret']);
    // Each child compiles the platform's sources as it loads (swc): on a loaded 2-core CI machine that took over a minute.
  }, 180_000);

  it('refuses a server secret file that holds no key, rather than keying with nothing', () => {
    const dataDir = join(root, 'emptied');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, 'server-secret'), '', { mode: 0o600 });
    const config = loadConfig({ CRM_DATA_DIR: dataDir, CRM_EVENT_STORE: 'sqlite' });
    expect(() => loadServerSecret(config, {})).toThrow(/holds no usable secret \(0 bytes\)/);
    expect(() => existingServerSecret(config, {})).toThrow(/restore it from a backup, or set CRM_SERVER_SECRET/);
  });

  it("keeps this process's SQLite locks when a second connection opens the same file: another process's connection leaves the live WAL alone", async () => {
    const dataDir = join(root, 'locks');
    const config = loadConfig({ CRM_DATA_DIR: dataDir });
    // The API's connection, and the read-side worker's, opened in the same process.
    const first = await openEventStore(config);
    const second = await openEventStore(config);
    const file = join(dataDir, 'crm.sqlite');
    try {
      await first.appendToStream('lead-1', [anEvent('8a3f1c2e-0b4d-4e6f-8a9b-0c1d2e3f4a51')]);
      // The process still holds SQLite's shared lock on the database file (Linux lists every POSIX lock in /proc/locks).
      const inode = statSync(file).ino;
      const held = readFileSync('/proc/locks', 'utf8')
        .split('\n')
        .filter((line) => line.includes(` ${process.pid} `) && line.includes(`:${inode} `));
      expect(held).toEqual([expect.stringMatching(/POSIX\s+ADVISORY\s+READ/)]);
      // Another process (an operator's `sqlite3` query) opens the file, reads, and closes: it does not take itself for
      // the last connection, so the WAL, holding the event not yet checkpointed, stays (before, it was deleted).
      const other = spawnSync('sqlite3', [file, 'SELECT count(*) FROM events;'], { encoding: 'utf8' });
      if (other.error === undefined) {
        expect(other.stdout.trim()).toBe('1');
        expect(existsSync(`${file}-wal`)).toBe(true);
      }
      await second.appendToStream('lead-2', [anEvent('8a3f1c2e-0b4d-4e6f-8a9b-0c1d2e3f4a52')]);
      expect((await first.readAll()).events.map((event) => event.streamId)).toEqual(['lead-1', 'lead-2']);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('tightens a data directory an older version left open', async () => {
    const dataDir = join(root, 'old');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const store = await openEventStore(loadConfig({ CRM_DATA_DIR: dataDir }));
    await store.close();
    expect(modeOf(dataDir)).toBe(0o700);
  });

  it('makes missing parents 0700 too, and fails at once where no directory can be made (Node spun for ever under /proc)', () => {
    const dataDir = join(root, 'a', 'b', 'data');
    prepareDataDirectory(dataDir);
    expect([modeOf(join(root, 'a')), modeOf(join(root, 'a', 'b')), modeOf(dataDir)]).toEqual([0o700, 0o700, 0o700]);
    if (!existsSync('/proc/self')) return; // no /proc here: the loop it spun in cannot happen
    // In a process of its own, killed after 20 s: on the code before, the call never returned, and a loop in this
    // process would have held the whole suite.
    const probe = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', '-e', "require('./libs/platform/src/data-directory').prepareDataDirectory('/proc/crm-data-probe')"],
      { cwd: join(__dirname, '..', '..', '..'), timeout: 20_000, encoding: 'utf8' },
    );
    expect({ signal: probe.signal, status: probe.status }).toEqual({ signal: null, status: 1 });
    expect(probe.stderr).toMatch(/ENOENT|EACCES|EPERM/);
  });

  it("takes group and others' access away without giving the owner what it had not: a read-only directory stays so", () => {
    const dataDir = join(root, 'read-only');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o555);
    prepareDataDirectory(dataDir);
    expect(modeOf(dataDir)).toBe(0o500);
    chmodSync(dataDir, 0o700);
  });
});
