import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
// Leases across processes need real stores on both sides (README "Tags": composition specs may reach adapters).
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { PostgresEventStore } from '@crm/event-store/postgres';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { PostgresReadStore } from '@crm/read-store/postgres';
import type { EventStore } from '@crm/shared/event-sourcing';
import { LeaseLostError, type ReadStore } from '@crm/shared/read-model';
import type { BatchReport } from './batch-telemetry';
import { physicalCollection } from './naming';
import type { OwnershipOptions } from './ownership';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner';
import { switchLine, type BuildSwitch, type RebuildResult } from './rebuilds';
import { documents, openDeal, ownersProjection, passThrough } from './test-support';
import { waitUntil } from '@crm/shared/testing';

interface Stores {
  readonly events: EventStore & { close(): Promise<void> };
  readonly readStore: ReadStore;
}

interface Backend {
  readonly name: string;
  setUp(): Promise<void>;
  /** A new connection to the same stores, as another process would have. */
  connect(): Promise<Stores>;
  tearDown(): Promise<void>;
}

const sqlite = (): Backend => {
  let dir = '';
  return {
    name: 'SQLite (one file for events, one for read models)',
    async setUp() {
      dir = await mkdtemp(join(tmpdir(), 'crm-leases-'));
    },
    async connect() {
      return {
        events: openSqliteEventStore({ file: join(dir, 'crm.sqlite'), synchronous: 'NORMAL', pollIntervalMs: 20 }),
        readStore: openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' }),
      };
    },
    async tearDown() {
      await rm(dir, { recursive: true, force: true });
    },
  };
};

