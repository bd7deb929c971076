import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { InMemoryReadStore } from '@crm/shared/read-model';
import { ProjectionRunner } from './projection-runner';
import { TimeTravelTargetError } from './errors';
import { asOfStateName } from './naming';
import type { ProjectionProgress } from './progress';
import { dealsProjection, documents, openDeal, ownersProjection, winDeal } from './test-support';
import { waitUntil } from '@crm/shared/testing';

const day = (d: number) => `2026-01-${String(d).padStart(2, '0')}T10:00:00.000Z`;

describe('ProjectionRunner rebuilds', () => {
  let events: InMemoryEventStore;
  let readStore: InMemoryReadStore;
  let runner: ProjectionRunner;

  beforeEach(async () => {
    events = new InMemoryEventStore();
    readStore = new InMemoryReadStore();
    for (let i = 1; i <= 9; i += 1) await openDeal(events, `d${i}`, i % 2 ? 'Ali' : 'مریم', i * 10, day(i));
    await winDeal(events, 'd1', day(10));
  });
  afterEach(() => runner.stop());

  const start = async (projections = [dealsProjection(), ownersProjection], batchSize = 2) => {
    runner = new ProjectionRunner({ eventStore: events, readStore, projections, batchSize });
    await runner.start();
    await runner.waitFor('all', (await events.headPosition()) as string, 5000);
  };

  it('builds a new collection while the old one serves, then switches and drops the old one', async () => {
    await start();
    const before = await documents(readStore, 'deals_v1_1');
    const seenWhileRebuilding: string[] = [];
    const progress: ProjectionProgress[] = [];
    let appended = false;
    const result = await runner.rebuild('deals', {
      onProgress: async (p) => {
        progress.push(p);
        seenWhileRebuilding.push(runner.collectionOf('deals'));
        // New writes during the rebuild must reach the new build before it takes over.
        if (!appended) {
          appended = true;
          await openDeal(events, 'during', 'Ali', 1);
        }
      },
    });
    expect(result).toMatchObject({ projection: 'deals', collection: 'deals_v1_2', previousCollection: 'deals_v1_1' });
    expect(new Set(seenWhileRebuilding.slice(0, -1))).toEqual(new Set(['deals_v1_1']));
    expect(runner.collectionOf('deals')).toBe('deals_v1_2');
    expect(progress.at(-1)).toMatchObject({ phase: 'rebuild', done: true, fraction: 1 });
    expect(progress.some((p) => !p.done && p.eventsPerSecond > 0)).toBe(true);
    expect(progress[0]).toMatchObject({
      phase: 'rebuild',
      collection: 'deals_v1_2',
      eventsApplied: 2,
      doneEstimate: 2,
      totalEstimate: 10,
      fraction: 0.2,
    });
    expect(await documents(readStore, 'deals_v1_2')).toEqual({
      ...before,
      during: { dealId: 'during', owner: 'Ali', amount: 1, stage: 'open' },
    });
    expect(await readStore.count('deals_v1_1')).toBe(0);
    expect(await readStore.loadState('deals~rebuild')).toBeUndefined();
    expect(await readStore.loadState('deals')).toMatchObject({
      collection: 'deals_v1_2',
      generation: 2,
      checkpoint: await events.headPosition(),
    });

    const later = await openDeal(events, 'after', 'Ali', 2);
    await runner.waitFor('deals', later.position, 5000);
    expect(await readStore.get('deals_v1_2', 'after')).toBeDefined();
  });

  it('a runner that serves nothing (crm-cli rebuild) builds a never-built projection once, by the rebuild, and serves it after', async () => {
    const folds = new Map<string, number>();
    const counted = [dealsProjection(), ownersProjection].map((projection) => ({
      ...projection,
      evolve: (doc: never, event: never, id: string) => {
        folds.set(projection.name, (folds.get(projection.name) ?? 0) + 1);
        return projection.evolve(doc, event, id);
      },
    }));
    runner = new ProjectionRunner({
      eventStore: events,
      readStore,
      projections: counted,
      batchSize: 2,
      ownership: { ttlMs: 5_000 },
      serve: false,
    });
    await runner.start();
    const results = await runner.rebuildMany();
    expect(results.map((r) => [r.projection, r.collection, r.previousCollection])).toEqual([
      ['deals', 'deals_v1_2', undefined],
      ['owners', 'owners_v1_2', undefined],
    ]);
    // Ten deal events, nine of them openings: each folded once, by the one scan.
    expect(Object.fromEntries(folds)).toEqual({ deals: 10, owners: 9 });
    // Nothing was recorded or made for a serving lane that serves nothing: the first build replaced nothing.
    expect(await documents(readStore, 'deals_v1_1')).toEqual({});
    expect(await readStore.loadState('deals~retired')).toBeUndefined();
    expect((await readStore.listStates()).map((state) => state.name).sort()).toEqual(['deals', 'owners']);
    expect(Object.keys(await documents(readStore, 'deals_v1_2'))).toHaveLength(9);
    // Switched, the lane serves the new build and follows new events.
    await openDeal(events, 'after', 'Ali', 5, day(11));
    await runner.waitFor('deals', (await events.headPosition()) as string, 5000);
    expect(runner.collectionOf('deals')).toBe('deals_v1_2');
    expect((await documents(readStore, 'deals_v1_2'))['after']).toMatchObject({ owner: 'Ali', amount: 5 });
  });

  it('rebuilds by itself when the projection version is bumped, serving the old build meanwhile', async () => {
    await start();
    await runner.stop();
    await start([dealsProjection(2), ownersProjection]);
    await waitUntil(async () => runner.collectionOf('deals') === 'deals_v2_2', 'the version 2 build to take over');
    expect((await readStore.get('deals_v2_2', 'd1'))?.doc).toEqual({ dealId: 'd1', owner: 'Ali', amount: 10, stage: 'won', label: 'v2' });
    expect(await readStore.count('deals_v1_1')).toBe(0);
    const [deals] = await runner.status();
    expect(deals).toMatchObject({ version: 2, codeVersion: 2, collection: 'deals_v2_2', phase: 'running' });
  });

  it('resumes an interrupted rebuild after a restart instead of starting over', async () => {
    await start();
    let batches = 0;
    const interrupted = runner.rebuild('deals', { onProgress: () => (batches += 1) === 2 && void runner.stop() }).catch((e: unknown) => e);
    expect(await interrupted).toBeInstanceOf(Error);
    const pending = await readStore.loadState('deals~rebuild');
    expect(pending).toMatchObject({ collection: 'deals_v1_2' });
    // Every event is a deals event and positions count from 1: the checkpoint says how many were applied.
    const appliedBefore = Number(pending?.checkpoint);
    expect(appliedBefore).toBeGreaterThan(0);
    expect(appliedBefore).toBeLessThan(10);

    const resumed: ProjectionProgress[] = [];
    runner = new ProjectionRunner({
      eventStore: events,
      readStore,
      projections: [dealsProjection()],
      batchSize: 2,
      onProgress: (p) => resumed.push(p),
    });
    await runner.start();
    await waitUntil(async () => runner.collectionOf('deals') === 'deals_v1_2', 'the resumed rebuild to take over');
    expect(Math.max(...resumed.filter((p) => p.phase === 'rebuild').map((p) => p.eventsApplied))).toBe(10 - appliedBefore);
    expect(Object.keys(await documents(readStore, 'deals_v1_2'))).toHaveLength(9);
  });

  it('discards an interrupted rebuild of an older version and builds the new one', async () => {
    await start();
    let batches = 0;
    await runner.rebuild('deals', { onProgress: () => (batches += 1) === 2 && void runner.stop() }).catch(() => undefined);
    expect(await readStore.count('deals_v1_2')).toBeGreaterThan(0);
    await start([dealsProjection(3), ownersProjection]);
    await waitUntil(async () => runner.collectionOf('deals') === 'deals_v3_2', 'the version 3 build to take over');
    expect(await readStore.count('deals_v1_2')).toBe(0);
    expect(await readStore.count('deals_v3_2')).toBe(9);
    expect((await readStore.listStates()).map((state) => state.name)).toEqual(['deals', 'owners']);
  });

  it('travels in time: the projection as of a position, into a separate target', async () => {
    await start();
    const fourth = (await events.readStream('deal-d4'))[0]?.position as string;
    const result = await runner.rebuildAsOf({ name: 'owners', until: { position: fourth }, target: 'owners_asof_d4' });
    expect(result).toEqual({ projection: 'owners', target: 'owners_asof_d4', eventsApplied: 4, lastPosition: fourth });
    expect(await documents(readStore, 'owners_asof_d4')).toEqual({
      Ali: { owner: 'Ali', deals: 2, amount: 40 },
      مریم: { owner: 'مریم', deals: 2, amount: 60 },
    });
    expect(await documents(readStore, 'owners_v1_1')).toMatchObject({ Ali: { deals: 5 } });
    // Recorded, so that an erasure finds the build among those it purges.
    expect(await readStore.loadState(asOfStateName('owners', 'owners_asof_d4'))).toMatchObject({
      collection: 'owners_asof_d4',
      version: 1,
    });
  });

  it('travels in time: as of a date, deterministic on every run', async () => {
    await start();
    const progress: ProjectionProgress[] = [];
    const asOf = {
      name: 'deals',
      until: { occurredBefore: '2026-01-04T00:00:00+03:30' },
      target: 'deals_asof_jan4',
      onProgress: (p: ProjectionProgress) => progress.push(p),
    };
    await runner.rebuildAsOf(asOf);
    const first = await documents(readStore, 'deals_asof_jan4');
    expect(Object.keys(first).sort()).toEqual(['d1', 'd2', 'd3']);
    expect(first['d1']).toMatchObject({ stage: 'open' });
    await runner.rebuildAsOf(asOf);
    expect(await documents(readStore, 'deals_asof_jan4')).toEqual(first);
    expect(progress.at(-1)).toMatchObject({ phase: 'time-travel', done: true, fraction: 1 });
    // A target a projection's build holds, or may take, or that holds anything else, is refused (TimeTravelTargetError).
    await expect(runner.rebuildAsOf({ ...asOf, target: 'deals_v1_1' })).rejects.toThrow('deals_v1_1 is the serving build of deals');
    await expect(runner.rebuildAsOf({ ...asOf, target: 'deals_v1_2' })).rejects.toThrow(TimeTravelTargetError);
    await expect(runner.rebuildAsOf({ ...asOf, target: 'reports_v3_9' })).rejects.toThrow(/has the form of a projection's own build/);
    await expect(runner.rebuildAsOf({ ...asOf, name: 'owners' })).rejects.toThrow('deals_asof_jan4 is the as-of build of deals');
    await readStore.transaction((tx) => {
      tx.put('kept_elsewhere', 'k', { kept: true });
      tx.saveState({ name: 'owners~retired', retired: [{ collection: 'owners_then', dropAfter: '2999-01-01T00:00:00.000Z' }] });
    });
    await expect(runner.rebuildAsOf({ ...asOf, target: 'kept_elsewhere' })).rejects.toThrow('kept_elsewhere already exists');
    await expect(runner.rebuildAsOf({ ...asOf, target: 'owners_then' })).rejects.toThrow('awaiting its drop');
    expect(await readStore.count('kept_elsewhere')).toBe(1);
    await expect(runner.rebuildAsOf({ ...asOf, until: { occurredBefore: 'yesterday' } })).rejects.toThrow(RangeError);
  });
  it('loads a rebuild in relaxed-durability batches of rebuildBatchSize and indexes it once, after the load', async () => {
    runner = new ProjectionRunner({ eventStore: events, readStore, projections: [dealsProjection()], batchSize: 2, rebuildBatchSize: 4 });
    await runner.start();
    await runner.waitFor('all', (await events.headPosition()) as string, 5000);
    const log: string[] = [];
    const transaction = readStore.transaction.bind(readStore);
    const ensureIndex = readStore.ensureIndex.bind(readStore);
    jest.spyOn(readStore, 'transaction').mockImplementation((work, options) =>
      transaction(async (tx) => {
        const wrote: string[] = [];
        const result = await work({
          ...tx,
          put: (c, id, doc, p) => (wrote.push(c), tx.put(c, id, doc, p)),
          get: tx.get.bind(tx),
          getMany: tx.getMany.bind(tx),
          delete: tx.delete.bind(tx),
          saveCheckpoint: tx.saveCheckpoint.bind(tx),
          saveState: tx.saveState.bind(tx),
          deleteState: tx.deleteState.bind(tx),
        });
        if (wrote.length > 0) log.push(`write ${wrote[0]} ${options?.durable === false ? 'relaxed' : 'durable'} x${wrote.length}`);
        return result;
      }, options),
    );
    jest
      .spyOn(readStore, 'ensureIndex')
      .mockImplementation((collection, fields) => (log.push(`index ${collection} ${fields.join(',')}`), ensureIndex(collection, fields)));
    await runner.rebuild('deals');
    const firstIndex = log.findIndex((line) => line.startsWith('index'));
    expect(log.slice(0, firstIndex)).toEqual(['write deals_v1_2 relaxed x4', 'write deals_v1_2 relaxed x4', 'write deals_v1_2 relaxed x2']);
    expect(log.slice(firstIndex)).toEqual(['index deals_v1_2 owner', 'index deals_v1_2 stage,amount']);
    await openDeal(events, 'live', 'Ali', 1);
    await runner.waitFor('deals', (await events.headPosition()) as string, 5000);
    expect(log.at(-1)).toBe('write deals_v1_2 durable x1');
  });
});
