import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { ALL_PROJECTIONS } from '@crm/platform';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { ProjectionRunner } from '@crm/projections/runtime';
import { defaultOwner } from '@crm/shared/read-model';
import { cli, startCli, WORKSPACE, type Run } from './testing/spawned-cli';

// The CLI's commands run as processes on stores other processes hold too (rebuild, replay, seed, export), each on a
// data directory of its own: apart from cli.int.spec, so the two files run on the test runner's two workers.

describe('crm-cli rebuild all on a never-built store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-rebuild-'));
  const env = { CRM_DATA_DIR: dataDir, CRM_REBUILD_GRACE_MS: '600000', CRM_REBUILD_THREADS: '2' };

  beforeAll(async () => {
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(store, { events: 3000, seed: 7 });
    await store.close();
  }, 90_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('builds each projection once, by its one scan, replacing nothing: no empty first generation is made or retired', async () => {
    const rebuilt = await cli(['rebuild', 'all'], env);
    expect(rebuilt.code).toBe(0);
    const status = await cli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/caught up/);
    expect(status.stdout).not.toMatch(/~retired/);
    // On two worker threads, each projection in one of them. (Each thread's line is written when it finishes; the
    // progress line with the thread count only after 2 s without a terminal, which a fast run does not reach.)
    const threads = [...rebuilt.stderr.matchAll(/^ {2}thread (\d): (.+): done in /gm)].map((m) => [m[1], (m[2] as string).split(', ')]);
    expect(threads.map(([thread]) => thread)).toEqual(['1', '2']);
    expect(threads.flatMap(([, names]) => names).sort()).toEqual(ALL_PROJECTIONS.map((p) => p.name).sort());
    // Nothing served before: said so, instead of "replaced" a first generation that a serving lane never wrote (before,
    // that generation was recorded and made empty, retired at the switch and left until a replay dropped it).
    expect(rebuilt.stdout).not.toContain('replaced');
    const built = new Map(
      [...rebuilt.stdout.matchAll(/^(\S+): serving (\S+) at \S+ \(the first build: nothing served before\)$/gm)].map(
        (m) => [m[1] as string, m[2] as string] as const,
      ),
    );
    expect([...built.keys()].sort()).toEqual(ALL_PROJECTIONS.map((p) => p.name).sort());
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    try {
      let served = 0;
      for (const [name, serving] of built) {
        expect([name, serving]).toEqual([name, expect.stringMatching(/_2$/)]);
        served += await readStore.count(serving);
        expect([name, await readStore.loadState(`${name}~retired`)]).toEqual([name, undefined]);
      }
      expect(served).toBeGreaterThan(0);
      // Only the builds: no table of a first generation, empty or not.
      const tables = readStore.db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'rmd_%'")
        .all()
        .map((row) => (row as { name: string }).name);
      expect(tables.sort()).toEqual([...built.values()].map((collection) => `rmd_${collection}`).sort());
    } finally {
      await readStore.close();
    }
    expect((await cli(['replay', 'all'], env)).code).toBe(0);
  }, 120_000);

  it('says so when another process holds a rebuild lease, and goes on once that lease lapses (the other process died)', async () => {
    const kpis = ALL_PROJECTIONS.find((p) => p.name === 'complaint-kpis');
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    let rebuilt: Run;
    try {
      // Another process holds the rebuild's lease and has recorded its build; it renews the lease until the CLI has seen
      // it, then dies. (It used to hold a 6 s lease once: under a loaded machine the CLI took longer than that to start,
      // found the lease lapsed, and never met the other process.)
      await readStore.transaction((tx) =>
        tx.saveState({
          name: 'complaint-kpis~rebuild',
          version: kpis?.version as number,
          generation: 9,
          collection: `complaint_kpis_v${kpis?.version}_9`,
          updatedAt: new Date().toISOString(),
        }),
      );
      const hold = () => readStore.acquireLease('complaint-kpis~rebuild', 'another-process', 3000);
      expect(await hold()).toBeDefined();
      const started = startCli(['rebuild', 'complaint-kpis'], { ...env, CRM_LEASE_TTL_MS: '1000' });
      const seen = () => started.output().includes('being rebuilt by another process');
      for (const deadline = Date.now() + 45_000; !seen() && started.child.exitCode === null && Date.now() < deadline;) {
        await hold();
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      rebuilt = await started.exited;
    } finally {
      await readStore.close();
    }
    // It names the holder, so an operator can tell which process to look at.
    expect(rebuilt.stderr).toMatch(
      /complaint-kpis: being rebuilt by another process, another-process \(its lease is live until \S+Z\); waiting for that build to serve/,
    );
    expect(rebuilt.code).toBe(0);
    // It waited for that build; once its lease lapsed, the owner (this CLI: no server runs) adopted and finished it.
    expect(rebuilt.stdout).toMatch(
      new RegExp(`^complaint-kpis: serving complaint_kpis_v${kpis?.version}_9 at \\S+ \\(replaced \\S+\\)$`, 'm'),
    );
  }, 90_000);

  it('replay leaves a projection another process runs to it, and waits until that owner has caught up', async () => {
    // The owner: a runner with leases on the same files, as the API's worker or crm-projector has.
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    const leads = ALL_PROJECTIONS.filter((p) => p.name === 'pipeline-leads');
    const owner = new ProjectionRunner({ eventStore: events, readStore, projections: leads, ownership: { owner: 'the-api', ttlMs: 1000 } });
    try {
      await owner.start();
      const head = (await seedEventStore(events, { events: 300, seed: 9 })).head as string;
      const run = await cli(['replay', 'pipeline-leads'], { ...env, CRM_LEASE_TTL_MS: '1000' });
      expect(run).toMatchObject({ code: 0, stderr: expect.stringMatching(new RegExp(`replay pipeline-leads: caught up at ${head} in `)) });
      // Before, it ran the projection beside its owner: both folded the same events into the same documents.
      expect(run.stderr).toMatch(/run by another process: pipeline-leads \(the-api\); waiting for it to catch up/);
      expect(run.stderr).toContain('caught up by the process that runs them: pipeline-leads');
      expect((await readStore.listLeases()).find((lease) => lease.name === 'pipeline-leads')).toMatchObject({ owner: 'the-api' });
      expect((await readStore.loadState('pipeline-leads'))?.checkpoint).toBe(head);
    } finally {
      await owner.stop();
      await readStore.close();
      await events.close();
    }
  }, 60_000);

  it('replay writes nothing while an owner holds the projection, and runs it once that lease lapses (the owner died)', async () => {
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const head = (await seedEventStore(events, { events: 300, seed: 8 })).head as string;
    await events.close();
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    try {
      const before = (await readStore.loadState('pipeline-leads'))?.checkpoint;
      expect(before).not.toBe(head);
      // An owner that renews its lease (1 s) until the CLI says it stands by, a second more, and then dies.
      const held = await readStore.acquireLease('pipeline-leads', 'another-process', 1000);
      const replay = startCli(['replay', 'pipeline-leads'], { ...env, CRM_LEASE_TTL_MS: '1000' });
      let standingBySince: number | undefined;
      while (standingBySince === undefined || Date.now() < standingBySince + 1000) {
        if (standingBySince === undefined && /run by another process: pipeline-leads/.test(replay.output())) standingBySince = Date.now();
        if (replay.child.exitCode !== null) throw new Error(`replay ended while the owner held its lease:\n${replay.output()}`);
        expect(await readStore.acquireLease('pipeline-leads', 'another-process', 1000)).toMatchObject({ epoch: held?.epoch });
        expect((await readStore.loadState('pipeline-leads'))?.checkpoint).toBe(before);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const run = await replay.exited;
      expect(run).toMatchObject({ code: 0, output: expect.stringMatching(new RegExp(`replay pipeline-leads: caught up at ${head} in `)) });
      expect((await readStore.loadState('pipeline-leads'))?.checkpoint).toBe(head);
      const taken = (await readStore.listLeases()).find((lease) => lease.name === 'pipeline-leads');
      expect({ epoch: taken?.epoch, tookOver: taken?.owner !== 'another-process' }).toEqual({
        epoch: (held?.epoch ?? 0) + 1,
        tookOver: true,
      });
    } finally {
      await readStore.close();
    }
  }, 60_000);

  it('replay --timeout gives up on an owner that holds its projection and never catches up, names it, and exits 1', async () => {
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    const head = (await seedEventStore(events, { events: 300, seed: 10 })).head as string;
    await events.close();
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    // An owner alive (it renews its lease) but stalled: it never folds an event.
    let renewing = true;
    const renewals = (async () => {
      while (renewing) {
        // A long lease, renewed often: a loaded machine pausing this process must not let it lapse.
        await readStore.acquireLease('pipeline-leads', 'a-stalled-process', 30_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      const before = (await readStore.loadState('pipeline-leads'))?.checkpoint;
      const started = Date.now();
      // Before, replay waited for as long as the owner lived.
      const run = await cli(['replay', 'pipeline-leads', '--timeout', '3'], { ...env, CRM_LEASE_TTL_MS: '1000' });
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`replay pipeline-leads: timed out at ${head} in `));
      expect(run.stderr).toMatch(new RegExp(`not caught up to ${head} after 3s: pipeline-leads at .*\\(run by a-stalled-process\\)`));
      expect((await readStore.loadState('pipeline-leads'))?.checkpoint).toBe(before);
      expect(await cli(['replay', 'pipeline-leads', '--timeout', '0'], env)).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--timeout must be a positive whole number'),
      });
    } finally {
      renewing = false;
      await renewals;
      await readStore.releaseLease('pipeline-leads', 'a-stalled-process');
      await readStore.close();
    }
  }, 60_000);
});

