import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { seedEventStore } from '@crm/demo-data';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { activeCollection, positionOrdinal, ProjectionRunner } from '@crm/projections/runtime';
import { openSqliteReadStore, SqliteReadStore } from '@crm/read-store/sqlite';
import { diffReadModels, type ReadModelSnapshot, snapshotReadModels } from '@crm/shared/testing';
import { ALL_PROJECTIONS } from '@crm/platform';
import { type Child, poll, startApp } from './testing/child-process';

// Enough events that each build lasts seconds (long enough to be killed partway). Sixteen projections built twice per
// test under the whole suite's load on two cores have taken over 60 s: 150 s a test, each wait within it 50–60 s.
const EVENTS = Number(process.env['CRASH_TEST_EVENTS'] ?? 20_000);
const PROJECTOR = 'apps/crm-projector/src/main.ts';
const CLI = 'apps/crm-cli/src/main.ts';
const NAMES = ALL_PROJECTIONS.map((p) => p.name);

/** What the runner has committed, read by another connection while a child process writes. */
class StateWatch {
  private opened: Database.Database | undefined;

  /** The read models' file, which the child creates when it starts. */
  constructor(private readonly file: string) {}

  private get db(): Database.Database {
    this.opened ??= new Database(this.file, { readonly: true, fileMustExist: true });
    return this.opened;
  }

  states(): Map<string, string | undefined> {
    try {
      const rows = this.db.prepare('SELECT name, checkpoint FROM rm_projection_states').all() as {
        name: string;
        checkpoint: string | null;
      }[];
      return new Map(rows.map((row) => [row.name, row.checkpoint ?? undefined]));
    } catch {
      return new Map(); // the child has not created the read-store tables yet
    }
  }

  collectionsWithDocuments(): string[] {
    // A table per collection (rmd_<collection>); those without a document do not count.
    const tables = this.db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'rmd\\_%' ESCAPE '\\' ORDER BY name")
      .pluck()
      .all() as string[];
    return tables
      .filter((table) => this.db.prepare(`SELECT 1 FROM "${table.replace(/"/g, '""')}" LIMIT 1`).get() !== undefined)
      .map((table) => table.slice('rmd_'.length));
  }

  close(): void {
    this.opened?.close();
  }
}

/** The serving build of every projection in the file, compared by content. */
async function servingSnapshot(file: string): Promise<{ snapshot: ReadModelSnapshot; collections: string[] }> {
  const store = openSqliteReadStore({ file });
  try {
    const collections = new Map<string, string>();
    for (const name of NAMES) collections.set(name, (await activeCollection(store, name)) ?? `${name}: never built`);
    return { snapshot: await snapshotReadModels(store, collections), collections: [...collections.values()].sort() };
  } finally {
    await store.close();
  }
}

