import type { ProjectionRunner } from '@crm/projections/runtime';
import { ServiceOptionsModule } from '@crm/service/application';
import { READ_STORE } from '@crm/shared/http';
import type { Clock } from '@crm/shared/kernel';
import type { ReadStore } from '@crm/shared/read-model';
import { diffReadModels, type ReadModelSnapshot, snapshotReadModels } from '@crm/shared/testing';
import { ALL_PROJECTIONS } from '@crm/platform';
import { PROJECTION_RUNNER } from '../read-models/read-models.service';
import { http, startTestApp, type TestApp } from '../testing/test-app';
import { mixedBurst } from './mixed-burst';

/** Time that moves five minutes at every reading: two days' work in seconds, some SLA deadlines missed (breaches recorded). */
class SteppingClock implements Clock {
  private at = Date.now();

  now(): Date {
    this.at += 5 * 60_000;
    return new Date(this.at);
  }
}

const NAMES = ALL_PROJECTIONS.map((projection) => projection.name);

describe('read models are deterministic: built live under concurrent commands = rebuilt from zero', () => {
  let server: TestApp;
  let runner: ProjectionRunner;
  let store: ReadStore;
  let head: string;
  let live: ReadModelSnapshot;

  const headPosition = async () =>
    (await http<{ eventStore: { headPosition: string } }>(server.url, 'GET', '/health')).body.eventStore.headPosition;
  const serving = () => new Map(NAMES.map((name) => [name, runner.collectionOf(name)]));

  beforeAll(async () => {
    server = await startTestApp(
      { CRM_EVENT_STORE: 'sqlite' },
      // The deadline watcher would append on its own timer; the burst's own late steps record their breaches.
      { clock: new SteppingClock(), contexts: [ServiceOptionsModule.forRoot({ slaCheckIntervalMs: 0 })] },
    );
    runner = server.app.get<ProjectionRunner>(PROJECTION_RUNNER);
    store = server.app.get<ReadStore>(READ_STORE);
  }, 30_000);
  afterAll(async () => server.close());

  it('has read models to check (it must fail, not pass vacuously, with none registered)', () => {
    expect(NAMES.length).toBeGreaterThan(0);
    expect(runner.names()).toEqual(NAMES);
  });

  it('fires a mixed burst of commands at once and lets every projection catch up live', async () => {
    const { commands } = await mixedBurst(server.url);
    expect(commands).toBeGreaterThan(500);
    // Settled: every projection has applied the head, and nothing (a process manager) appended meanwhile.
    for (;;) {
      head = await headPosition();
      await runner.waitFor('all', head, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      if ((await headPosition()) === head) break;
    }
    const health = await http<{ status: string; projections: { name: string; caughtUp: boolean }[] }>(server.url, 'GET', '/health');
    expect(health.body.status).toBe('ok');
    expect(health.body.projections.map((p) => [p.name, p.caughtUp])).toEqual(NAMES.map((name) => [name, true]));
    live = await snapshotReadModels(store, serving());
    // A projection the burst leaves empty proves nothing: extend mixed-burst.ts to exercise it.
    expect(NAMES.filter((name) => (live.get(name)?.size ?? 0) === 0)).toEqual([]);
  }, 60_000);

  it('rebuilds every projection from zero into a separate target, up to the head: identical documents', async () => {
    const targets = new Map<string, string>();
    for (const name of NAMES) {
      const target = `determinism_${name.replace(/[^a-z0-9]+/gi, '_')}`;
      const result = await runner.rebuildAsOf({ name, until: { position: head }, target });
      expect(result.target).toBe(target);
      targets.set(name, target);
    }
    expect(diffReadModels(live, await snapshotReadModels(store, targets))).toEqual([]);
  }, 30_000);

  it('rebuilds every projection blue/green (new version, switch when caught up): identical documents', async () => {
    const before = serving();
    for (const name of NAMES) await runner.rebuild(name);
    const after = serving();
    for (const name of NAMES) expect(after.get(name)).not.toBe(before.get(name));
    expect(diffReadModels(live, await snapshotReadModels(store, after))).toEqual([]);
  }, 30_000);
});