describe('crm-cli seed, interrupted', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-seed-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops at Ctrl-C after the batch in hand, says how far it got, exits 1; every event it reports is in the store', async () => {
    const { CRM_EVENT_STORE: _store, CRM_READ_STORE: _read, ...inherited } = process.env;
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/crm-cli/src/main.ts', 'seed', '--events', '400000'], {
      cwd: WORKSPACE,
      env: { ...inherited, CRM_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    // The first progress line (a log gets one after 2 s) says the seed is under way: then Ctrl-C, once.
    await new Promise<void>((started) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/seed/.test(stderr)) started();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    const reported = /interrupted: seeded ([\d,]+) of 400,000 events/.exec(stderr);
    expect(reported).not.toBeNull();
    const seeded = Number((reported?.[1] ?? '').replace(/,/g, ''));
    expect(seeded).toBeGreaterThan(0);
    expect(seeded).toBeLessThan(400_000);
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite') });
    try {
      expect(Number(await store.headPosition())).toBe(seeded);
    } finally {
      await store.close();
    }
    // The same seed again is refused; another one goes on from there.
    expect(await cli(['seed', '--events', '100'], { CRM_DATA_DIR: dataDir })).toMatchObject({ code: 1 });
    expect(await cli(['seed', '--events', '100', '--seed', '2'], { CRM_DATA_DIR: dataDir })).toMatchObject({ code: 0 });
  }, 60_000);
});

