import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { spawnApi } from '../testing/api-process';

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
    expect(output).toMatch(/^Cannot start: .*EEXIST.*\n$/m);
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
});
