import { InMemoryEventStore, startReactor } from '@crm/shared/event-sourcing';
import { InMemoryReadStore } from '@crm/shared/read-model';
import { NotCaughtUpError } from './errors';
import { ProjectionRunner } from './projection-runner';
import type { ProjectionProgress } from './progress';
import { CrashingReadStore, dealsProjection, documents, openDeal, ownersProjection, winDeal } from './test-support';

async function seed(store: InMemoryEventStore, count: number): Promise<string> {
  let position = '';
  for (let i = 0; i < count; i += 1) {
    position = (await openDeal(store, `d${i}`, i % 2 === 0 ? 'مریم' : 'Ali', 100 * (i + 1))).position;
    if (i % 3 === 0) position = (await winDeal(store, `d${i}`)).position;
  }
  return position;
}

/** What a run from scratch to the head gives, on a store of its own. */
async function cleanRun(events: InMemoryEventStore): Promise<Record<string, Record<string, unknown>>> {
  const readStore = new InMemoryReadStore();
  const runner = new ProjectionRunner({ eventStore: events, readStore, projections: [dealsProjection(), ownersProjection] });
  await runner.start();
  await runner.waitFor('all', (await events.headPosition()) as string, 5000);
  const result = {
    deals: await documents(readStore, runner.collectionOf('deals')),
    owners: await documents(readStore, runner.collectionOf('owners')),
  };
  await runner.stop();
  return result;
}

