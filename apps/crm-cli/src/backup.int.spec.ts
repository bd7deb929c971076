import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { cli } from './testing/run-cli-in-process';
import { cli as spawnedCli, startCli } from './testing/spawned-cli';

const WORKSPACE = resolve(__dirname, '../../..');

const headOf = async (dir: string): Promise<number> => {
  const store = openSqliteEventStore({ file: join(dir, 'crm.sqlite'), synchronous: 'NORMAL' });
  try {
    return Number((await store.headPosition()) ?? 0);
  } finally {
    await store.close();
  }
};

/**
 * `crm-cli backup`: the embedded data directory copied while another process writes to it. Before, operations.md said
 * how to restore but not how to take a copy, and a `cp` of a live directory can miss commits still in the WAL (an
 * outside audit's copies were whole by luck of timing).
 */
describe('crm-cli backup (real SQLite data directory, a writer in another process)', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-backup-'));
  const dataDir = join(root, 'data');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('copies the log as it stood at one instant, keys and secrets with it, while a seed writes; the copy verifies', async () => {
    expect(await cli(['seed', '--events', '2000'], { CRM_DATA_DIR: dataDir })).toMatchObject({ code: 0 });
    expect(await cli(['replay', 'all'], { CRM_DATA_DIR: dataDir })).toMatchObject({ code: 0 });
    const before = await headOf(dataDir);
    // Another process writing: a second seed, in batches, for several seconds.
    const { CRM_EVENT_STORE: _s, CRM_READ_STORE: _r, ...inherited } = process.env;
    const writer = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/crm-cli/src/main.ts', 'seed', '--events', '40000', '--seed', '2'],
      {
        cwd: WORKSPACE,
        env: { ...inherited, CRM_DATA_DIR: dataDir },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const finished = new Promise<number | null>((done) => writer.on('close', done));
    await new Promise<void>((started) => writer.stderr.on('data', (chunk: Buffer) => /seed/.test(chunk.toString()) && started()));

    const copy = join(root, 'copy');
    const run = await cli(['backup', '--to', copy], { CRM_DATA_DIR: dataDir });
    expect(await finished).toBe(0);
    expect(run).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/^backed up .* the log up to position \d+, crm\.sqlite, kek, read-models\.sqlite/),
    });
    const [copied, after] = [await headOf(copy), await headOf(dataDir)];
    expect(copied).toBeGreaterThan(before);
    expect(copied).toBeLessThanOrEqual(after);
    // Every chain whole and every sealed record's key there: no commit half copied, the keys with their events.
    const verified = await cli(['verify'], { CRM_DATA_DIR: copy });
    expect(verified).toMatchObject({ code: 0, stdout: '' });
    expect(verified.stderr).toContain(`verified ${copied.toLocaleString('en-US')} events`);
    expect(verified.stderr).toMatch(/every chain whole; keys of [\d,]+ sealed records: each there or erased/);
    for (const name of readdirSync(copy)) expect({ name, mode: statSync(join(copy, name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
    // The read models, copied before the log, are of this log: behind it at most, never taken for another log's.
    const status = await cli(['status'], { CRM_DATA_DIR: copy });
    expect(status.stdout).toContain('pipeline-opportunities');
    expect(status.stdout).not.toMatch(/NOT FROM THIS LOG/i);
    expect(readdirSync(root).filter((name) => name.includes('.partial-'))).toEqual([]);
  }, 120_000);

  it('of two backups started at once into one empty directory, at most one copies: never a copy of two', async () => {
    const shared = join(root, 'shared');
    mkdirSync(shared);
    // Two processes: four cost a loaded CI machine's CLI specs their time (two of them timed out beside it).
    const runs = await Promise.all(Array.from({ length: 2 }, () => spawnedCli(['backup', '--to', shared], { CRM_DATA_DIR: dataDir })));
    // One copies, the other stops (exit 2). Two that make their partial copies at the same instant both see the other
    // and both stop: then none copies, which is safe too; what must never be is both moving their files in.
    const codes = runs.map((run) => run.code).sort();
    expect(codes.filter((code) => code !== 0 && code !== 2)).toEqual([]);
    expect(codes.filter((code) => code === 0).length).toBeLessThanOrEqual(1);
    for (const run of runs.filter((each) => each.code === 2)) expect(run.stderr).toMatch(/is not empty/);
    expect(readdirSync(shared).filter((name) => name.startsWith('.partial-'))).toEqual([]);
    if (codes[0] === 0) expect(await cli(['verify'], { CRM_DATA_DIR: shared })).toMatchObject({ code: 0 });
    else expect(readdirSync(shared)).toEqual([]);
  }, 120_000);

  it('refuses a target that holds anything, a store that is not SQLite, and a directory with no store (exit 2)', async () => {
    const taken = join(root, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'notes.txt'), 'x');
    expect(await cli(['backup', '--to', taken], { CRM_DATA_DIR: dataDir })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('is not empty'),
    });
    expect(await cli(['backup'], { CRM_DATA_DIR: dataDir })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--to <dir> is required'),
    });
    const postgres = { CRM_DATA_DIR: dataDir, CRM_EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };
    expect(await cli(['backup', '--to', join(root, 'pg')], postgres)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('pg_dump'),
    });
    expect(await cli(['backup', '--to', join(root, 'none')], { CRM_DATA_DIR: join(root, 'empty') })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('holds no crm.sqlite'),
    });
  });
});