describe('crash recovery: SIGKILL mid-build, restart, same read models as a clean build', () => {
  const root = mkdtempSync(join(tmpdir(), 'crm-crash-'));
  const dataDir = join(root, 'crashed');
  const file = join(dataDir, 'crm.sqlite');
  const readModels = join(dataDir, 'read-models.sqlite');
  let head = '';
  let clean: ReadModelSnapshot;
  const children: Child[] = [];
  const run = (entry: string, args: string[] = []) => {
    // No grace: this spec checks that every replaced build is gone when the rebuild returns.
    const child = startApp(entry, args, dataDir, { CRM_REBUILD_GRACE_MS: '0' });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    // Fail, not skip: this test is only meaningful with read models to rebuild, and there are some.
    expect(NAMES.length).toBeGreaterThan(0);
    mkdirSync(dataDir);
    const seeding = openSqliteEventStore({ file, synchronous: 'NORMAL' });
    head = (await seedEventStore(seeding, { events: EVENTS, seed: 42 })).head as string;
    await seeding.close();
    // The reference: a clean build, in-process, from a copy of the same events.
    const cleanFile = join(root, 'clean.sqlite');
    copyFileSync(file, cleanFile);
    const events = openSqliteEventStore({ file: cleanFile });
    const store = new SqliteReadStore(events.db);
    const runner = new ProjectionRunner({ eventStore: events, readStore: store, projections: ALL_PROJECTIONS });
    await runner.start();
    await runner.waitFor('all', head, 170_000);
    clean = await snapshotReadModels(store, new Map(NAMES.map((name) => [name, runner.collectionOf(name)])));
    await runner.stop();
    await store.close();
    await events.close();
  }, 180_000);

  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
    rmSync(root, { recursive: true, force: true });
  });

  it('the projector, killed halfway through its first build, resumes from its checkpoints after a restart', async () => {
    const watch = new StateWatch(readModels);
    try {
      const projector = run(PROJECTOR);
      // Partway: between a tenth and four fifths of the work committed, summed over all projections.
      const partway = await poll(
        () => {
          if (projector.process.exitCode !== null) throw new Error(`the projector exited early:\n${projector.output()}`);
          const states = watch.states();
          const done = NAMES.reduce((sum, name) => sum + (positionOrdinal(states.get(name)) ?? 0), 0);
          const fraction = done / (NAMES.length * Number(head));
          return fraction >= 0.1 && fraction <= 0.8 ? fraction : undefined;
        },
        50_000,
        () => `the projector never got partway:\n${projector.output()}`,
      );
      projector.process.kill('SIGKILL');
      expect(await projector.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(partway).toBeLessThan(1);

      const restarted = run(PROJECTOR);
      // A checkpoint that only passed other projections' events is committed now and then, and at the latest on stop.
      await poll(
        () => (NAMES.every((name) => restarted.output().includes(`${name} caught up at ${head} `)) ? true : undefined),
        60_000,
        () => `the restarted projector did not catch up:\n${restarted.output()}`,
        50,
      );
      restarted.process.kill('SIGTERM');
      expect(await restarted.exited).toEqual({ code: 0, signal: null });
      expect(restarted.output()).toMatch(/SIGTERM: stopping/);
      const states = watch.states();
      for (const name of NAMES) expect({ name, checkpoint: states.get(name) }).toEqual({ name, checkpoint: head });
    } finally {
      watch.close();
    }
    const { snapshot } = await servingSnapshot(readModels);
    expect(diffReadModels(clean, snapshot)).toEqual([]);
  }, 150_000);

  it('crm-cli rebuild all, killed mid-rebuild, resumes the interrupted rebuild and switches over', async () => {
    const watch = new StateWatch(readModels);
    try {
      const rebuild = run(CLI, ['rebuild', 'all']);
      const interrupted = await poll(
        () => {
          if (rebuild.process.exitCode !== null) throw new Error(`the rebuild finished before it could be killed:\n${rebuild.output()}`);
          for (const [name, checkpoint] of watch.states()) {
            const fraction = (positionOrdinal(checkpoint) ?? 0) / Number(head);
            if (name.endsWith('~rebuild') && fraction > 0.05 && fraction < 0.9) return name.replace(/~rebuild$/, '');
          }
          return undefined;
        },
        50_000,
        () => `no rebuild got partway:\n${rebuild.output()}`,
        5,
      );
      rebuild.process.kill('SIGKILL');
      expect(await rebuild.exited).toEqual({ code: null, signal: 'SIGKILL' });

      const again = run(CLI, ['rebuild', 'all']);
      expect(await again.exited).toEqual({ code: 0, signal: null });
      expect(again.output()).toContain(`${interrupted}: resuming the interrupted rebuild`);
      const states = watch.states();
      expect([...states.keys()].filter((name) => name.endsWith('~rebuild'))).toEqual([]);
      for (const name of NAMES) expect({ name, checkpoint: states.get(name) }).toEqual({ name, checkpoint: head });
      const { snapshot, collections } = await servingSnapshot(readModels);
      expect(diffReadModels(clean, snapshot)).toEqual([]);
      // Nothing left behind: the interrupted build and every replaced one are gone.
      expect(watch.collectionsWithDocuments().filter((collection) => !collections.includes(collection))).toEqual([]);
    } finally {
      watch.close();
    }
  }, 150_000);
});
