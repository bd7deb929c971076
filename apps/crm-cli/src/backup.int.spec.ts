import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { cli } from './testing/run-cli-in-process';

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