/**
 * The paths export and backup write to, as an outside tester gave them: `export --out <data>/crm.sqlite --force`
 * overwrote the log it was reading (exit 0, then "file is not a database"), `backup --to /proc/probe` never ended,
 * `backup --to` made every missing parent and left an existing directory 0755, `export --out` into a missing directory
 * failed naming a file the user never gave.
 */
describe('crm-cli export --out and backup --to: where they may write', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-paths-'));
  const dataDir = join(root, 'data');
  const env = { CRM_DATA_DIR: dataDir };
  const usage = (command: string, message: string) => ({
    code: 2,
    stdout: '',
    stderr: `crm-cli ${command}: ${message}\nRun 'crm-cli ${command} --help' for usage.\n`,
  });
  beforeAll(async () => {
    expect(await cli(['seed', '--events', '200'], env)).toMatchObject({ code: 0 });
  }, 60_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a path in the data directory, links followed, on any store; the log stays whole (exit 2)', async () => {
    const log = join(dataDir, 'crm.sqlite');
    const before = readFileSync(log);
    const inData = (given: string) =>
      `${given} is in the data directory ${dataDir} (the event log, its keys and secrets): choose a path outside it`;
    expect(await cli(['export', 'events', '--out', log, '--force'], env)).toEqual(usage('export', `--out ${inData(log)}`));
    // A link to the log, and a link to a file not there yet (writing through it would make it in the data directory).
    symlinkSync(log, join(root, 'log-link'));
    symlinkSync(join(dataDir, 'new.ndjson'), join(root, 'dangling-link'));
    symlinkSync(dataDir, join(root, 'data-link'));
    // `..` after a link, as the kernel walks it (a review: read as text it named a path outside the data directory).
    mkdirSync(join(root, 'sub'));
    symlinkSync(dataDir, join(root, 'sub', 'x'));
    for (const given of [
      join(root, 'log-link'),
      join(root, 'dangling-link'),
      join(root, 'data-link', 'x.ndjson'),
      join(dataDir, '..', 'data', 'x'),
      `${root}/sub/x/../${basename(dataDir)}/crm.sqlite`,
    ])
      expect(await cli(['export', 'events', '--out', given, '--force'], env)).toEqual(usage('export', `--out ${inData(given)}`));
    // On PostgreSQL the data directory still holds the key-encryption key and the server's secrets.
    const postgres = { ...env, CRM_EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' };
    expect(await cli(['export', 'events', '--out', join(dataDir, 'kek'), '--force'], postgres)).toEqual(
      usage('export', `--out ${inData(join(dataDir, 'kek'))}`),
    );
    // A key-encryption key kept outside it is not written over either.
    const kek = join(root, 'kek');
    writeFileSync(kek, readFileSync(join(dataDir, 'kek')));
    expect(await cli(['export', 'events', '--out', kek, '--force'], { ...env, CRM_KEK_FILE: kek })).toEqual(
      usage('export', `--out ${kek} is the key-encryption key (CRM_KEK_FILE): choose another path`),
    );
    expect(await cli(['backup', '--to', dataDir], env)).toEqual(
      usage('backup', `--to ${dataDir} is the data directory ${dataDir} (the event log, its keys and secrets): choose a path outside it`),
    );
    for (const given of [join(dataDir, 'copy'), join(root, 'data-link', 'copy')])
      expect(await cli(['backup', '--to', given], env)).toEqual(usage('backup', `--to ${inData(given)}`));
    expect(readFileSync(log).equals(before)).toBe(true);
    expect(readdirSync(dataDir).filter((name) => !/^(crm\.sqlite|read-models\.sqlite|kek|server-secret)(-wal|-shm)?$/.test(name))).toEqual(
      [],
    );
    expect(await cli(['verify'], env)).toMatchObject({ code: 0 });
  });

  it('refuses a directory that does not exist, naming it, and makes none (exit 2)', async () => {
    expect(await cli(['export', 'events', '--out', join(root, 'none', 'dir', 'x')], env)).toEqual(
      usage('export', `no such directory ${join(root, 'none', 'dir')}`),
    );
    expect(await cli(['backup', '--to', join(root, 'none', 'x', 'y')], env)).toEqual(
      usage('backup', `no such directory ${join(root, 'none', 'x')}`),
    );
    expect(existsSync(join(root, 'none'))).toBe(false);
  });

  it('makes the copy owner-only: a new directory, and an empty one that was 0755', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    chmodSync(empty, 0o755);
    expect(await cli(['backup', '--to', empty], env)).toMatchObject({ code: 0 });
    expect(await cli(['backup', '--to', join(root, 'new')], env)).toMatchObject({ code: 0 });
    for (const dir of [empty, join(root, 'new')]) {
      expect({ dir, mode: statSync(dir).mode & 0o777 }).toEqual({ dir, mode: 0o700 });
      expect(readdirSync(dir)).toEqual(expect.arrayContaining(['crm.sqlite', 'kek', 'server-secret']));
    }
  });

  // A process of its own: before, it never ended (Node's recursive mkdir looping where /proc refuses a new entry), deaf
  // to SIGTERM, and this test would have hung with it.
  it('fails once, at once, where no directory can be made (/proc)', async () => {
    const run = startCli(['backup', '--to', '/proc/probe'], env);
    const killed = setTimeout(() => run.child.kill('SIGKILL'), 20_000);
    try {
      expect(await run.exited).toMatchObject(
        usage('backup', '--to /proc/probe: cannot make a directory in /proc: no directory can be made there'),
      );
    } finally {
      clearTimeout(killed);
    }
  }, 30_000);
});