describe('ProjectionRunner', () => {
  let events: InMemoryEventStore;
  let readStore: InMemoryReadStore;
  let runner: ProjectionRunner | undefined;
  beforeEach(() => {
    events = new InMemoryEventStore();
    readStore = new InMemoryReadStore();
  });
  afterEach(() => runner?.stop());

  it('quiesce: no lane writes while the work runs; they go on afterwards from their checkpoints, without their document caches', async () => {
    const head = await seed(events, 4);
    runner = new ProjectionRunner({ eventStore: events, readStore, projections: [dealsProjection(), ownersProjection] });
    await runner.start();
    await runner.waitFor('all', head, 5000);
    const active = runner;
    const seen = await active.quiesce(async (lanes) => {
      // Appended while the lanes are stopped: not applied until the work is done.
      await openDeal(events, 'late', 'Ali', 7);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await readStore.get(active.collectionOf('deals'), 'late')).toBeUndefined();
      // Rewritten behind the lanes' backs: what they write next starts from this, not from a cached copy.
      await readStore.transaction((tx) => tx.put(active.collectionOf('owners'), 'مریم', { owner: 'مریم', deals: 20, amount: 4000 }, '0'));
      return lanes.map((lane) => `${lane.projection.name} ${lane.collection}`).sort();
    });
    expect(seen).toEqual(['deals deals_v1_1', 'owners owners_v1_1']);
    await active.waitFor('all', (await events.headPosition()) as string, 5000);
    expect((await readStore.get(active.collectionOf('deals'), 'late'))?.doc).toMatchObject({ dealId: 'late', amount: 7 });
    await openDeal(events, 'later', 'مریم', 5);
    await active.waitFor('all', (await events.headPosition()) as string, 5000);
    expect((await readStore.get(active.collectionOf('owners'), 'مریم'))?.doc).toEqual({ owner: 'مریم', deals: 21, amount: 4005 });
  });

  it('quiesce pauses a one-scan rebuild between two pages: its build is the work’s too, and it reads its documents again after', async () => {
    await seed(events, 60);
    // Each commit takes a moment, so the scan (pages of 5 events) is still going when the quiesce comes.
    const transaction = readStore.transaction.bind(readStore);
    const commits: string[] = [];
    jest.spyOn(readStore, 'transaction').mockImplementation(async (work, options) => {
      await new Promise((resolve) => setTimeout(resolve, 3));
      commits.push('commit');
      return transaction(work, options);
    });
    runner = new ProjectionRunner({
      eventStore: events,
      readStore,
      projections: [dealsProjection(), ownersProjection],
      rebuildBatchSize: 5,
    });
    await runner.start();
    await runner.waitFor('all', (await events.headPosition()) as string, 5000);
    const active = runner;
    const rebuilt = active.rebuildMany(['deals', 'owners']);
    for (let i = 0; i < 500 && !(await readStore.loadState('owners~rebuild'))?.checkpoint; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    let before = 0;
    const seen = await active.quiesce(async (lanes) => {
      const at = commits.length;
      const build = lanes.find((lane) => lane.collection === 'owners_v1_2');
      expect(build).toBeDefined();
      const ali = await readStore.get<{ deals: number }>('owners_v1_2', 'Ali');
      before = ali?.doc.deals ?? 0;
      // Rewritten behind the scan's back, as an erasure's purge would: what it writes next starts from this.
      await transaction((tx) => tx.put('owners_v1_2', 'Ali', { owner: 'Ali', deals: 1000 + before, amount: 0 }, ali?.position));
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(commits.length).toBe(at);
      return lanes.map((lane) => lane.collection).sort();
    });
    expect(seen).toEqual(['deals_v1_1', 'deals_v1_2', 'owners_v1_1', 'owners_v1_2']);
    expect(before).toBeLessThan(30);
    await rebuilt;
    // Ali opened every other deal (30): those after the pause were added to the rewritten document, not a cached copy.
    expect((await readStore.get<{ deals: number }>(active.collectionOf('owners'), 'Ali'))?.doc.deals).toBe(1000 + 30);
  });

  it('quiesce stops only the lanes that read personal data: one handed events as stored goes on, its collection left out of the work', async () => {
    const head = await seed(events, 4);
    const counting = { ...dealsProjection(), readsPersonalData: false } as const;
    runner = new ProjectionRunner({ eventStore: events, readStore, projections: [counting, ownersProjection] });
    await runner.start();
    await runner.waitFor('all', head, 5000);
    const active = runner;
    const seen = await active.quiesce(async (lanes) => {
      const late = await openDeal(events, 'late', 'Ali', 7);
      // The deals lane reads no personal data: it applies what comes meanwhile; the owners lane waits.
      await active.waitFor('deals', late.position, 5000);
      expect((await readStore.get(active.collectionOf('owners'), 'Ali'))?.doc).toMatchObject({ deals: 2 });
      return lanes.map((lane) => lane.collection);
    });
    expect(seen).toEqual(['owners_v1_1']);
    await active.waitFor('all', (await events.headPosition()) as string, 5000);
    expect((await readStore.get(active.collectionOf('owners'), 'Ali'))?.doc).toMatchObject({ deals: 3 });
  });

  it('catches up every projection into its own collection and keeps following live events', async () => {
    const head = await seed(events, 10);
    const progress: ProjectionProgress[] = [];
    runner = new ProjectionRunner({
      eventStore: events,
      readStore,
      projections: [dealsProjection(), ownersProjection],
      batchSize: 4,
      onProgress: (p) => progress.push(p),
    });
    await runner.start();
    await runner.waitFor('all', head, 5000);
    expect(runner.collectionOf('deals')).toBe('deals_v1_1');
    expect((await readStore.get(runner.collectionOf('deals'), 'd3'))?.doc).toEqual({
      dealId: 'd3',
      owner: 'Ali',
      amount: 400,
      stage: 'won',
    });
    expect((await readStore.get(runner.collectionOf('owners'), 'مریم'))?.doc).toEqual({ owner: 'مریم', deals: 5, amount: 2500 });
    expect(progress.some((p) => p.projection === 'deals' && p.phase === 'catch-up' && p.eventsApplied > 0)).toBe(true);

    const live = await openDeal(events, 'live', 'Sara', 7);
    await runner.waitFor('deals', live.position, 5000);
    expect((await readStore.get(runner.collectionOf('deals'), 'live'))?.position).toBe(live.position);
    const status = await runner.status();
    expect(status.map((s) => [s.name, s.phase, s.caughtUp, s.lag, s.checkpoint])).toEqual([
      ['deals', 'running', true, 0, live.position],
      ['owners', 'running', true, 0, live.position],
    ]);
  });

  it('saves each projection checkpoint with its documents and resumes from it after a restart', async () => {
    await seed(events, 6);
    runner = new ProjectionRunner({ eventStore: events, readStore, projections: [dealsProjection()] });
    await runner.start();
    await runner.waitFor('deals', (await events.headPosition()) as string, 5000);
    await runner.stop();
    expect((await readStore.loadState('deals'))?.checkpoint).toBe(await events.headPosition());
    await openDeal(events, 'after-restart', 'Ali', 1);
    runner = new ProjectionRunner({ eventStore: events, readStore, projections: [dealsProjection()] });
    await runner.start();
    await runner.waitFor('deals', (await events.headPosition()) as string, 5000);
    expect(await readStore.count('deals_v1_1')).toBe(7);
  });

  it('is exactly-once across a stop between batches: documents equal a clean run', async () => {
    await seed(events, 12);
    let batches = 0;
    const first = new ProjectionRunner({
      eventStore: events,
      readStore,
      projections: [dealsProjection(), ownersProjection],
      batchSize: 2,
      onProgress: () => (batches += 1) === 3 && void first.stop(),
    });
    await first.start();
    while (batches < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await first.stop();
    expect(await readStore.count('deals_v1_1')).toBeLessThan(12);
    runner = new ProjectionRunner({ eventStore: events, readStore, projections: [dealsProjection(), ownersProjection], batchSize: 2 });
    await runner.start();
    await runner.waitFor('all', (await events.headPosition()) as string, 5000);
    expect({ deals: await documents(readStore, 'deals_v1_1'), owners: await documents(readStore, 'owners_v1_1') }).toEqual(
      await cleanRun(events),
    );
  });

  it('makes a replayed batch a no-op when a store without transactions dies before the checkpoint', async () => {
    const crashing = new CrashingReadStore(readStore);
    runner = new ProjectionRunner({ eventStore: events, readStore: crashing, projections: [ownersProjection], retryDelayMs: () => 5 });
    await runner.start();
    await openDeal(events, 'a', 'Ali', 10);
    await runner.waitFor('owners', (await events.headPosition()) as string, 5000);
    crashing.crashOnNextBatch();
    const second = await openDeal(events, 'b', 'Ali', 5);
    // The store died once; the runner retries by itself and replays the batch over documents already written.
    await runner.waitFor('owners', second.position, 5000);
    expect((await readStore.get('owners_v1_1', 'Ali'))?.doc).toEqual({ owner: 'Ali', deals: 2, amount: 15 });
  });

  it('waits for a position (read-your-writes) and gives up with NotCaughtUpError after the timeout', async () => {
    runner = new ProjectionRunner({ eventStore: events, readStore, projections: [dealsProjection(), ownersProjection] });
    await runner.start();
    const written = await openDeal(events, 'x', 'Ali', 1);
    await runner.waitFor('all', written.position, 5000);
    expect(await readStore.get(runner.collectionOf('deals'), 'x')).toBeDefined();

    const future = String(Number(written.position) + 5);
    const error = await runner.waitFor('deals', future, 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotCaughtUpError);
    expect(error).toMatchObject({
      code: 'PROJECTION.NOT_CAUGHT_UP',
      projection: 'deals',
      position: future,
      checkpoint: written.position,
      reason: 'timeout',
    });
    await expect(runner.waitFor('nope', '1', 10)).rejects.toMatchObject({ code: 'PROJECTION.UNKNOWN' });
    await expect(runner.waitFor('deals', 'not-a-position', 10)).rejects.toThrow();
  });

  it('lets the event loop turn between batches while catching up and rebuilding (a worker answers status meanwhile)', async () => {
    // Every read and commit here settles at once, so without a turn between batches a catch-up is one chain of
    // microtasks and a timer set at its start fires only once every lane is at the head.
    const head = await seed(events, 60);
    let batches = 0;
    runner = new ProjectionRunner({
      eventStore: events,
      readStore,
      projections: [dealsProjection(), ownersProjection],
      batchSize: 5,
      loopBudgetMs: 0,
      onBatch: () => (batches += 1),
    });
    const active = runner;
    const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
    await active.start();
    await turn();
    const atFirstTurn = batches;
    expect((await active.status()).some((s) => s.checkpoint !== head)).toBe(true);
    await active.waitFor('all', head, 5000);
    expect(atFirstTurn).toBeLessThan(batches);

    // The same in a rebuild of both from one scan: a status asked after one turn is answered before the rebuild ends.
    batches = 0;
    let rebuilt = false;
    const rebuilding = active.rebuildMany().then(() => (rebuilt = true));
    await turn();
    const status = await active.status();
    expect(rebuilt).toBe(false);
    expect(status).toHaveLength(2);
    await rebuilding;
    expect(batches).toBeGreaterThan(2);
    const rebuiltDocuments = {
      deals: await documents(readStore, active.collectionOf('deals')),
      owners: await documents(readStore, active.collectionOf('owners')),
    };
    expect(rebuiltDocuments).toEqual(await cleanRun(events));
  });

  it('lets a process manager keep its checkpoint in the read store', async () => {
    await openDeal(events, 'r', 'Ali', 1);
    const seen: string[] = [];
    const reactor = { name: 'welcome-policy', filter: { eventTypes: ['DealOpened'] }, react: async () => void seen.push('reacted') };
    const subscription = await startReactor(events, reactor, { checkpoints: readStore });
    await subscription.caughtUp;
    await subscription.stop();
    expect(await readStore.loadCheckpoint('welcome-policy')).toBe(await events.headPosition());
    expect(seen).toEqual(['reacted']);
  });
  it("saves a checkpoint that only skipped other projections' events soon after, not only at the next event", async () => {
    // Another process (a query replica, an API beside crm-projector) waits for minPosition on the stored checkpoint.
    runner = new ProjectionRunner({
      eventStore: events,
      readStore,
      projections: [dealsProjection(), ownersProjection],
      idleCheckpointMs: 200,
    });
    await runner.start();
    const opened = await openDeal(events, 'd1', 'Ali', 100);
    await runner.waitFor('all', opened.position, 5000);
    // DealWon is not the owners projection's: its lane only skips it, within idleCheckpointMs of its last save.
    const won = await winDeal(events, 'd1');
    await runner.waitFor('all', won.position, 5000);
    const saved = async () => readStore.loadCheckpoint('owners');
    const deadline = Date.now() + 2000;
    while ((await saved()) !== won.position && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ owners: await saved(), deals: await readStore.loadCheckpoint('deals') }).toEqual({
      owners: won.position,
      deals: won.position,
    });
  });
});
