import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { ApiKeyRegistry, hashApiKey, newApiKey, REGISTRY_SNAPSHOT_STREAM, sealFold } from '@crm/identity/application';
import { http, issueKey, startTestApp, type TestApp } from '../testing/test-app';
import { salesClient } from './sales-e2e-support';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The registry's kept fold as the store holds it, and a way to overwrite it (as someone with write access to the store could). */
interface KeptFold {
  revision(): Promise<number | undefined>;
  overwrite(state: unknown): Promise<void>;
  close(): Promise<void>;
}

interface Store {
  readonly env: NodeJS.ProcessEnv;
  readonly kept: () => KeptFold;
  drop(): Promise<void>;
}

const STORES: readonly [string, () => Store][] = [
  [
    'embedded SQLite',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'crm-key-registry-'));
      return {
        env: { CRM_DATA_DIR: dataDir },
        kept: () => {
          const db = new Database(join(dataDir, 'crm.sqlite'));
          const where = `WHERE stream_id = '${REGISTRY_SNAPSHOT_STREAM}'`;
          return {
            revision: async () => db.prepare<[], { revision: number }>(`SELECT revision FROM snapshots ${where}`).get()?.revision,
            overwrite: async (state) => void db.prepare(`UPDATE snapshots SET state = ? ${where}`).run(JSON.stringify(state)),
            close: async () => void db.close(),
          };
        },
        drop: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  ],
  [
    'PostgreSQL',
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'crm-key-registry-'));
      const schema = `keys_e2e_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const env = { CRM_EVENT_STORE: 'postgres', DATABASE_URL, CRM_POSTGRES_SCHEMA: schema, CRM_DATA_DIR: dataDir };
      return {
        env,
        kept: () => {
          const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
          const where = `WHERE stream_id = '${REGISTRY_SNAPSHOT_STREAM}'`;
          return {
            revision: async () =>
              (await pool.query<{ revision: number }>(`SELECT revision FROM "${schema}".snapshots ${where}`)).rows.map((row) =>
                Number(row.revision),
              )[0],
            overwrite: async (state) =>
              void (await pool.query(`UPDATE "${schema}".snapshots SET state = $1::jsonb ${where}`, [JSON.stringify(state)])),
            close: () => pool.end(),
          };
        },
        async drop() {
          const admin = new Pool({ connectionString: DATABASE_URL, max: 1 });
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  ],
];

/**
 * A start reads the log only after the registry's kept fold (not the whole log for the few key events), and what
 * it serves is what the log says: keys made and revoked before and after the fold, and nothing a forged fold adds.
 */
describe.each(STORES)('the API key registry across restarts on %s', (_name, open) => {
  const store = open();
  const env = { ...store.env, CRM_AUTH_SECRET: randomBytes(32).toString('hex') };
  let server: TestApp | undefined;
  const { post } = salesClient(() => server as TestApp);
  const registryOf = (app: TestApp) => app.app.get(ApiKeyRegistry);
  const status = async (headers: Record<string, string>) =>
    (await http((server as TestApp).url, 'GET', '/api/v1/views/churn', undefined, headers)).status;

  afterAll(async () => {
    await server?.close();
    await store.drop();
  });

  it('resumes from the kept fold, serves the keys the log says, and ignores a fold not made with the secret', async () => {
    // An empty log: the bootstrap key is made after the first catch-up, so nothing is kept until the log moves.
    server = await startTestApp(env);
    expect(registryOf(server).keptCheckpoint).toBeUndefined();
    const analyst = await issueKey(server, { name: 'reporting', roles: ['analyst'] });
    const rotated = await issueKey(server, { name: 'rotated', roles: ['analyst'] });
    expect((await http(server.url, 'POST', `/api/v1/admin/api-keys/${rotated.id}/revoke`, { reason: 'rotated' })).status).toBe(200);
    for (const name of ['لیلا نوری', 'کاوه رحیمی', 'مریم احمدی'])
      expect((await post('/leads', { fullName: name, source: 'web', email: `${randomUUID()}@example.ir` })).status).toBe(201);
    const first = registryOf(server);
    await server.close();
    // Kept on stop: bootstrap + two keys created + one revoked = four key events folded, at the head of the log.
    const fold = store.kept();
    expect(await fold.revision()).toBe(4);

    server = await startTestApp(env);
    expect(first.keptCheckpoint).toBeDefined();
    expect(registryOf(server).resumedFrom).toBe(first.keptCheckpoint);
    expect(await status(analyst.headers)).toBe(200);
    expect(await status(rotated.headers)).toBe(401);
    // Made after the restart: kept in the fold written on this stop.
    const late = await issueKey(server, { name: 'late', roles: ['analyst'] });
    expect(await status(late.headers)).toBe(200);
    await server.close();
    expect(await fold.revision()).toBe(5);

    // Someone with write access to the store, but not the secret, replaces the fold with one holding an admin key.
    const forgedKey = newApiKey();
    const forged = sealFold(randomBytes(32), {
      checkpoint: registryOf(server).keptCheckpoint as string,
      entries: [
        {
          tenantId: 'default',
          revision: 0,
          state: {
            status: 'active',
            key: {
              keyId: randomUUID(),
              name: 'forged',
              roles: ['admin'],
              tenantId: 'default',
              keyHash: hashApiKey(Buffer.from(env.CRM_AUTH_SECRET, 'utf8'), forgedKey),
              bootstrap: false,
              createdAt: '2026-01-01T00:00:00.000Z',
            },
          },
        },
      ],
    });
    await fold.overwrite(forged);
    await fold.close();
    server = await startTestApp(env);
    expect(registryOf(server).resumedFrom).toBeUndefined();
    expect(await status({ authorization: `Bearer ${forgedKey}` })).toBe(401);
    expect(await status(analyst.headers)).toBe(200);
    expect(await status(late.headers)).toBe(200);
    expect(await status(rotated.headers)).toBe(401);
  }, 60_000);
});
