import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { ALL_PROJECTIONS } from '@crm/platform';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import type { EventStore } from '@crm/shared/event-sourcing';
import type { ReadStore } from '@crm/shared/read-model';
import { withStores } from './context';
import { cli } from './testing/run-cli-in-process';

/**
 * The names a live rebuild and an as-of build (`--as-of --target`) write into must never be the same collection:
 * a live rebuild takes the next free version name, and an as-of target that a projection's versioning could take, or
 * that anything holds (a serving build, a retired one awaiting its drop, another collection), is refused (exit 2).
 */
const KPIS = ALL_PROJECTIONS.find((p) => p.name === 'complaint-kpis');
if (!KPIS) throw new Error('complaint-kpis is not registered');
const version = KPIS.version;
const build = (generation: number) => `complaint_kpis_v${version}_${generation}`;
const ROOT = '/tmp/fix-rebuild';
const PG_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Backend {
  readonly name: string;
  /** The environment of a store seeded with `events` events. */
  setUp(events: number): Promise<{ env: NodeJS.ProcessEnv }>;
  tearDown(): Promise<void>;
}

function sqliteBackend(): Backend {
  let dataDir = '';
  return {
    name: 'SQLite',
    async setUp(events) {
      mkdirSync(ROOT, { recursive: true });
      dataDir = mkdtempSync(join(ROOT, 'targets-'));
      const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
      try {
        await seedEventStore(store, { events, seed: 11 });
        return { env: { CRM_DATA_DIR: dataDir, CRM_REBUILD_GRACE_MS: '600000' } };
      } finally {
        await store.close();
      }
    },
    async tearDown() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  let dataDir = '';
  const schema = `fix_rebuild_${randomBytes(6).toString('hex')}`;
  return {
    name: 'PostgreSQL',
    async setUp(events) {
      mkdirSync(ROOT, { recursive: true });
      dataDir = mkdtempSync(join(ROOT, 'targets-pg-'));
      const store: EventStore & { close(): Promise<void> } = await PostgresEventStore.open(PG_URL, { schema, poolSize: 4 });
      try {
        await seedEventStore(store, { events, seed: 11 });
        return {
          env: {
            CRM_DATA_DIR: dataDir,
            CRM_EVENT_STORE: 'postgres',
            CRM_POSTGRES_URL: PG_URL,
            CRM_POSTGRES_SCHEMA: schema,
            CRM_POSTGRES_POOL_SIZE: '4',
            CRM_REBUILD_GRACE_MS: '600000',
          },
        };
      } finally {
        await store.close();
      }
    },
    async tearDown() {
      const { Client } = await import('pg');
      const client = new Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe.each([sqliteBackend(), postgresBackend()])('crm-cli rebuild targets on $name', (backend) => {
  let env: NodeJS.ProcessEnv = {};
  let head = '';
  const readStore = <T>(work: (store: ReadStore) => Promise<T>): Promise<T> =>
    withStores({ env }, async (stores) => work(await stores.readStore()));
  const serving = () => readStore(async (store) => (await store.loadState('complaint-kpis'))?.collection as string);

  beforeAll(async () => {
    ({ env } = await backend.setUp(1500));
    head = (await withStores({ env }, ({ events }) => events.headPosition())) as string;
    expect(head).toEqual(expect.any(String));
  }, 60_000);

  afterAll(() => backend.tearDown(), 30_000);

  it('the first rebuild on a never-built store builds, replaces nothing, and leaves no empty first generation behind', async () => {
    const rebuilt = await cli(['rebuild', 'complaint-kpis'], env);
    expect(rebuilt).toMatchObject({ code: 0 });
    const line = rebuilt.stdout.trim();
    // Nothing served before: the message says so instead of naming a build that never held anything.
    expect(line).not.toContain('replaced');
    expect(line).toMatch(new RegExp(`^complaint-kpis: serving ${build(2)} at \\S+ \\(the first build: nothing served before\\)$`));
    await readStore(async (store) => {
      expect(await store.loadState('complaint-kpis~retired')).toBeUndefined();
      expect(await store.count(build(2))).toBeGreaterThan(0);
    });
    if (backend.name === 'SQLite') {
      const store = openSqliteReadStore({ file: join(env['CRM_DATA_DIR'] as string, 'read-models.sqlite'), synchronous: 'NORMAL' });
      try {
        const tables = store.db
          .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'rmd_complaint_kpis%'")
          .all()
          .map((row) => (row as { name: string }).name);
        expect(tables).toEqual([`rmd_${build(2)}`]);
      } finally {
        await store.close();
      }
    }
  }, 120_000);

  it('refuses (exit 2) an as-of target that a rebuild could take, that serves, or that exists already', async () => {
    const current = await serving();
    expect(current).toBe(build(2));
    // The serving build: refused as before, but as a usage error now (it exited 1).
    expect(await cli(['rebuild', 'complaint-kpis', '--as-of', head, '--target', current], env)).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining(`${current} is the serving build of complaint-kpis`),
    });
    // The name of the next version build: the next live rebuild would take it and overwrite it.
    expect(await cli(['rebuild', 'complaint-kpis', '--as-of', head, '--target', build(3)], env)).toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining(`${build(3)} has the form of a projection's own build`),
    });
    // Any projection's: its versioning owns the name all the same.
    expect(await cli(['rebuild', 'complaint-kpis', '--as-of', head, '--target', 'pipeline_deals_v1_7'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("pipeline_deals_v1_7 has the form of a projection's own build"),
    });
    // An existing collection nobody recorded as this projection's as-of build.
    await readStore((store) => store.transaction((tx) => tx.put('someone_elses', 'doc-1', { kept: true })));
    expect(await cli(['rebuild', 'complaint-kpis', '--as-of', head, '--target', 'someone_elses'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('someone_elses already exists'),
    });
    expect(await readStore((store) => store.count('someone_elses'))).toBe(1);
    // Another projection's as-of build: not taken over either.
    expect(await cli(['rebuild', 'pipeline-leads', '--as-of', head, '--target', 'deals_then'], env)).toMatchObject({ code: 0 });
    expect(await cli(['rebuild', 'complaint-kpis', '--as-of', head, '--target', 'deals_then'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('deals_then is the as-of build of pipeline-leads'),
    });
    // No name: it built into a collection named by the store's prefix alone (`rmd_`), exit 0.
    for (const empty of ['', '  '])
      expect(await cli(['rebuild', 'complaint-kpis', '--as-of', head, '--target', empty], env)).toMatchObject({
        code: 2,
        stdout: '',
        stderr: expect.stringContaining('--target needs a collection name'),
      });
    // This projection's own as-of build may be made again (it is emptied first).
    const first = await cli(['rebuild', 'complaint-kpis', '--as-of', head, '--target', 'kpis_then'], env);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('built into kpis_then') });
    expect(await cli(['rebuild', 'complaint-kpis', '--as-of', head, '--target', 'kpis_then'], env)).toMatchObject({ code: 0 });
    expect(await serving()).toBe(current);
  }, 120_000);

  it('a live rebuild takes the next free version name: never an as-of build, a retired build or an existing collection', async () => {
    const current = await serving();
    const generation = Number(current.slice(current.lastIndexOf('_') + 1));
    const asOf = build(generation + 1);
    const retired = build(generation + 2);
    const stray = build(generation + 3);
    // Made before this rule (an as-of build under a version name), a retired build awaiting its drop, a stray table.
    await readStore((store) =>
      store.transaction((tx) => {
        tx.saveState({ name: `complaint-kpis~as-of:${asOf}`, collection: asOf, version });
        tx.put(asOf, 'then', { asOf: true });
        tx.saveState({ name: 'complaint-kpis~retired', retired: [{ collection: retired, dropAfter: '2999-01-01T00:00:00.000Z' }] });
        tx.put(retired, 'old', { retired: true });
        tx.put(stray, 'stray', { stray: true });
      }),
    );
    const rebuilt = await cli(['rebuild', 'complaint-kpis'], env);
    expect(rebuilt).toMatchObject({ code: 0 });
    const next = build(generation + 4);
    expect(rebuilt.stdout).toContain(`complaint-kpis: serving ${next} at`);
    await readStore(async (store) => {
      expect((await store.loadState('complaint-kpis'))?.collection).toBe(next);
      expect(await store.count(asOf)).toBe(1);
      expect((await store.loadState(`complaint-kpis~as-of:${asOf}`))?.collection).toBe(asOf);
      expect(await store.count(retired)).toBe(1);
      expect(await store.count(stray)).toBe(1);
      expect(await store.count(next)).toBeGreaterThan(1);
    });
  }, 120_000);
});