describe('crm-cli seed next to a server on the same store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-seed-server-'));
  const env = { CRM_DATA_DIR: dataDir };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  // Before, the server's reactor sales.lead-qualification reacted to the seed's LeadQualified events first, with the
  // seed's command ids and today's time: the seed failed part way ("command id … was already used"), history changed.
  it('refuses up front while a live process holds a reactor lease, writing nothing (exit 4); a dead or lapsed holder does not stop it', async () => {
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    const owner = defaultOwner(); // as a running API names itself: this (live) process
    try {
      await readStore.acquireLease('sales.lead-qualification', owner, 60_000);
      // A projector's lease is no reason to refuse: projections append nothing.
      await readStore.acquireLease('pipeline-leads', 'a-projector', 60_000);
      const refused = await cli(['seed', '--events', '300'], env);
      expect(refused).toMatchObject({
        code: 4,
        stderr:
          `crm-cli seed: a server is running on this store (reactors owned by pid ${process.pid}: sales.lead-qualification): ` +
          'stop it, or seed another store\n',
      });
      const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite') });
      try {
        expect(await events.headPosition()).toBeUndefined();
      } finally {
        await events.close();
      }
      // The server was killed (its pid runs no more) before it gave its lease back; another's lease has lapsed.
      await readStore.releaseLease('sales.lead-qualification', owner);
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      await readStore.acquireLease('sales.lead-qualification', owner.replace(`:${process.pid}:`, `:${dead}:`), 60_000);
      await readStore.acquireLease('sales.quote-acceptance', 'another-host:1:0:0a1b2c3d', 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await cli(['seed', '--events', '300'], env)).toMatchObject({ code: 0 });
    } finally {
      await readStore.close();
    }
  }, 60_000);

  it('stops before its next batch once a server starts on the store meanwhile, says how far it got, exit 4', async () => {
    const events = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite') });
    const readStore = openSqliteReadStore({ file: join(dataDir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    const owner = defaultOwner();
    const before = Number(await events.headPosition());
    const seeding = startCli(['seed', '--events', '400000', '--seed', '2'], env);
    try {
      while (Number(await events.headPosition()) === before) {
        if (seeding.child.exitCode !== null) throw new Error(`seed ended before writing:\n${seeding.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // (sales.lead-qualification is the dead process's still: the other reactor's lease, which has lapsed.)
      expect(await readStore.acquireLease('sales.quote-acceptance', owner, 60_000)).toBeDefined();
      const run = await seeding.exited;
      expect(run.code).toBe(4);
      const said =
        /a server started on this store while seeding \(reactors owned by pid (\d+): sales\.quote-acceptance\): stopped after ([\d,]+) of 400,000 events/.exec(
          run.stderr,
        );
      expect(said?.[1]).toBe(String(process.pid));
      expect(Number(await events.headPosition())).toBe(before + Number((said?.[2] ?? '').replace(/,/g, '')));
    } finally {
      if (seeding.child.exitCode === null) seeding.child.kill();
      await readStore.releaseLease('sales.quote-acceptance', owner);
      await readStore.close();
      await events.close();
    }
  }, 60_000);

  it('refuses up front on PostgreSQL too', async () => {
    const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `crm_cli_seed_${randomBytes(6).toString('hex')}`;
    const readStore = await PostgresReadStore.open(url, { schema });
    try {
      await readStore.acquireLease('service.complaint-deadline-watcher', defaultOwner(), 60_000);
      const refused = await cli(['seed', '--events', '300'], {
        CRM_EVENT_STORE: 'postgres',
        CRM_POSTGRES_URL: url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_DATA_DIR: dataDir,
      });
      expect(refused).toMatchObject({
        code: 4,
        stderr: expect.stringContaining(
          `a server is running on this store (reactors owned by pid ${process.pid}: service.complaint-deadline-watcher)`,
        ),
      });
      const { rows } = await readStore.pool
        .query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.events`)
        .catch(() => ({ rows: [{ n: '0' }] }));
      expect(rows[0]?.n).toBe('0');
    } finally {
      await readStore.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await readStore.close();
    }
  }, 60_000);
});

describe('crm-cli export that fails part way', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-export-fails-'));
  // The export outside the data directory: export refuses a file there (it could be the log it reads).
  const outDir = mkdtempSync(join(tmpdir(), 'crm-cli-export-fails-out-'));
  afterAll(() => [dataDir, outDir].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('removes the file it was writing and says so, so no part of an export can pass for the whole', async () => {
    const store = openSqliteEventStore({ file: join(dataDir, 'crm.sqlite'), synchronous: 'NORMAL' });
    await seedEventStore(store, { events: 3000, seed: 11 });
    // An event near the end that no longer reads (a damaged row): the export stops there, most lines written.
    store.db.prepare("UPDATE events SET data = 'not json' WHERE position = (SELECT max(position) - 5 FROM events)").run();
    await store.close();
    const file = join(outDir, 'all.ndjson');
    const run = await cli(['export', 'events', '--out', file], { CRM_DATA_DIR: dataDir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`export failed: nothing written to ${file}`);
    // Before, about 3,000 whole lines stayed there, with nothing to tell them from a complete export.
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(outDir).filter((name) => name.includes('.partial-'))).toEqual([]);
    // With --force over an earlier export, the earlier one stays as it was.
    writeFileSync(file, 'an earlier export\n');
    expect((await cli(['export', 'events', '--out', file, '--force'], { CRM_DATA_DIR: dataDir })).code).not.toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('an earlier export\n');
  }, 60_000);
});

describe('crm-cli seed, twice at once', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-seed-twice-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('two seeds of one history on one SQLite file, from two connections at once: the history once, each counts its own', async () => {
    const file = join(dataDir, 'crm.sqlite');
    const [one, two] = [openSqliteEventStore({ file }), openSqliteEventStore({ file })];
    try {
      const options = { events: 3000, seed: 4, batchEvents: 500 };
      const [a, b] = await Promise.all([seedEventStore(one, options), seedEventStore(two, options)]);
      const head = Number(await one.headPosition());
      expect(a.events + b.events).toBe(head);
      expect([a.events + a.writtenElsewhere, b.events + b.writtenElsewhere]).toEqual([head, head]);
      expect(Math.max(a.writtenElsewhere, b.writtenElsewhere)).toBeGreaterThan(0);
      // A third, after them, is refused up front and writes nothing (with a server secret given: the seeds above, through
      // the library, made none, and a seed refuses to make one for a store that has events).
      const third = await cli(['seed', '--events', '3000', '--seed', '4'], { CRM_DATA_DIR: dataDir, CRM_SERVER_SECRET: 'seed-twice' });
      expect(third.code).toBe(1);
      expect(Number(await one.headPosition())).toBe(head);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  }, 60_000);
});

describe('crm-cli on read models ahead of the log (the log restored from an older backup)', () => {
  const newer = mkdtempSync(join(tmpdir(), 'crm-cli-newer-'));
  const restored = mkdtempSync(join(tmpdir(), 'crm-cli-restored-'));
  afterAll(() => [newer, restored].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('status says so and exits 1, also once the log has grown past them; the next replay builds them again from the log', async () => {
    for (const [dir, events] of [
      [newer, 3000],
      [restored, 600],
    ] as const) {
      const store = openSqliteEventStore({ file: join(dir, 'crm.sqlite'), synchronous: 'NORMAL' });
      await seedEventStore(store, { events, seed: 5 });
      await store.close();
    }
    expect((await cli(['replay', 'all'], { CRM_DATA_DIR: newer })).code).toBe(0);
    // The read models of the newer log beside the older log, as a restore of crm.sqlite alone leaves them.
    for (const file of readdirSync(newer).filter((name) => name.startsWith('read-models.sqlite'))) {
      copyFileSync(join(newer, file), join(restored, file));
    }
    // The stores above were seeded through the library, which makes no server secret; the CLI's seed below takes the
    // one given (it makes none for a store that has events).
    const env = { CRM_DATA_DIR: restored, CRM_SERVER_SECRET: 'restored-from-backup' };
    const flagged = (name: string) =>
      new RegExp(`^${name} .* NOT FROM THIS LOG \\(ahead of it, or its last event gone\\): rebuilds on next start$`, 'm');
    const status = await cli(['status'], env);
    expect(status.code).toBe(1);
    for (const { name } of ALL_PROJECTIONS) expect(status.stdout).toMatch(flagged(name));
    // Written to since, beyond the read models' positions: no longer ahead, and still not the log they were made from
    // (before, status said "behind" with exit 0, and a server carried on, passing over the new events).
    expect((await cli(['seed', '--events', '3000', '--seed', '2'], env)).code).toBe(0);
    const grown = await cli(['status'], env);
    expect(grown.code).toBe(1);
    for (const { name } of ALL_PROJECTIONS) expect(grown.stdout).toMatch(flagged(name));

    expect((await cli(['replay', 'all'], env)).code).toBe(0);
    const after = await cli(['status', '--json'], env);
    expect(after.code).toBe(0);
    const report = JSON.parse(after.stdout) as { head: string; projections: { name: string; checkpoint: string; aheadOfLog?: true }[] };
    for (const p of report.projections) expect([p.name, p.checkpoint, p.aheadOfLog]).toEqual([p.name, report.head, undefined]);
  }, 180_000);
});

describe('crm-cli against a PostgreSQL schema that does not exist', () => {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

  it('refuses as configuration (exit 2), naming the schema, and makes no schema (a typo read as an empty store)', async () => {
    const schema = `crm_cli_typo_${randomBytes(6).toString('hex')}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-cli-pg-'));
    try {
      const status = await cli(['status'], {
        CRM_EVENT_STORE: 'postgres',
        CRM_POSTGRES_URL: url,
        CRM_POSTGRES_SCHEMA: schema,
        CRM_DATA_DIR: dataDir,
      });
      expect(status).toMatchObject({ code: 2, stderr: expect.stringContaining(`no event store in schema ${schema}`) });
      const { Client } = await import('pg');
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        expect((await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount).toBe(0);
      } finally {
        await client.end();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
