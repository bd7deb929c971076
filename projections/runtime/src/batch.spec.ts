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

/** A read store that notes the ids of every getMany made in a transaction. */
class ReadingStore extends InMemoryReadStore {
  readonly reads: string[][] = [];

  override transaction<T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    return super.transaction(
      (tx) =>
        work(
          passThrough(tx, {
            getMany: (c, ids) => {
              this.reads.push([...ids]);
              return tx.getMany(c, ids);
            },
          }),
        ),
      options,
    );
  }
}

describe('applyBatch with summaries named from the documents', () => {
  // Members join a group with their first event; the totals of each group's members with a positive total are kept in
  // `~g:{group}`, which only the member's document names (summary.documentIdOf), not its events.
  type Member = { group: string; total: number };
  const grouped = defineProjection<Member>({
    name: 'members',
    version: 1,
    collection: 'members',
    eventTypes: ['Joined', 'Added'],
    documentId: (e) => (e.data as { id: string }).id,
    evolve: (doc, e) =>
      e.type === 'Joined'
        ? { group: (e.data as { group: string }).group, total: 0 }
        : { ...(doc as Member), total: (doc as Member).total + 1 },
    summary: {
      documentId: () => undefined,
      documentIdOf: (_e, doc) => (doc === null ? undefined : `~g:${doc.group}`),
      cells: (doc) => (doc.total > 0 ? [{ dims: {}, values: { count: 1, total: doc.total } }] : []),
    },
  });
  let position = 0;
  const recorded = (type: string, data: Record<string, unknown>): RecordedEvent =>
    ({
      streamId: `m-${String(data['id'])}`,
      type,
      data,
      revision: 0,
      position: String((position += 1)),
      metadata: {},
    }) as unknown as RecordedEvent;
  const target = (store: ReadingStore, partSize?: number): BatchTarget => ({
    projection: grouped,
    store,
    collection: 'members',
    comparePositions: (a, b) => Math.sign(Number(a) - Number(b)),
    now: () => '2026-01-01T00:00:00.000Z',
    ...(partSize === undefined ? {} : { partSize }),
  });
  const batches = [
    [recorded('Joined', { id: 'a', group: 'x' }), recorded('Added', { id: 'a' }), recorded('Joined', { id: 'b', group: 'y' })],
    // b's stored document names ~g:y; c's names ~g:x only once c's first event is folded (the fold asks for it).
    [
      recorded('Added', { id: 'b' }),
      recorded('Joined', { id: 'c', group: 'x' }),
      recorded('Added', { id: 'c' }),
      recorded('Added', { id: 'c' }),
    ],
    [recorded('Added', { id: 'a' }), recorded('Added', { id: 'b' })],
  ];
  const summaryOf = (count: number, total: number) => ({ summary: true, cells: { '[]': { dims: {}, values: { count, total } } } });

  it.each([undefined, 1, 2, 3])('adds to the summaries the documents name, read after them (parts of %s)', async (partSize) => {
    const store = new ReadingStore();
    for (const batch of batches) await applyBatch(target(store, partSize), batch, (batch.at(-1) as RecordedEvent).position);
    const docs = await documents(store, 'members');
    expect(docs['~g:x']).toEqual(summaryOf(2, 4));
    expect(docs['~g:y']).toEqual(summaryOf(1, 2));
    expect(docs['c']).toEqual({ group: 'x', total: 2 });
  });

  it('reads a batch’s documents, then the summaries their stored forms name, then those the fold finds', async () => {
    const store = new ReadingStore();
    await applyBatch(target(store), batches[0] as RecordedEvent[], '3');
    store.reads.length = 0;
    await applyBatch(target(store), batches[1] as RecordedEvent[], '7');
    expect(store.reads).toEqual([['b', 'c'], ['~g:y'], ['~g:x']]);
    expect((await documents(store, 'members'))['~g:x']).toEqual(summaryOf(2, 3));
  });
});
