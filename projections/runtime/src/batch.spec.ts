import { InMemoryEventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { defineProjection, InMemoryReadStore, type ReadStoreTransaction, type TransactionOptions } from '@crm/shared/read-model';
import { applyBatch, type BatchTarget } from './batch';
import { ProjectionRunner } from './projection-runner';
import { bugs, type Deal, type DealEvent, dealsProjection, documents, openDeal, passThrough, winDeal } from './test-support';

/** A read store that counts the transactions that write documents, and the documents each writes. */
class CountingReadStore extends InMemoryReadStore {
  readonly commits: number[] = [];

  override transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    return super.transaction(async (tx) => {
      let puts = 0;
      const result = await work(
        passThrough(tx, {
          put: (c, id, doc, position) => {
            puts += 1;
            tx.put(c, id, doc, position);
          },
        }),
      );
      if (puts > 0) this.commits.push(puts);
      return result;
    }, options);
  }
}

describe('applyBatch in parts', () => {
  let events: InMemoryEventStore;
  let store: CountingReadStore;
  let folded: string[];

  beforeEach(async () => {
    events = new InMemoryEventStore();
    store = new CountingReadStore();
    folded = [];
    bugs.poisonThrows = true;
  });

  // The deals projection, noting each event it folds (and each turn of the event loop, below) in `folded`.
  const noted = () => {
    const deals = dealsProjection();
    return defineProjection<Deal, DealEvent>({
      ...deals,
      evolve: (doc, event, id) => {
        folded.push(`${event.type}:${event.data.dealId}`);
        return deals.evolve(doc, event, id);
      },
    });
  };
  const target = (partSize?: number): BatchTarget => ({
    projection: noted(),
    store,
    collection: 'deals',
    comparePositions: (a, b) => events.comparePositions(a, b),
    state: { name: 'deals', collection: 'deals' },
    now: () => '2026-01-01T00:00:00.000Z',
    ...(partSize === undefined ? {} : { partSize }),
  });
  const all = async (): Promise<readonly RecordedEvent[]> => (await events.readAll({ maxCount: 100 })).events;

  it('lets the event loop turn between parts, each starting from what the parts before left, and commits once', async () => {
    await openDeal(events, 'a', 'Ali', 10);
    await openDeal(events, 'b', 'Ali', 20);
    await winDeal(events, 'a');
    await openDeal(events, 'c', 'Ali', 30);
    await winDeal(events, 'b');
    const log = await all();
    setImmediate(() => folded.push('turn'));

    const result = await applyBatch(target(2), log, (log.at(-1) as RecordedEvent).position);

    expect(folded).toEqual(['DealOpened:a', 'DealOpened:b', 'turn', 'DealWon:a', 'DealOpened:c', 'DealWon:b']);
    expect(result).toMatchObject({ applied: 5, state: { checkpoint: (log.at(-1) as RecordedEvent).position } });
    expect(store.commits).toEqual([3]);
    expect(await documents(store, 'deals')).toEqual({
      a: { dealId: 'a', owner: 'Ali', amount: 10, stage: 'won' },
      b: { dealId: 'b', owner: 'Ali', amount: 20, stage: 'won' },
      c: { dealId: 'c', owner: 'Ali', amount: 30, stage: 'open' },
    });
    expect(await store.loadCheckpoint('deals')).toBe((log.at(-1) as RecordedEvent).position);
  });

  it('gives the documents of one fold of the whole batch', async () => {
    for (const id of ['a', 'b', 'c', 'd']) await openDeal(events, id, 'Ali', 1);
    await winDeal(events, 'c');
    await winDeal(events, 'a');
    const log = await all();
    await applyBatch(target(), log, (log.at(-1) as RecordedEvent).position);
    const whole = await documents(store, 'deals');
    store = new CountingReadStore();
    await applyBatch(target(1), log, (log.at(-1) as RecordedEvent).position);
    expect(await documents(store, 'deals')).toEqual(whole);
  });

  it('commits the parts before a failing event and stops the checkpoint right before it', async () => {
    await openDeal(events, 'a', 'Ali', 10);
    await openDeal(events, 'b', 'Ali', 20);
    await winDeal(events, 'a');
    await openDeal(events, 'bad', 'Ali', 30, undefined, true);
    await openDeal(events, 'd', 'Ali', 40);
    const log = await all();

    const result = await applyBatch(target(2), log, (log.at(-1) as RecordedEvent).position);

    expect(result.failure).toMatchObject({ position: (log[3] as RecordedEvent).position, message: 'Error: amount must be a Money value' });
    expect(result.state?.checkpoint).toBe((log[2] as RecordedEvent).position);
    expect(await store.loadCheckpoint('deals')).toBe((log[2] as RecordedEvent).position);
    expect(await documents(store, 'deals')).toEqual({
      a: { dealId: 'a', owner: 'Ali', amount: 10, stage: 'won' },
      b: { dealId: 'b', owner: 'Ali', amount: 20, stage: 'open' },
    });
  });

  it('commits a page of a projection with maxBatch once in a rebuild, its parts folded apart', async () => {
    for (let i = 1; i <= 9; i += 1) await openDeal(events, `d${i}`, 'Ali', i);
    const projection = { ...dealsProjection(), maxBatch: 2 };
    const runner = new ProjectionRunner({ eventStore: events, readStore: store, projections: [projection], batchSize: 100 });
    try {
      await runner.start();
      await runner.waitFor('all', (await events.headPosition()) as string, 5000);
      store.commits.length = 0;
      await runner.rebuild('deals');
    } finally {
      await runner.stop();
    }
    expect(store.commits).toEqual([9]);
    expect(await store.count(runner.collectionOf('deals'))).toBe(9);
  });
});
