import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestApp, type TestApp } from '../testing/test-app';
import { salesClient } from './sales-e2e-support';

/**
 * An erasure's purge list stays openable for CRM_ERASURE_PURGE_WINDOW_MS, then its key is destroyed. A process that
 * stops within the window leaves the key; the next start finds it among the keys it holds (not by reading the log)
 * and destroys it when the window is over, never before.
 */
describe('erasure purge lists across a restart (real server, embedded SQLite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-purge-restart-'));
  let server: TestApp | undefined;
  const { post } = salesClient(() => server as TestApp);

  /** The purge-list keys in the key table (beside the events, in crm.sqlite), read as another process would; a destroyed key's tombstone (an empty value) is no key. */
  const purgeKeys = (): string[] => {
    const db = new Database(join(dataDir, 'crm.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return db
        .prepare<[], { ref: string }>(
          `SELECT subject_ref AS ref FROM personal_data_keys WHERE subject_ref LIKE 'purge-%' AND length(wrapped) > 0 ORDER BY 1`,
        )
        .all()
        .map((row) => row.ref);
    } finally {
      db.close();
    }
  };
  const until = async (check: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!check() && Date.now() < end) await new Promise((done) => setTimeout(done, 50));
    return check();
  };

  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a purge list’s key through a restart within its window and destroys it at the next start after it', async () => {
    server = await startTestApp({ CRM_DATA_DIR: dataDir, CRM_ERASURE_PURGE_WINDOW_MS: '3600000' });
    const leads: string[] = [];
    for (const [name, email] of [
      ['سمیرا کاظمی', 'samira.k@example.ir'],
      ['رضا توکلی', 'reza.t@example.ir'],
    ] as const) {
      const lead = await post('/leads', { fullName: name, source: 'web', email });
      expect(lead.status).toBe(201);
      leads.push(lead.body['id'] as string);
    }
    for (const id of leads) {
      const erased = await post('/data-subjects/erase', { subject: { type: 'lead', id }, reason: 'درخواست مشتری' });
      expect(erased.status).toBe(200);
    }
    const pending = purgeKeys();
    expect(pending).toHaveLength(2);
    await server.close();

    // Within the window: the next start leaves both keys (other processes may still need the lists).
    server = await startTestApp({ CRM_DATA_DIR: dataDir, CRM_ERASURE_PURGE_WINDOW_MS: '3600000' });
    await new Promise((done) => setTimeout(done, 300));
    expect(purgeKeys()).toEqual(pending);
    await server.close();

    // Past the window (now 0): the start destroys both, found from the keys without a scan of the log.
    server = await startTestApp({ CRM_DATA_DIR: dataDir, CRM_ERASURE_PURGE_WINDOW_MS: '0' });
    expect(await until(() => purgeKeys().length === 0, 5000)).toBe(true);
    // Everything else still answers: a new lead is captured after it.
    expect((await post('/leads', { fullName: 'نیما صادقی', source: 'web', email: 'nima.s@example.ir' })).status).toBe(201);
  }, 60_000);
});