const postgres = (): Backend => {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `leases_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  return {
    name: 'PostgreSQL',
    setUp: async () => undefined,
    async connect() {
      const events = await PostgresEventStore.open(url, { schema, poolSize: 3, pollIntervalMs: 20 });
      const readStore = await PostgresReadStore.open(url, { schema, poolSize: 3 });
      return { events, readStore };
    },
    async tearDown() {
      const admin = new Pool({ connectionString: url, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
};

/** The owners projection, folding each deal in `ms` of busy CPU. */
function slowOwners(ms: number): typeof ownersProjection {
  const busy = () => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  return { ...ownersProjection, evolve: (...args) => (busy(), ownersProjection.evolve(...args)) };
}

/** The store as a busy one answers: each request for the rebuild lease of `owners` takes 100 ms; who releases it is noted. */
function slowRebuildLease(store: ReadStore, releases: string[]): ReadStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'acquireLease')
        return async (...args: Parameters<ReadStore['acquireLease']>) => {
          if (args[0] === 'owners~rebuild') await new Promise((resolve) => setTimeout(resolve, 100));
          return target.acquireLease(...args);
        };
      if (property === 'releaseLease')
        return async (...args: Parameters<ReadStore['releaseLease']>) => {
          if (args[0] === 'owners~rebuild') releases.push(args[1]);
          return target.releaseLease(...args);
        };
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

describe.each([sqlite, postgres])('projection leases and fencing', (make) => {
  const backend = make();
  const opened: Stores[] = [];
  const runners: ProjectionRunner[] = [];
  const connect = async () => {
    const stores = await backend.connect();
    opened.push(stores);
    return stores;
  };
  const runnerOn = (stores: Stores, owner: string, ttlMs: number, renewEveryMs?: number) => {
    const applied: BatchReport[] = [];
    const runner = new ProjectionRunner({
      eventStore: stores.events,
      readStore: stores.readStore,
      projections: [ownersProjection],
      ownership: { owner, ttlMs, ...(renewEveryMs === undefined ? {} : { renewEveryMs }) },
      onBatch: (report) => void applied.push(report),
    });
    runners.push(runner);
    return { runner, applied };
  };

  /** A started runner of `projection` with leases, stopped after the test. */
  const startedOn = async (
    events: Stores['events'],
    readStore: ReadStore,
    projection: typeof ownersProjection,
    ownership: OwnershipOptions,
    options: Partial<ProjectionRunnerOptions> = {},
  ) => {
    const runner = new ProjectionRunner({ eventStore: events, readStore, projections: [projection], ownership, ...options });
    runners.push(runner);
    await runner.start();
    return runner;
  };

  /** A serving owner ('server', a 5 s lease renewed every `renewEveryMs`) of the owners projection, caught up with the log. */
  const servingOwner = async (stores: Stores, readStore: ReadStore = stores.readStore, renewEveryMs = 100) => {
    const owner = await startedOn(stores.events, readStore, ownersProjection, { owner: 'server', ttlMs: 5000, renewEveryMs });
    await owner.waitFor('owners', (await stores.events.headPosition()) as string, 20_000);
    return owner;
  };

  /** A builder beside the owner as `crm-cli rebuild` runs one (serving nothing), folding in batches of 20. */
  const builderOn = (events: Stores['events'], readStore: ReadStore, projection: typeof ownersProjection, ownership: OwnershipOptions) =>
    startedOn(events, readStore, projection, ownership, { batchSize: 20, serve: false });

  beforeEach(() => backend.setUp());
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    for (const stores of opened.splice(0)) {
      await stores.readStore.close();
      await stores.events.close();
    }
    await backend.tearDown();
  });

  it(`${backend.name}: two runners on the same stores, exactly one applies each event`, async () => {
    const [one, two] = [await connect(), await connect()];
    const a = runnerOn(one, 'process-a', 2000);
    const b = runnerOn(two, 'process-b', 2000);
    await Promise.all([a.runner.start(), b.runner.start()]);
    for (let i = 0; i < 20; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    const head = (await one.events.headPosition()) as string;
    await waitUntil(async () => (await one.readStore.loadCheckpoint('owners')) === head, 'the owner to catch up', 10_000);
    const appliedBy = (reports: BatchReport[]) => reports.reduce((sum, report) => sum + report.applied, 0);
    expect([appliedBy(a.applied), appliedBy(b.applied)].sort()).toEqual([0, 20]);
    const owner = appliedBy(a.applied) === 20 ? a.runner : b.runner;
    const standby = owner === a.runner ? b.runner : a.runner;
    expect(owner.owned()).toEqual(['owners']);
    expect(standby.owned()).toEqual([]);
    // It learns of the owner's build on its next look at the leases.
    await waitUntil(async () => (await standby.status())[0]?.phase === 'standby', 'the standby to follow the owner', 5000);
    expect(await documents(one.readStore, owner.collectionOf('owners'))).toEqual({
      Ali: { owner: 'Ali', deals: 10, amount: 1000 },
      Sara: { owner: 'Sara', deals: 10, amount: 1000 },
    });
    // The standby follows the owner's state: it waits for positions and reads the serving collection too.
    await standby.waitFor('owners', head, 5000);
    expect(standby.collectionOf('owners')).toBe(owner.collectionOf('owners'));
  }, 30_000);

  it(`${backend.name}: a takeover the store fails halfway through is taken up again on the next round, not left stopped`, async () => {
    const stores = await connect();
    for (let i = 0; i < 5; i += 1) await openDeal(stores.events, `t${i}`, 'Ali', 100);
    // Built and served by a first owner, which then stops (its lease given up).
    const first = await servingOwner(stores);
    await first.stop();
    for (let i = 5; i < 8; i += 1) await openDeal(stores.events, `t${i}`, 'Ali', 100);
    const head = (await stores.events.headPosition()) as string;
    // The store drops its connection while the new owner reads the projections' states, after the new serving lane was
    // made (an outside probe: a projector took over every lease of a crashed API, and one projection stayed stopped,
    // its lease renewed for good, until a rebuild switched it).
    let failures = 1;
    const flaky = new Proxy(stores.readStore, {
      get(target, property, receiver) {
        if (property === 'listStates' && failures > 0)
          return () => ((failures -= 1), Promise.reject(new Error('terminating connection due to administrator command')));
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const runner = await startedOn(stores.events, flaky, ownersProjection, { owner: 'projector', ttlMs: 1500, renewEveryMs: 100 });
    expect(failures).toBe(0);
    // Before, its lane stayed 'stopped' while its lease was renewed, and the wait ran out.
    await runner.waitFor('owners', head, 10_000);
    expect((await runner.status())[0]).toMatchObject({ phase: 'running' });
    expect(runner.owned()).toEqual(['owners']);
    expect(await documents(stores.readStore, runner.collectionOf('owners'))).toEqual({ Ali: { owner: 'Ali', deals: 8, amount: 800 } });
  }, 30_000);

  it(`${backend.name}: a stalled former owner's commit is refused once another took over`, async () => {
    const [one, two] = [await connect(), await connect()];
    // A renews never (as if paused), its lease lasting 300 ms; B looks every 100 ms.
    const a = runnerOn(one, 'process-a', 300, 60_000);
    await a.runner.start();
    expect(a.runner.owned()).toEqual(['owners']);
    await openDeal(one.events, 'd0', 'Ali', 100);
    await waitUntil(() => a.applied.some((report) => report.applied === 1), 'A to apply the first deal', 5000);
    const b = runnerOn(two, 'process-b', 5000, 100);
    await b.runner.start();
    await waitUntil(() => b.runner.owned().includes('owners'), 'B to take over', 5000);
    const leases = await two.readStore.listLeases();
    expect(leases).toEqual([expect.objectContaining({ name: 'owners', owner: 'process-b', epoch: 2 })]);
    // A still believes it owns the projection: its next batch is fenced off, and nothing of it is written.
    await openDeal(one.events, 'd1', 'Ali', 100);
    await waitUntil(async () => (await a.runner.status())[0]?.phase === 'standby', 'A to be fenced off', 5000);
    expect(a.applied.filter((report) => report.outcome === 'error').length).toBeGreaterThan(0);
    const head = (await one.events.headPosition()) as string;
    await b.runner.waitFor('owners', head, 5000);
    expect(await documents(two.readStore, b.runner.collectionOf('owners'))).toEqual({ Ali: { owner: 'Ali', deals: 2, amount: 200 } });
    expect(b.applied.reduce((sum, report) => sum + report.applied, 0)).toBe(1);
  }, 30_000);

  it(`${backend.name}: a read-your-writes wait that spans a change of owner resolves once the new owner has applied the position`, async () => {
    const [one, two] = [await connect(), await connect()];
    const a = runnerOn(one, 'process-a', 5000);
    await a.runner.start();
    await openDeal(one.events, 'd0', 'Ali', 100);
    await a.runner.waitFor('owners', (await one.events.headPosition()) as string, 5000);
    // B stands by (its requests for the lease refused until told otherwise) and is asked to wait for a deal that A,
    // stopped meanwhile, never applies: only B's lane opened on taking the lease over will.
    let refuse = true;
    const gated = new Proxy(two.readStore, {
      get(target, property, receiver) {
        if (property === 'acquireLease')
          return async (...args: Parameters<ReadStore['acquireLease']>) => (refuse ? undefined : target.acquireLease(...args));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const b = await startedOn(two.events, gated, ownersProjection, { owner: 'process-b', ttlMs: 5000, renewEveryMs: 100 });
    expect(b.owned()).toEqual([]);
    await a.runner.stop();
    await openDeal(one.events, 'd1', 'Sara', 100);
    const waited = b.waitFor('owners', (await one.events.headPosition()) as string, 10_000);
    refuse = false;
    await waited;

    expect(b.owned()).toEqual(['owners']);
    expect(await documents(two.readStore, b.collectionOf('owners'))).toEqual({
      Ali: { owner: 'Ali', deals: 1, amount: 100 },
      Sara: { owner: 'Sara', deals: 1, amount: 100 },
    });
  }, 30_000);

  it(`${backend.name}: a builder whose folds outlast the lease still renews it in time (the loop turns within the TTL)`, async () => {
    const stores = await connect();
    for (let i = 0; i < 600; i += 1) await openDeal(stores.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    // 4 ms a deal, in batches of 20: a rebuild folds for about 2.4 s, in 30 batches, over two and a half leases of 900 ms.
    const renewed: number[] = [];
    const watched = new Proxy(stores.readStore, {
      get(target, property, receiver) {
        if (property !== 'acquireLease') return Reflect.get(target, property, receiver) as unknown;
        return async (name: string, owner: string, ttlMs: number) => {
          const lease = await target.acquireLease(name, owner, ttlMs);
          if (lease && name === 'owners~rebuild') renewed.push(performance.now());
          return lease;
        };
      },
    });
    // crm-cli rebuild asks its lanes to hold the loop up to a second; here ten, to leave no doubt.
    const runner = new ProjectionRunner({
      eventStore: stores.events,
      readStore: watched,
      projections: [slowOwners(4)],
      ownership: { owner: 'builder', ttlMs: 900 },
      loopBudgetMs: 10_000,
      batchSize: 20,
    });
    runners.push(runner);
    await runner.start();
    await runner.waitFor('owners', (await stores.events.headPosition()) as string, 20_000);
    const before = runner.collectionOf('owners');
    const result = await runner.rebuild('owners');
    const finished = performance.now();
    expect(result).toMatchObject({ previousCollection: before, collection: runner.collectionOf('owners') });
    expect(result.collection).not.toBe(before);
    expect(await documents(stores.readStore, runner.collectionOf('owners'))).toEqual({
      Ali: { owner: 'Ali', deals: 300, amount: 30_000 },
      Sara: { owner: 'Sara', deals: 300, amount: 30_000 },
    });
    // From the take to the switch, no gap between renewals as long as the lease: nobody could have taken it over.
    const gaps = [...renewed, finished].slice(1).map((at, i) => Math.round(at - (renewed[i] as number)));
    expect(renewed.length).toBeGreaterThan(2);
    expect(gaps.filter((gap) => gap >= 900)).toEqual([]);
  }, 60_000);

  it.each(['rebuild', 'rebuildMany'] as const)(
    `${backend.name}: a builder paused past its rebuild lease (%s): the owner takes the build over, and the builder waits for its switch`,
    async (how) => {
      const [one, two] = [await connect(), await connect()];
      for (let i = 0; i < 400; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
      // B serves the projection and looks at the leases every 100 ms.
      let adopted = 0;
      const owner = new ProjectionRunner({
        eventStore: two.events,
        readStore: two.readStore,
        projections: [slowOwners(2)],
        ownership: { owner: 'server', ttlMs: 5000, renewEveryMs: 100 },
        onProgress: (progress) => void (progress.phase === 'rebuild' && (adopted += progress.eventsApplied)),
      });
      runners.push(owner);
      await owner.start();
      await owner.waitFor('owners', (await two.events.headPosition()) as string, 20_000);
      const before = owner.collectionOf('owners');
      // A, a builder beside it (crm-cli rebuild), takes the rebuild's lease for 300 ms and never renews it, as if paused;
      // its folds (2 ms a deal, 20 a batch) last about 0.8 s, so the lease lapses while it builds.
      let refused = 0;
      const fenced = new Proxy(one.readStore, {
        get(target, property, receiver) {
          if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
          return (...args: Parameters<ReadStore['transaction']>) =>
            target.transaction(...args).catch((error: unknown) => {
              if (error instanceof LeaseLostError) refused += 1;
              throw error;
            });
        },
      });
      const builder = await builderOn(one.events, fenced, slowOwners(2), { owner: 'cli', ttlMs: 300, renewEveryMs: 60_000 });
      // A second caller asks the builder for the same rebuild meanwhile: it joins the build, and is not failed by its takeover.
      const [result, second] = await Promise.all([
        how === 'rebuild' ? builder.rebuild('owners') : builder.rebuildMany(['owners']).then((results) => results[0] as RebuildResult),
        new Promise((resolve) => setTimeout(resolve, 50)).then(() => builder.rebuild('owners')),
      ]);
      expect(second.collection).toBe(result.collection);

      // B took the rebuild over (epoch 2 of its lease), went on from what A had committed, and switched to it;
      // A's commits after the takeover were refused, and its rebuild resolved with B's switch instead of failing.
      expect(refused).toBeGreaterThan(0);
      expect(adopted).toBeGreaterThan(0);
      expect(owner.collectionOf('owners')).toBe(result.collection);
      expect(result.collection).not.toBe(before);
      expect(result.previousCollection).toBe(before);
      const leases = await two.readStore.listLeases();
      expect(leases.find((lease) => lease.name === 'owners')).toMatchObject({ owner: 'server', epoch: 1 });
      expect(await two.readStore.loadState('owners~rebuild')).toBeUndefined();
      // Every deal counted once, across the two builders.
      expect(await documents(two.readStore, result.collection)).toEqual({
        Ali: { owner: 'Ali', deals: 200, amount: 20_000 },
        Sara: { owner: 'Sara', deals: 200, amount: 20_000 },
      });
    },
    60_000,
  );

  it(`${backend.name}: the owner's status follows a build made elsewhere as its builder commits it, not from its last lease round`, async () => {
    const [one, two] = [await connect(), await connect()];
    for (let i = 0; i < 200; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    // Lease rounds every 4 s: the first finds the build; what the status says after it is the status's own reading.
    const owner = await servingOwner(two, two.readStore, 4000);
    const gate = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      return { promise, resolve };
    };
    const gates = [gate(), gate()];
    const held: number[] = [];
    let commits = 0;
    // The builder stops after its 3rd and its 6th transaction (each committed) until the test lets it go on.
    const gated = new Proxy(one.readStore, {
      get(target, property, receiver) {
        if (property === 'transaction')
          return async (...args: Parameters<ReadStore['transaction']>) => {
            const result = await target.transaction(...args);
            commits += 1;
            const stop = commits === 3 ? gates[0] : commits === 6 ? gates[1] : undefined;
            if (stop) {
              held.push(commits);
              await stop.promise;
            }
            return result;
          };
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const builder = await builderOn(one.events, gated, ownersProjection, { owner: 'cli', ttlMs: 5000, renewEveryMs: 100 });
    const rebuilt = builder.rebuild('owners');
    const committed = async () => (await two.readStore.loadState('owners~rebuild'))?.checkpoint;
    const shown = async () => (await owner.status())[0]?.rebuild?.checkpoint;
    try {
      await waitUntil(
        async () => held.length === 1 && (await owner.status())[0]?.rebuild !== undefined,
        'the owner to find the build',
        10_000,
      );
      const first = await committed();
      expect(await shown()).toBe(first);
      gates[0]?.resolve();
      await waitUntil(async () => held.length === 2, 'the builder to commit more', 10_000);
      const later = await committed();
      expect(later).not.toBe(first);
      // Before, the status said `first` until the next round, up to 4 s later.
      expect(await shown()).toBe(later);
    } finally {
      // Whatever the outcome, the builder goes on and finishes (a builder held for ever would hold the runners' stop).
      for (const stop of gates) stop.resolve();
      await rebuilt;
    }
  }, 30_000);

  it(`${backend.name}: a renewal of the rebuild's lease still on its way when the builder hands over does not keep the lease from the owner`, async () => {
    const [one, two] = [await connect(), await connect()];
    for (let i = 0; i < 200; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    const owner = await servingOwner(two);
    const before = owner.collectionOf('owners');
    // The builder's first renewal of its rebuild lease reaches the store only once the builder has released that lease
    // (a write queued behind another process's lock, a slow disk): it lands after the release, and takes the lease back.
    let released!: () => void;
    const release = new Promise<void>((resolve) => (released = resolve));
    let takes = 0;
    const late = new Proxy(one.readStore, {
      get(target, property, receiver) {
        if (property === 'acquireLease')
          return async (...args: Parameters<ReadStore['acquireLease']>) => {
            if (args[0] === 'owners~rebuild' && (takes += 1) === 2) await release;
            return target.acquireLease(...args);
          };
        if (property === 'releaseLease')
          return async (...args: Parameters<ReadStore['releaseLease']>) => {
            await target.releaseLease(...args);
            if (args[0] === 'owners~rebuild') released();
          };
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    // A build of about 0.6 s in batches of 60 ms: the lease's renewals run while it builds.
    const builder = await builderOn(one.events, late, slowOwners(3), { owner: 'cli', ttlMs: 2000, renewEveryMs: 20 });
    const rebuilt = builder.rebuild('owners');
    const result = await Promise.race([
      rebuilt,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the owner never switched to the handed-over build')), 8000)),
    ]);

    // The late renewal landed (the lease was the builder's again for a moment), was given back, and the owner switched.
    expect(takes).toBeGreaterThanOrEqual(2);
    expect(owner.collectionOf('owners')).toBe(result.collection);
    expect(result.collection).not.toBe(before);
    // And the builder holds nothing: the lease is back with nobody, or with the owner that adopted the build.
    expect(builder.owned()).toEqual([]);
    const rebuildLease = (await two.readStore.listLeases()).find((lease) => lease.name === 'owners~rebuild');
    expect(rebuildLease?.owner !== 'cli' || Date.parse(rebuildLease.expiresAt) <= Date.now()).toBe(true);
    expect(await documents(two.readStore, result.collection)).toEqual({
      Ali: { owner: 'Ali', deals: 100, amount: 10_000 },
      Sara: { owner: 'Sara', deals: 100, amount: 10_000 },
    });
  }, 30_000);

  it.each(['rebuild', 'rebuildMany'] as const)(
    `${backend.name}: a rebuild asked for while another process builds the same projection (%s) waits for that build's switch`,
    async (how) => {
      const [one, two, three] = [await connect(), await connect(), await connect()];
      for (let i = 0; i < 400; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
      const owner = await servingOwner(one);
      const before = owner.collectionOf('owners');
      // A builds for about 2 s (5 ms a deal); B asks for the same rebuild while A holds the rebuild's lease.
      // A's lease outlasts any pause of its build; B looks for a free lease for twice its TTL (0.6 s), then waits for A.
      const [a, b] = await Promise.all([
        builderOn(two.events, two.readStore, slowOwners(5), { owner: 'cli-a', ttlMs: 3000 }),
        builderOn(three.events, three.readStore, ownersProjection, { owner: 'cli-b', ttlMs: 300 }),
      ]);
      const rebuildOn = async (runner: ProjectionRunner) =>
        how === 'rebuild' ? runner.rebuild('owners') : ((await runner.rebuildMany(['owners']))[0] as RebuildResult);
      const first = rebuildOn(a);
      await waitUntil(
        async () => (await one.readStore.loadState('owners~rebuild'))?.collection !== undefined,
        'A to record its build',
        5000,
      );
      const second = await rebuildOn(b);
      const built = await first;

      // B waited for A's build (it did not fail, nor build another), and both resolved once the owner served it.
      expect(second.collection).toBe(built.collection);
      expect(second.previousCollection).toBe(before);
      expect(owner.collectionOf('owners')).toBe(built.collection);
      expect(built.collection).not.toBe(before);
      expect(await documents(one.readStore, built.collection)).toEqual({
        Ali: { owner: 'Ali', deals: 200, amount: 20_000 },
        Sara: { owner: 'Sara', deals: 200, amount: 20_000 },
      });
    },
    60_000,
  );

  it.each(['at its switch', 'while it builds'] as const)(
    `${backend.name}: a builder that owned the projection loses the projection's lease %s: it hands its build to the new owner, and waits for that switch`,
    async (when) => {
      const [one, two] = [await connect(), await connect()];
      for (let i = 0; i < 400; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
      // A (crm-cli rebuild with nobody serving) owns the projection, so it builds to switch itself: about 0.8 s of folds.
      // Then the projection's lease goes to B, a server that started meanwhile: given up in the store behind A's back
      // just before A's switch commits, or lost to A's lease round while A builds (its renewals refused from then on).
      let lost = false;
      let armed = false;
      let switchRefused = 0;
      const giveUp = async () => {
        lost = true;
        await one.readStore.releaseLease('owners', 'cli');
        await waitUntil(async () => server.owned().includes('owners'), 'B to take the projection', 5000);
      };
      const losing = new Proxy(one.readStore, {
        get(target, property, receiver) {
          if (property === 'acquireLease')
            return async (...args: Parameters<ReadStore['acquireLease']>) =>
              args[0] === 'owners' && lost ? undefined : target.acquireLease(...args);
          if (property === 'transaction')
            return async (...args: Parameters<ReadStore['transaction']>) => {
              if (armed && when === 'at its switch' && args[1]?.fence?.lease === 'owners' && !lost) await giveUp();
              return target.transaction(...args).catch((error: unknown) => {
                if (error instanceof LeaseLostError && error.lease === 'owners') switchRefused += 1;
                throw error;
              });
            };
          return Reflect.get(target, property, receiver) as unknown;
        },
      });
      const ttlMs = when === 'at its switch' ? 60_000 : 600;
      const builder = await builderOn(one.events, losing, slowOwners(2), { owner: 'cli', ttlMs });
      expect(builder.owned()).toEqual(['owners']);
      const before = builder.collectionOf('owners');
      const server = await startedOn(two.events, two.readStore, slowOwners(2), { owner: 'server', ttlMs: 5000, renewEveryMs: 100 });
      armed = true;
      const rebuilt = builder.rebuild('owners');
      if (when === 'while it builds') {
        await new Promise((resolve) => setTimeout(resolve, 250));
        await giveUp();
      }
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        rebuilt,
        new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error('the new owner never switched to the build')), 20_000)),
        ),
      ]).finally(() => clearTimeout(timer));

      // B adopted A's build and switched to it; A's rebuild resolved with that switch instead of failing.
      if (when === 'at its switch') expect(switchRefused).toBeGreaterThan(0);
      expect(result.collection).not.toBe(before);
      expect(result.previousCollection).toBe(before);
      expect(server.collectionOf('owners')).toBe(result.collection);
      // A gave the rebuild's lease up (B took it to finish the build); the projection's, it learns it lost at its next round.
      expect(builder.owned()).not.toContain('owners~rebuild');
      if (when === 'while it builds') expect(builder.owned()).toEqual([]);
      expect(await two.readStore.loadState('owners~rebuild')).toBeUndefined();
      expect(await documents(two.readStore, result.collection)).toEqual({
        Ali: { owner: 'Ali', deals: 200, amount: 20_000 },
        Sara: { owner: 'Sara', deals: 200, amount: 20_000 },
      });
    },
    60_000,
  );

  it(`${backend.name}: a builder that looks for the switch only after its build served and a newer build replaced it takes the newer one as done`, async () => {
    const [one, two] = [await connect(), await connect()];
    for (let i = 0; i < 100; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    const owner = await servingOwner(two);
    const before = owner.collectionOf('owners');
    // The builder's reads of the projection's state wait at a gate (a starved thread, a slow connection) from the moment
    // it hands its build over: the owner switches to its build, and then to a newer one, before the builder looks.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let armed = false;
    const gated = new Proxy(one.readStore, {
      get(target, property, receiver) {
        if (property === 'loadState')
          return async (name: string) => {
            if (armed && name === 'owners') await gate;
            return target.loadState(name);
          };
        if (property === 'transaction')
          return (work: Parameters<ReadStore['transaction']>[0], options?: Parameters<ReadStore['transaction']>[1]) =>
            target.transaction(
              (tx) =>
                work(
                  passThrough(tx, {
                    saveState: (state) => {
                      if (state.ready) armed = true;
                      return tx.saveState(state);
                    },
                  }),
                ),
              options,
            );
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const builder = await builderOn(one.events, gated, ownersProjection, { owner: 'cli', ttlMs: 60_000 });
    const rebuilt = builder.rebuild('owners');
    const handedOver = physicalCollection(ownersProjection, 2);
    await waitUntil(async () => owner.collectionOf('owners') === handedOver, "the owner to switch to the builder's build", 10_000);
    const newer = await owner.rebuild('owners');
    open();
    const result = await rebuilt;

    expect(newer.collection).toBe(physicalCollection(ownersProjection, 3));
    expect(result).toMatchObject({ projection: 'owners', collection: newer.collection, previousCollection: before });
    expect(await documents(two.readStore, result.collection)).toEqual({
      Ali: { owner: 'Ali', deals: 50, amount: 5000 },
      Sara: { owner: 'Sara', deals: 50, amount: 5000 },
    });
  }, 30_000);

  it.each(['rebuild', 'rebuildMany'] as const)(
    `${backend.name}: a builder whose rebuild lease goes to another builder before it records its build (%s) waits for that one's switch`,
    async (how) => {
      const [one, two, three] = [await connect(), await connect(), await connect()];
      for (let i = 0; i < 200; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
      const owner = await servingOwner(two);
      const before = owner.collectionOf('owners');
      // A takes the rebuild's lease (300 ms, renewed every 100 ms), then stalls before it records a build: its lease lapses
      // meanwhile, C (another crm-cli rebuild) takes it and builds, and A's next renewal finds it C's.
      // It stalls at the read that starts a fresh build's setup: rebuildMany first looks for an interrupted build to resume.
      let armed = false;
      let reads = 0;
      const stallAt = how === 'rebuild' ? 1 : 2;
      let other: Promise<RebuildResult> | undefined;
      const stalled = new Proxy(one.readStore, {
        get(target, property, receiver) {
          if (property === 'loadState')
            return async (name: string) => {
              if (armed && name === 'owners~rebuild' && (reads += 1) === stallAt) {
                await target.releaseLease('owners~rebuild', 'cli-a');
                other = c.rebuild('owners');
                await waitUntil(async () => !a.owned().includes('owners~rebuild'), 'A to learn that its rebuild lease is lost', 5000);
              }
              return target.loadState(name);
            };
          return Reflect.get(target, property, receiver) as unknown;
        },
      });
      const [a, c] = await Promise.all([
        builderOn(one.events, stalled, ownersProjection, { owner: 'cli-a', ttlMs: 300 }),
        builderOn(three.events, three.readStore, slowOwners(2), { owner: 'cli-c', ttlMs: 3000 }),
      ]);
      armed = true;
      const result = how === 'rebuild' ? await a.rebuild('owners') : ((await a.rebuildMany(['owners']))[0] as RebuildResult);
      const built = await (other as Promise<RebuildResult>);

      // A did not fail with the lost lease: it waited for C's build, which the owner switched to.
      expect(result.collection).toBe(built.collection);
      expect(result.collection).not.toBe(before);
      expect(owner.collectionOf('owners')).toBe(built.collection);
      expect(await documents(two.readStore, built.collection)).toEqual({
        Ali: { owner: 'Ali', deals: 100, amount: 10_000 },
        Sara: { owner: 'Sara', deals: 100, amount: 10_000 },
      });
    },
    30_000,
  );

  it(`${backend.name}: an owner that loses its lease and takes it back while it rebuilds serves the new build, and the pointer never goes back`, async () => {
    const [one, two] = [await connect(), await connect()];
    for (let i = 0; i < 600; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    // A owns the projection and rebuilds it from one scan (3 ms a deal, pages of 20: about 2 s, the loop turning between
    // pages). Meanwhile its lease lapses (its renewals refused), B takes the projection, stops, and A takes it back: a
    // new epoch, a new serving lane, while the scan goes on.
    let refuse = false;
    const gated = new Proxy(one.readStore, {
      get(target, property, receiver) {
        if (property === 'acquireLease')
          return async (...args: Parameters<ReadStore['acquireLease']>) =>
            refuse && args[0] === 'owners' ? undefined : target.acquireLease(...args);
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const ownerOf = (stores: Stores, readStore: ReadStore, owner: string) =>
      startedOn(stores.events, readStore, slowOwners(3), { owner, ttlMs: 1000, renewEveryMs: 100 }, { rebuildBatchSize: 20 });
    const a = await ownerOf(one, gated, 'A');
    await a.waitFor('owners', (await one.events.headPosition()) as string, 20_000);
    const before = a.collectionOf('owners');
    const b = await ownerOf(two, two.readStore, 'B');
    const rebuilt = a.rebuildMany(['owners']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    refuse = true;
    await one.readStore.releaseLease('owners', 'A');
    await waitUntil(async () => b.owned().includes('owners') && !a.owned().includes('owners'), 'B to take the projection', 5000);
    await b.stop();
    refuse = false;
    await waitUntil(async () => a.owned().includes('owners'), 'A to take the projection back', 5000);
    const result = (await rebuilt)[0] as RebuildResult;
    await openDeal(one.events, 'd600', 'Ali', 100);
    await a.waitFor('owners', (await one.events.headPosition()) as string, 20_000);

    // The new build serves, in this process and in the store, and took the deal made after the rebuild.
    expect(result.collection).not.toBe(before);
    expect(a.collectionOf('owners')).toBe(result.collection);
    expect((await one.readStore.loadState('owners'))?.collection).toBe(result.collection);
    expect(await documents(one.readStore, result.collection)).toEqual({
      Ali: { owner: 'Ali', deals: 301, amount: 30_100 },
      Sara: { owner: 'Sara', deals: 300, amount: 30_000 },
    });
  }, 60_000);

  it(`${backend.name}: a rebuild asked for while another process holds the rebuild lease but never records a build is made here once that lease is given up`, async () => {
    const [one, two] = [await connect(), await connect()];
    for (let i = 0; i < 100; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    const owner = await servingOwner(two);
    const before = owner.collectionOf('owners');
    // Another builder holds the rebuild's lease (300 ms, renewed) for 1.5 s, five times its TTL, without recording a
    // build (starved before its first write), then gives it up: the rebuild asked for meanwhile is made here.
    await one.readStore.acquireLease('owners~rebuild', 'stalled', 300);
    const renewing = setInterval(() => void one.readStore.acquireLease('owners~rebuild', 'stalled', 300), 100);
    const givenUp = new Promise<void>((resolve) =>
      setTimeout(() => {
        clearInterval(renewing);
        void one.readStore
          .releaseLease('owners~rebuild', 'stalled')
          .catch(() => undefined) // the test failed and closed the store first
          .then(resolve);
      }, 1500),
    );
    const builder = await builderOn(one.events, one.readStore, ownersProjection, { owner: 'cli', ttlMs: 300 });
    const result = await builder.rebuild('owners').finally(() => clearInterval(renewing));
    await givenUp;

    expect(result.collection).not.toBe(before);
    expect(owner.collectionOf('owners')).toBe(result.collection);
    expect(await documents(two.readStore, result.collection)).toEqual({
      Ali: { owner: 'Ali', deals: 50, amount: 5000 },
      Sara: { owner: 'Sara', deals: 50, amount: 5000 },
    });
  }, 30_000);

  /** The store, with every collection dropped through it noted. */
  const notingDrops = (store: ReadStore, dropped: string[]): ReadStore =>
    new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'dropCollection')
          return async (collection: string) => {
            dropped.push(collection);
            return target.dropCollection(collection);
          };
        return Reflect.get(target, property, receiver) as unknown;
      },
    });

  it(`${backend.name}: a builder started before another builder's build served builds after it, never into the collection that serves`, async () => {
    const [one, two] = [await connect(), await connect()];
    for (let i = 0; i < 100; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    // Two `crm-cli rebuild` beside each other and no server: A started first and owns the projection; B knows the
    // build that served when it started.
    const a = await builderOn(one.events, one.readStore, ownersProjection, { owner: 'cli-a', ttlMs: 2000 });
    const dropped: string[] = [];
    const b = await builderOn(two.events, notingDrops(two.readStore, dropped), ownersProjection, { owner: 'cli-b', ttlMs: 2000 });
    const first = await a.rebuild('owners');
    const [second] = (await b.rebuildMany(['owners'])) as [RebuildResult];

    expect(first.collection).toBe(physicalCollection(ownersProjection, 2));
    expect(second.collection).toBe(physicalCollection(ownersProjection, 3));
    expect(dropped).not.toContain(first.collection);
    expect((await one.readStore.loadState('owners'))?.collection).toBe(second.collection);
    expect(await one.readStore.loadState('owners~rebuild')).toBeUndefined();
    expect(await documents(one.readStore, second.collection)).toEqual({
      Ali: { owner: 'Ali', deals: 50, amount: 5000 },
      Sara: { owner: 'Sara', deals: 50, amount: 5000 },
    });
  }, 30_000);

  it(`${backend.name}: the owner that switches to a build, and a runner that follows it, each say so once`, async () => {
    const [one, two, three] = [await connect(), await connect(), await connect()];
    for (let i = 0; i < 100; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    const switches = { server: [] as BuildSwitch[], standby: [] as BuildSwitch[] };
    const owner = await startedOn(
      two.events,
      two.readStore,
      ownersProjection,
      { owner: 'server', ttlMs: 5000, renewEveryMs: 100 },
      { onSwitch: (switched) => void switches.server.push(switched) },
    );
    await owner.waitFor('owners', (await two.events.headPosition()) as string, 20_000);
    await startedOn(
      three.events,
      three.readStore,
      ownersProjection,
      { owner: 'standby', ttlMs: 5000, renewEveryMs: 100 },
      { onSwitch: (switched) => void switches.standby.push(switched) },
    );
    const before = owner.collectionOf('owners');
    const builder = await builderOn(one.events, one.readStore, ownersProjection, { owner: 'cli', ttlMs: 5000 });
    const built = await builder.rebuild('owners');
    await waitUntil(async () => switches.standby.length > 0, 'the standby runner to follow the switch', 10_000);

    const expected = { name: 'owners', collection: built.collection, previous: before, checkpoint: expect.any(String) };
    expect(switches.server).toEqual([expected]);
    expect(switches.standby).toEqual([expected]);
    expect(switchLine(switches.server[0] as BuildSwitch)).toBe(
      `owners serves ${built.collection} now (was ${before}), at ${switches.server[0]?.checkpoint}`,
    );
  }, 30_000);

  it.each(['rebuild', 'rebuildMany'] as const)(
    `${backend.name}: a rebuild asked (%s) while another builder's build runs, whose lease comes free once that build served, takes that build as done`,
    async (how) => {
      const [one, two] = [await connect(), await connect()];
      for (let i = 0; i < 300; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
      const a = await builderOn(one.events, one.readStore, slowOwners(2), { owner: 'cli-a', ttlMs: 2000 });
      const dropped: string[] = [];
      const b = await builderOn(two.events, notingDrops(two.readStore, dropped), ownersProjection, { owner: 'cli-b', ttlMs: 2000 });
      const first = a.rebuild('owners');
      await waitUntil(async () => (await one.readStore.loadState('owners~rebuild')) !== undefined, "A's build to start", 10_000);
      const second = how === 'rebuild' ? await b.rebuild('owners') : ((await b.rebuildMany(['owners']))[0] as RebuildResult);

      // B waited for A's lease (less than twice its TTL), then found A's build serving: the rebuild it asked for.
      expect(second.collection).toBe((await first).collection);
      expect(second.collection).toBe(physicalCollection(ownersProjection, 2));
      expect(dropped).toEqual([]);
      expect((await one.readStore.loadState('owners'))?.collection).toBe(second.collection);
      expect(await one.readStore.loadState('owners~rebuild')).toBeUndefined();
    },
    30_000,
  );

  it(`${backend.name}: two rebuilds asked of one runner at once, while the store answers lease requests slowly: one build, both get it`, async () => {
    const [one] = [await connect()];
    for (let i = 0; i < 100; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    // The store answers lease requests slowly (a write queued behind another process's lock), so both callers ask
    // before either has its answer; the store renews a lease for its owner, so both would be told it is theirs.
    const releases: string[] = [];
    const slow = slowRebuildLease(one.readStore, releases);
    const owner = await servingOwner(one, slow, 60_000);
    const before = owner.collectionOf('owners');
    const [first, second] = await Promise.all([owner.rebuild('owners'), owner.rebuild('owners')]);

    // One build, which both callers report; the lease was taken once and given back once.
    expect(second.collection).toBe(first.collection);
    expect(first.collection).not.toBe(before);
    expect(owner.collectionOf('owners')).toBe(first.collection);
    expect(releases).toEqual(['server']);
    expect(owner.owned()).toEqual(['owners']);
    expect(await documents(one.readStore, first.collection)).toEqual({
      Ali: { owner: 'Ali', deals: 50, amount: 5000 },
      Sara: { owner: 'Sara', deals: 50, amount: 5000 },
    });
  }, 30_000);

  it(`${backend.name}: an interrupted rebuild that a new owner resumes on start is taken and given back once, not twice`, async () => {
    const [one] = [await connect()];
    for (let i = 0; i < 100; i += 1) await openDeal(one.events, `d${i}`, ['Ali', 'Sara'][i % 2] as string, 100);
    // A builder recorded a build of the running version and died (a killed crm-cli): its lease has lapsed.
    const interrupted = physicalCollection(ownersProjection, 2);
    await one.readStore.transaction((tx) =>
      tx.saveState({
        name: 'owners~rebuild',
        version: ownersProjection.version,
        generation: 2,
        collection: interrupted,
        updatedAt: new Date().toISOString(),
      }),
    );
    // The owner's first lease round opens the projection (which resumes the build) and looks for builds to adopt (which
    // finds the same one), both asking for the rebuild's lease before the slow store answers either: the store renews a
    // lease for its owner, so both were told it was theirs, both released it, and the second release took it from
    // whoever had taken it in between (a `rebuildMany` of crm-cli on a thread that had just become owner).
    const releases: string[] = [];
    const slow = slowRebuildLease(one.readStore, releases);
    const owner = await startedOn(one.events, slow, ownersProjection, { owner: 'server', ttlMs: 5000, renewEveryMs: 60_000 });
    await waitUntil(async () => owner.collectionOf('owners') === interrupted, 'the owner to switch to the resumed build', 10_000);
    await waitUntil(async () => releases.length > 0, 'the rebuild lease to be given back', 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(releases).toEqual(['server']);
    expect(owner.owned()).toEqual(['owners']);
    expect(await documents(one.readStore, interrupted)).toEqual({
      Ali: { owner: 'Ali', deals: 50, amount: 5000 },
      Sara: { owner: 'Sara', deals: 50, amount: 5000 },
    });
  }, 30_000);

  it(`${backend.name}: a write the store refuses for good stops that projection, with the reason, instead of retrying`, async () => {
    const stores = await connect();
    // A store that refuses one document on every try, as MongoDB's adapter marks a document over 16 MiB (permanent: true).
    const refusing: typeof stores.readStore = new Proxy(stores.readStore, {
      get(target, property, receiver) {
        if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
        return async (work: Parameters<ReadStore['transaction']>[0], options?: Parameters<ReadStore['transaction']>[1]) =>
          target.transaction(async (tx) => {
            const result = await work({
              ...tx,
              get: (c, id) => tx.get(c, id),
              getMany: (c, ids) => tx.getMany(c, ids),
              put: (c, id, doc, position) => {
                if (JSON.stringify(doc).includes('too-large')) throw Object.assign(new Error('document refused'), { permanent: true });
                tx.put(c, id, doc, position);
              },
              delete: (c, id) => tx.delete(c, id),
              saveCheckpoint: (n, k) => tx.saveCheckpoint(n, k),
              saveState: (state) => tx.saveState(state),
              deleteState: (n) => tx.deleteState(n),
            });
            return result;
          }, options);
      },
    });
    const failing = new ProjectionRunner({
      eventStore: stores.events,
      readStore: refusing,
      projections: [ownersProjection],
      ownership: { owner: 'process-a', ttlMs: 5000 },
      retryDelayMs: () => 10,
    });
    runners.push(failing);
    await openDeal(stores.events, 'd0', 'Ali', 100);
    await openDeal(stores.events, 'd1', 'too-large', 100);
    await failing.start();
    await waitUntil(async () => (await failing.status())[0]?.phase === 'failed', 'the projection to stop', 10_000);
    const [status] = await failing.status();
    expect(status?.retrying).toBeUndefined();
    expect(status?.error?.message).toMatch(/refuses the batch for good/);
    // Recorded in the store too, where another process's health reads it.
    expect((await stores.readStore.loadState('owners'))?.error?.message).toMatch(/refuses the batch for good/);
  }, 30_000);
});
