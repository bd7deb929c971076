import { appendsInOrder, InMemoryEventStore, verifyChain, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { demoHistory } from './demo-history';
import { demoHistoryBatches, historyBatches } from './history-batches';
import { seedEventStore } from './seed-event-store';

/** The store without its ordered batch append: the seed falls back to concurrent single appends, as before. */
function withoutOrderedAppends(store: EventStore): EventStore {
  return new Proxy(store, {
    get: (target, key) => {
      if (key === 'appendInOrder') return undefined;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function everything(store: EventStore): Promise<RecordedEvent[]> {
  return [...(await store.readAll()).events];
}

describe('seedEventStore', () => {
  it('writes the same log through the ordered batch append as through single appends: events, positions, hash chains', async () => {
    const single = new InMemoryEventStore();
    const batched = new InMemoryEventStore();
    const legacy = withoutOrderedAppends(single);
    expect(appendsInOrder(legacy)).toBeUndefined();
    const before = await seedEventStore(legacy, { events: 20_000, seed: 3 });
    const after = await seedEventStore(batched, { events: 20_000, seed: 3, batchEvents: 1500 });
    expect(after).toEqual(before);
    const [expected, actual] = [await everything(single), await everything(batched)];
    expect(actual).toHaveLength(before.events);
    expect(actual).toEqual(expected);
    // Same head, and the same last hash of every stream.
    const lastHashes = (events: readonly RecordedEvent[]) => new Map(events.map((e) => [e.streamId, e.metadata.hash]));
    expect(lastHashes(actual)).toEqual(lastHashes(expected));
    const complaint = actual.find((e) => e.streamId.startsWith('complaint-'))?.streamId as string;
    expect(verifyChain(await batched.readStream(complaint)).ok).toBe(true);
    await Promise.all([single.close(), batched.close()]);
  });

  it('refuses the same seed again on one store, at any count, and appends nothing; another seed goes on', async () => {
    const store = new InMemoryEventStore();
    await seedEventStore(store, { events: 500, seed: 4 });
    const head = await store.headPosition();
    for (const events of [500, 800]) {
      await expect(seedEventStore(store, { events, seed: 4 })).rejects.toMatchObject({ name: 'WrongExpectedRevisionError' });
    }
    expect(await store.headPosition()).toBe(head);
    expect((await seedEventStore(store, { events: 100, seed: 5 })).events).toBeGreaterThan(0);
    await store.close();
  });

  it('two seeds of one history at the same time write it once between them, and each counts only its own events', async () => {
    for (const store of [new InMemoryEventStore(), withoutOrderedAppends(new InMemoryEventStore())]) {
      const options = { events: 3000, seed: 6, batchEvents: 500 };
      // Both pass the check up front (neither has written yet); every append of the later one is taken for a retry.
      const [a, b] = await Promise.all([seedEventStore(store, options), seedEventStore(store, options)]);
      const history = [...demoHistory(options)].reduce((n, append) => n + append.events.length, 0);
      expect(await everything(store)).toHaveLength(history);
      expect(a.events + b.events).toBe(history);
      expect(a.events + a.writtenElsewhere).toBe(history);
      expect(b.events + b.writtenElsewhere).toBe(history);
      expect(Math.max(a.writtenElsewhere, b.writtenElsewhere)).toBeGreaterThan(0);
      await store.close();
    }
  });

  it('reports progress once a batch is written, up to every event', async () => {
    const seen: number[] = [];
    const store = new InMemoryEventStore();
    const result = await seedEventStore(store, { events: 3000, seed: 2, batchEvents: 1000, onProgress: (n) => seen.push(n) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen[seen.length - 1]).toBe(result.events);
    expect(result.head).toBe(String(result.events));
    await store.close();
  });

  it.each([
    ['ordered batch appends, on a worker thread', (store: EventStore) => store, true],
    ['concurrent single appends', withoutOrderedAppends, false],
  ])('stops when asked after the appends in hand (Ctrl-C): %s; what is written is a prefix of the history', async (_, wrap, inWorker) => {
    const store = new InMemoryEventStore();
    let progress = 0;
    const result = await seedEventStore(wrap(store), {
      events: 6000,
      seed: 6,
      batchEvents: 500,
      inWorker,
      onProgress: (n) => (progress = n),
      stopRequested: () => progress >= 1000,
    });
    expect(result.stopped).toBe(true);
    const written = await everything(store);
    expect(written).toHaveLength(result.events);
    expect(result.events).toBeGreaterThanOrEqual(1000);
    expect(result.events).toBeLessThan(2000);
    // The same events as the start of the whole history: nothing skipped, nothing half-written.
    const whole = new InMemoryEventStore();
    const all = await seedEventStore(whole, { events: 6000, seed: 6 });
    expect(all).toMatchObject({ stopped: false, events: expect.any(Number) });
    expect(all.events).toBeGreaterThan(result.events);
    const ids = (events: readonly RecordedEvent[]) => events.map((event) => `${event.streamId}@${event.revision}:${event.type}`);
    expect(ids((await everything(whole)).slice(0, written.length)).sort()).toEqual(ids(written).sort());
    await Promise.all([store.close(), whole.close()]);
  });

  it.each([
    ['ordered batch appends, on a worker thread', (store: EventStore) => store, true],
    ['concurrent single appends', withoutOrderedAppends, false],
  ])(
    'asks before each batch whether to stop (a server started on the store): %s; nothing of that batch is written',
    async (_, wrap, inWorker) => {
      const store = new InMemoryEventStore();
      let asked = 0;
      const options = { events: 6000, seed: 6, batchEvents: 500, inWorker };
      const result = await seedEventStore(wrap(store), { ...options, stopBeforeBatch: async () => ++asked > 3 });
      expect({ asked, stopped: result.stopped }).toEqual({ asked: 4, stopped: true });
      expect(result.events).toBeGreaterThan(0);
      expect(result.events).toBeLessThan(3000);
      expect(await everything(store)).toHaveLength(result.events);
      // Asked before the first batch too: nothing written at all.
      const untouched = new InMemoryEventStore();
      expect(await seedEventStore(wrap(untouched), { ...options, stopBeforeBatch: () => true })).toMatchObject({
        events: 0,
        stopped: true,
      });
      expect(await everything(untouched)).toHaveLength(0);
      await Promise.all([store.close(), untouched.close()]);
    },
    // A worker thread that decides 6,000 events: past jest's 5 s on a loaded 2-core machine (a README check), as the
    // other worker test below allows.
    60_000,
  );
});

describe('demoHistoryBatches', () => {
  const flat = (batches: readonly (readonly unknown[])[]) => batches.flat();

  it('cuts the history into batches of whole commands, about the size asked for, in order', () => {
    const batches = [...historyBatches({ events: 5000, seed: 4 }, 700)];
    expect(flat(batches)).toEqual([...demoHistory({ events: 5000, seed: 4 })]);
    const sizes = batches.map((batch) => batch.reduce((n, append) => n + append.events.length, 0));
    expect(sizes.slice(0, -1).every((n) => n >= 700 && n < 720)).toBe(true);
  });

  it('decides the same history on a worker thread', async () => {
    const options = { events: 4000, seed: 9, recordedBy: { id: 'cli:tester', roles: ['admin'] } };
    const fromWorker: unknown[][] = [];
    for await (const batch of demoHistoryBatches(options, { batchEvents: 500, inWorker: true, ahead: 2 })) fromWorker.push(batch);
    expect(fromWorker.length).toBeGreaterThan(4);
    expect(flat(fromWorker)).toEqual([...demoHistory(options)]);
  }, 60_000);

  it('ends the worker when the writer stops early', async () => {
    const taken: unknown[] = [];
    for await (const batch of demoHistoryBatches({ events: 100_000, seed: 9 }, { batchEvents: 200, inWorker: true, ahead: 1 })) {
      taken.push(batch);
      if (taken.length === 2) break;
    }
    const inline = historyBatches({ events: 100_000, seed: 9 }, 200);
    expect(flat(taken as unknown[][])).toEqual([inline.next().value, inline.next().value].flat());
  }, 60_000);
});
