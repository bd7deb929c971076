import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { aStream, anEvent } from '@crm/shared/testing';
import { Client } from 'pg';
import { appendParameters, prepareAppend } from './append-request';
import type { PostgresEventStore } from './postgres-event-store';
import { AdminConnection, connectAgain, databaseUrl, openTestStore, sleep, until } from './test-support';

/**
 * The sequence-gap problem: an event that gets its position first but commits
 * last must still reach every subscriber, after what it precedes, exactly once.
 */
/** Resolves once the store's LISTEN is in place (or has failed): what its subscriptions started in the background. */
const listening = (store: object): Promise<void> =>
  (store as { listener?: { start(): Promise<void> } }).listener?.start() ?? Promise.resolve();

describe('PostgresEventStore: late commits', () => {
  const admin = new AdminConnection();
  let store: PostgresEventStore;
  /** Gives up waiting quickly, to look at what a reader sees while a transaction is still open. */
  let impatient: PostgresEventStore;
  let writer: Client;

  beforeEach(async () => {
    store = await openTestStore();
    impatient = connectAgain(store, { visibilityWaitMs: 150 });
    writer = new Client({ connectionString: databaseUrl() });
    await writer.connect();
  });
  afterEach(async () => {
    await writer.end().catch(() => undefined);
    await impatient.close();
    await store.close();
    await admin.dropSchema(store.schema);
  });
  afterAll(() => admin.end());

  /** Appends inside a transaction the test commits later: a slow command in another process. */
  const appendUncommitted = async (streamId: string, type: string): Promise<void> => {
    await writer.query('BEGIN');
    const request = prepareAppend(streamId, [anEvent(type)], undefined);
    await writer.query(`SELECT * FROM "${store.schema}".append_to_stream($1, $2, $3, $4, $5::jsonb)`, appendParameters(request));
  };

  const collect = () => {
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll((events) => void seen.push(...events));
    return { seen, subscription };
  };

  it('holds back an event committed after a later-positioned one, then delivers both in order, once', async () => {
    await store.appendToStream(aStream(), [anEvent('Before')]);
    const { seen, subscription } = collect();
    await subscription.caughtUp;
    const before = subscription.checkpoint() as string;

    await appendUncommitted(aStream(), 'Late'); // takes its position first...
    const early = await store.appendToStream(aStream(), [anEvent('Early')]); // ...this one commits first
    await sleep(250);
    expect(seen.map((e) => e.type)).toEqual(['Before']);
    expect(subscription.checkpoint()).toBe(before);
    const meanwhile = await impatient.readAll({ after: before });
    expect(meanwhile).toEqual({ events: [], checkpoint: before, isEnd: false });
    expect(await impatient.headPosition()).toBe(before);
    expect(store.comparePositions(early.position, before)).toBeGreaterThan(0);

    await writer.query('COMMIT');
    await until(() => seen.length === 3, 'both events');
    await sleep(300);
    await subscription.stop();
    expect(seen.map((e) => e.type)).toEqual(['Before', 'Late', 'Early']);
    expect(new Set(seen.map((e) => e.position)).size).toBe(3);
    expect(seen[2]?.position).toBe(early.position);
    expect((await store.readAll({ after: before })).events.map((e) => e.type)).toEqual(['Late', 'Early']);
  });

  it('orders by transaction: a transaction that started first comes first, even with a larger position', async () => {
    await writer.query('BEGIN');
    await writer.query('SELECT pg_current_xact_id()'); // the transaction has its id before the other append
    const other = await store.appendToStream(aStream(), [anEvent('CommittedFirst')]);
    const request = prepareAppend(aStream(), [anEvent('StartedFirst')], undefined);
    await writer.query(`SELECT * FROM "${store.schema}".append_to_stream($1, $2, $3, $4, $5::jsonb)`, appendParameters(request));
    expect((await impatient.readAll()).events).toEqual([]);
    await writer.query('COMMIT');

    const all = (await store.readAll()).events;
    expect(all.map((e) => e.type)).toEqual(['StartedFirst', 'CommittedFirst']);
    expect(all[1]?.position).toBe(other.position);
    expect(store.comparePositions(all[0]?.position as string, all[1]?.position as string)).toBeLessThan(0);
  });

  it('waits for a short foreign transaction so a writer reads its own event', async () => {
    await writer.query('BEGIN');
    await writer.query('SELECT pg_current_xact_id()');
    const patient = connectAgain(store, { visibilityWaitMs: 5000 });
    try {
      const appended = await patient.appendToStream(aStream(), [anEvent('Mine')]);
      setTimeout(() => void writer.query('COMMIT'), 150);
      const started = Date.now();
      const slice = await patient.readAll();
      expect(slice.events.map((e) => e.type)).toEqual(['Mine']);
      expect(slice.checkpoint).toBe(appended.position);
      expect(slice.isEnd).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    } finally {
      await patient.close();
    }
  });

  it('loses nothing and repeats nothing while writers race with open transactions', async () => {
    const { seen, subscription } = collect();
    await subscription.caughtUp;
    const streams = Array.from({ length: 5 }, () => aStream('race'));
    for (let round = 0; round < 5; round += 1) {
      await appendUncommitted(aStream('race'), `Late${round}`); // its own stream: a shared one would wait for its lock
      await Promise.all(streams.map((streamId, i) => store.appendToStream(streamId, [anEvent(`Quick${round}.${i}`)])));
      await sleep(30);
      await writer.query(round % 2 ? 'COMMIT' : 'ROLLBACK');
    }
    const expected = (await store.readAll()).events;
    expect(expected).toHaveLength(5 * 5 + 2);
    await until(() => seen.length >= expected.length, 'every committed event');
    await sleep(200);
    await subscription.stop();
    expect(seen.map((e) => e.metadata.eventId)).toEqual(expected.map((e) => e.metadata.eventId));
  });

  it('wakes a subscriber in another process through LISTEN/NOTIFY, well before its poll', async () => {
    const other = connectAgain(store, { pollIntervalMs: 60_000 });
    try {
      const seen: RecordedEvent[] = [];
      const subscription = other.subscribeToAll((events) => void seen.push(...events));
      await subscription.caughtUp;
      await listening(other); // LISTEN is issued in the background: wait for it, not for a time (a flake under load)
      await store.appendToStream(aStream(), [anEvent('Notified')]);
      await until(() => seen.length === 1, 'the notified event', 3000);
      await subscription.stop();
    } finally {
      await other.close();
    }
  });

  it('says in the notification what was appended: a subscriber of another category reads for it only within the unmatched interval', async () => {
    const other = connectAgain(store, { pollIntervalMs: 60_000 });
    try {
      const mine: RecordedEvent[] = [];
      const theirs: string[] = [];
      const sub = other.subscribeToAll((events) => void mine.push(...events), { filter: { categories: ['mine'] } });
      const unrelated = other.subscribeToAll((_events, checkpoint) => void theirs.push(checkpoint), {
        filter: { categories: ['unrelated'] },
      });
      await Promise.all([sub.caughtUp, unrelated.caughtUp]);
      await listening(other); // LISTEN is issued in the background: wait for it, not for a time (a flake under load)
      // Every read the subscriber's connection sends, with when it was sent.
      const send = other.pool.query.bind(other.pool) as (...args: unknown[]) => unknown;
      const sent: { readonly values: string; readonly at: number }[] = [];
      jest.spyOn(other.pool, 'query').mockImplementation(((config: { values?: unknown }, ...rest: unknown[]) => {
        sent.push({ values: JSON.stringify(config?.values ?? []), at: performance.now() });
        return send(config, ...rest);
      }) as never);
      /** When `category` was first read from the `from`th read on. */
      const firstRead = (category: string, from: number) => sent.slice(from).find((call) => call.values.includes(`"${category}"`))?.at;
      // Its category is read at the notification, the other one only after the interval (UNMATCHED_READ_WITHIN_MS, 50 ms).
      // Timed by when the reads were sent, not by what had arrived by some moment: a loaded machine delivers later
      // than the interval, but never sends the timer's read sooner.
      const readInTurn = (from: number) => {
        const [mineAt, theirsAt] = [firstRead('mine', from), firstRead('unrelated', from)];
        expect(mineAt).toBeDefined();
        expect(theirsAt).toBeDefined();
        expect((theirsAt as number) - (mineAt as number)).toBeGreaterThanOrEqual(30);
      };
      /**
       * `append` and both subscriptions past it; then the reads sent since, in turn. A read of the unrelated category
       * sent before the append but run by the server after its commit (a loaded machine: the last CI run) brings the
       * subscription past it with no read to time: the append is made again, at most three times in all, and a
       * subscription that read at once would be caught at any of them.
       */
      const appendedInTurn = async (append: () => Promise<{ position: string }>, events: number) => {
        for (let attempt = 1; ; attempt += 1) {
          const from = sent.length;
          const appended = await append();
          const expected = mine.length + events;
          await until(() => mine.length === expected, 'the notified events of its category', 3000);
          await until(() => theirs.at(-1) === appended.position, 'the unrelated subscription moving past the commit', 3000);
          if (firstRead('unrelated', from) !== undefined || attempt === 3) return readInTurn(from);
        }
      };
      const stream = aStream('mine');
      await appendedInTurn(() => store.appendToStream(stream, [anEvent('Mine')]), 1);
      // Several events to an existing stream go through the append function, whose notification says the same.
      await appendedInTurn(() => store.appendToStream(stream, [anEvent('Mine'), anEvent('Mine')]), 2);
      await Promise.all([sub.stop(), unrelated.stop()]);
    } finally {
      await other.close();
    }
  });
});
