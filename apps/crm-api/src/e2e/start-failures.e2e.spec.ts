import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { pausableProxy, waitUntil } from '@crm/shared/testing';
import { spawnApi } from '../testing/api-process';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A port nothing listens on (taken and let go), and the PostgreSQL URL pointing there. */
async function silentPostgresUrl(): Promise<{ port: number; url: string }> {
  const probe: Server = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const port = (probe.address() as { port: number }).port;
  await new Promise((done) => probe.close(done));
  const url = new URL(DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { port, url: url.href };
}

/**
 * A start that fails says why on one line (no coloured Nest console logger, no stack trace), exits as the README
 * says (78 for configuration, 1 otherwise), and leaves nothing held: an outside probe saw Nest's stack trace for a
 * data directory that is a file, a raw uncaught EADDRINUSE for a taken port, and 15 projection leases left to lapse.
 */
describe('the API failing to start (a separate API process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-start-fail-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const outcome = async (env: NodeJS.ProcessEnv) => {
    const api = spawnApi({ ...env, CRM_LOG: 'info' });
    const { code } = await api.exited;
    return { code, output: api.output() };
  };

  it('says a data directory that is a file in one line, exit 1', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const { code, output } = await outcome({ CRM_DATA_DIR: file });
    expect(code).toBe(1);
    expect(output).toMatch(/^Cannot start: ENOTDIR: the data directory .*a-file is a file, not a directory\n$/m);
    expect(output).not.toContain(`${String.fromCharCode(27)}[`); // no colours
    expect(output).not.toMatch(/\bat .*\.js:\d+|\[Nest\]/);
  }, 60_000);

  it('says a taken port in one line, exit 1, and gives back the leases it took', async () => {
    const data = join(dir, 'port');
    const taken: Server = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, output } = await outcome({ CRM_DATA_DIR: data, PORT: String(port) });
      expect(code).toBe(1);
      expect(output).toMatch(/^Cannot start: listen EADDRINUSE.*\n/m);
      expect(output).not.toMatch(/\bat .*\.js:\d+|Node\.js v\d+/);
    } finally {
      await new Promise((done) => taken.close(done));
    }
    const readStore = openSqliteReadStore({ file: join(data, 'read-models.sqlite'), synchronous: 'NORMAL' });
    try {
      const now = new Date().toISOString();
      expect((await readStore.listLeases()).filter((lease) => lease.expiresAt > now)).toEqual([]);
    } finally {
      await readStore.close();
    }
  }, 60_000);

  describe('started before its PostgreSQL server answers', () => {
    const schema = `start_wait_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    afterAll(async () => {
      const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    });

    it('waits for it, saying so, and serves once it answers', async () => {
      const { port, url } = await silentPostgresUrl();
      const api = spawnApi({
        CRM_EVENT_STORE: 'postgres',
        DATABASE_URL: url,
        CRM_POSTGRES_URL: url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_DATA_DIR: join(dir, 'wait'),
      });
      let proxy: Awaited<ReturnType<typeof pausableProxy>> | undefined;
      try {
        await waitUntil(
          () => /PostgreSQL at 127\.0\.0\.1:\d+ does not answer \(ECONNREFUSED\)/.test(api.output()),
          'the wait to be told',
          30_000,
        );
        await waitUntil(() => (api.output().match(/does not answer/g) ?? []).length >= 2, 'a second try', 10_000);
        // The server comes up where the API looks for it.
        proxy = await pausableProxy(new URL(DATABASE_URL), { port });
        const base = await api.listening;
        expect(api.output()).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+ answers: starting/);
        expect(api.output()).not.toContain('Cannot start');
        let ready = 0;
        await waitUntil(async () => (ready = (await fetch(`${base}/health/ready`)).status) === 200, 'readiness', 60_000);
        expect(ready).toBe(200);
      } finally {
        api.kill();
        await api.exited;
        await proxy?.close();
      }
    }, 120_000);

    it('gives up after CRM_START_WAIT_S, exit 1 in one line', async () => {
      const { url } = await silentPostgresUrl();
      const started = Date.now();
      const { code, output } = await outcome({
        CRM_EVENT_STORE: 'postgres',
        DATABASE_URL: url,
        CRM_POSTGRES_URL: url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_DATA_DIR: join(dir, 'give-up'),
        CRM_START_WAIT_S: '2',
      });
      expect(code).toBe(1);
      expect(output).toMatch(/does not answer \(ECONNREFUSED\): trying again in/);
      expect(output).toMatch(/^Cannot start: .*ECONNREFUSED/m);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      // CRM_START_WAIT_S=0: no wait at all, as before.
      const { code: at0, output: said0 } = await outcome({
        CRM_EVENT_STORE: 'postgres',
        DATABASE_URL: url,
        CRM_POSTGRES_URL: url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_DATA_DIR: join(dir, 'no-wait'),
        CRM_START_WAIT_S: '0',
      });
      expect(at0).toBe(1);
      expect(said0).not.toContain('does not answer');
    }, 120_000);
  });
});
