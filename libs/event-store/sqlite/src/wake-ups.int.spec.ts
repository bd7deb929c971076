import type { Appended, RecordedEvent } from '@crm/shared/event-sourcing';
import { anEvent, aStream } from '@crm/shared/testing';
import { openSqliteEventStore, type SqliteEventStore } from './sqlite-event-store';
import { disposeStore, storeInFreshDir } from './test-support';

/**
 * Wake-ups after a commit (polling-subscription.ts): a subscription reads at once for a commit that could
 * match its filter, moves past one it cannot match without reading, and never moves past events it has not
 * read. The poll is a minute, so only wake-ups can move a subscription within these tests.
 */
describe('SqliteEventStore wake-ups (real file)', () => {
  let store: SqliteEventStore;
  const POLL_MS = 60_000;
  // Each test waits up to 10 s for a wake-up (below): more than Jest's default 5 s per test.
  jest.setTimeout(30_000);

  beforeEach(async () => {
    store = await storeInFreshDir({ pollIntervalMs: POLL_MS });
  });
  afterEach(() => disposeStore(store));

  /** A subscription on category `a`, recording each batch with its checkpoint. */
  async function subscribeToA(on: SqliteEventStore = store) {
    const batches: { events: readonly RecordedEvent[]; checkpoint: string }[] = [];
    let changed: () => void = () => undefined;
    const subscription = on.subscribeToAll(
      async (events, checkpoint) => {
        batches.push({ events, checkpoint });
        changed();
      },
      { filter: { categories: ['a'] } },
    );
    await subscription.caughtUp;
    // The handler runs before the subscription takes the checkpoint as its own: the batches say where it is.
    const at = () => batches.at(-1)?.checkpoint;
    const until = (done: () => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        // Well inside the minute's poll, and wide enough for a loaded machine: only a wake-up can make it.
        const timer = setTimeout(() => reject(new Error(`not woken: ${what}`)), 10_000);
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          resolve();
        };
        changed = check;
        check();
      });
    return { subscription, batches, until, at };
  }

  it('moves a subscription past a commit it cannot match without reading the log', async () => {
    await store.appendToStream(aStream('a'), [anEvent('A')]);
    const { subscription, batches, until, at } = await subscribeToA();
    const reads = jest.spyOn(store, 'readAll');
    const other = await store.appendToStream(aStream('b'), [anEvent('B'), anEvent('B')]);
    await until(() => at() === other.position, 'past the b commit');
    expect(reads).not.toHaveBeenCalled();
    expect(batches.at(-1)).toEqual({ events: [], checkpoint: other.position });

    // A commit it can match is read at once.
    const mine = await store.appendToStream(aStream('a'), [anEvent('A2')]);
    await until(() => batches.some((batch) => batch.events.some((event) => event.type === 'A2')), 'the a commit');
    expect(reads).toHaveBeenCalled();
    expect(at()).toBe(mine.position);
    await subscription.stop();
  });

  it('reads, not skips, when another connection committed before the commit that woke it', async () => {
    const start = await store.appendToStream(aStream('a'), [anEvent('A')]);
    const { subscription, batches, until, at } = await subscribeToA();
    expect(at()).toBe(start.position);
    const second = openSqliteEventStore({ file: store.db.name, pollIntervalMs: POLL_MS });
    try {
      // Another process's event this connection knows nothing of, then a commit here it cannot match.
      await second.appendToStream(aStream('a'), [anEvent('FromElsewhere')]);
      const here = await store.appendToStream(aStream('b'), [anEvent('B')]);
      await until(() => at() === here.position, 'past both commits');
      expect(batches.flatMap((batch) => batch.events.map((event) => event.type))).toEqual(['A', 'FromElsewhere']);
    } finally {
      await second.close();
    }
    await subscription.stop();
  });

  it('tells append listeners what each commit appended and the span it covers; a commit of no event tells nobody', async () => {
    const heard: (Appended | undefined)[] = [];
    store.onAppended((appended) => heard.push(appended));
    const first = await store.appendToStream(aStream('a'), [anEvent('A')]);
    await Promise.all([
      store.appendToStream(aStream('b'), [anEvent('B')]),
      store.appendToStream(aStream('c'), [anEvent('C1'), anEvent('C2')]),
      // Refused in its savepoint: the group commits without it, and it is not described.
      store.appendToStream(aStream('d'), [anEvent('D')], { expectedRevision: 5 }).catch(() => undefined),
    ]);
    await store.inWriteGroup(() => store.db.prepare('SELECT 1').get(), { deferSync: true });
    expect(heard).toEqual([
      { categories: ['a'], types: ['A'], span: { before: '0', after: first.position } },
      {
        categories: ['b', 'c'],
        types: ['B', 'C1', 'C2'],
        span: { before: first.position, after: String(Number(first.position) + 3) },
      },
    ]);
  });

  it('reads at once for a wake-up from another connection it concerns, and within the unmatched interval for one it does not', async () => {
    const { subscription, batches, until, at } = await subscribeToA();
    const second = openSqliteEventStore({ file: store.db.name, pollIntervalMs: POLL_MS });
    try {
      const reads = jest.spyOn(store, 'readAll');
      const elsewhere = await second.appendToStream(aStream('a'), [anEvent('Unmatched')]);
      // Described as another category, and without a span: not read at once; read within the interval.
      store.wake({ categories: ['b'], types: ['B'] });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(reads).not.toHaveBeenCalled();
      await until(() => at() === elsewhere.position, 'the read within the unmatched interval');
      const told = await second.appendToStream(aStream('a'), [anEvent('Told')]);
      const before = reads.mock.calls.length;
      store.wake({ categories: ['a'], types: ['Told'] });
      // At once: within the microtasks that follow, before any timer could fire.
      await new Promise((resolve) => setImmediate(resolve));
      expect(reads.mock.calls.length).toBe(before + 1);
      await until(() => at() === told.position, 'the told commit');
      // Of unknown kinds: everyone reads.
      const unknown = await second.appendToStream(aStream('a'), [anEvent('Unknown')]);
      store.wake();
      await until(() => at() === unknown.position, 'the unknown commit');
      expect(batches.flatMap((batch) => batch.events.map((event) => event.type))).toEqual(['Unmatched', 'Told', 'Unknown']);
    } finally {
      await second.close();
    }
    await subscription.stop();
  });
});
