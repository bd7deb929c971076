import {
  handleCommand,
  IdempotencyConflictError,
  verifyChain,
  WrongExpectedRevisionError,
  type Decider,
  type RecordedEvent,
} from '@crm/shared/event-sourcing';
import { aStream, anEvent, someEvents } from '@crm/shared/testing';
import { Pool, type PoolClient } from 'pg';
import { PostgresEventStore } from './postgres-event-store';
import { schemaNames } from './sql/identifiers';
import { statements as statementsFor } from './sql/statements';
import { AdminConnection, connectAgain, databaseUrl, openTestStore, sleep, uniqueSchema, until } from './test-support';

type Counter = { count: number };
type Increment = { type: 'Increment'; data: Record<string, never> };
type Incremented = { type: 'Incremented'; data: Record<string, never> };
const counter: Decider<Counter, Increment, Incremented> = {
  initialState: () => ({ count: 0 }),
  decide: () => [{ type: 'Incremented', data: {} }],
  evolve: (state) => ({ count: state.count + 1 }),
};

/** Every statement that reaches a connection of this pool, as the server would see it. */
function recordStatements(pool: Pool): string[] {
  const seen: string[] = [];
  pool.on('connect', (client: PoolClient) => {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    const counting = (...args: unknown[]): unknown => {
      const first = args[0];
      seen.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
      return original(...args);
    };
    Object.assign(client, { query: counting });
  });
  return seen;
}

describe('PostgresEventStore: concurrency and round trips', () => {
  const admin = new AdminConnection();
  afterAll(() => admin.end());

  describe('heavy concurrent writers', () => {
    let stores: PostgresEventStore[] = [];
    beforeEach(async () => {
      const first = await openTestStore();
      stores = [first, ...Array.from({ length: 3 }, () => connectAgain(first))];
    });
    afterEach(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await admin.dropSchema(stores[0]?.schema as string);
    });

    it('4 pools × 50 appends to one stream: one gap-free, hash-linked stream, and a live subscriber sees each event once', async () => {
      const [reader] = stores as [PostgresEventStore];
      const seen: RecordedEvent[] = [];
      const subscription = reader.subscribeToAll((events) => void seen.push(...events), { batchSize: 37 });
      await subscription.caughtUp;
      const streamId = aStream();
      await Promise.all(
        stores.flatMap((store, w) =>
          Array.from({ length: 50 }, async (_, i) => {
            await sleep(i % 7); // spread over several ticks, so both batched and single appends happen
            return store.appendToStream(streamId, [anEvent('Any', { w, i })]);
          }),
        ),
      );
      const read = await reader.readStream(streamId);
      expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(verifyChain(read).ok).toBe(true);
      const all = (await reader.readAll()).events;
      await until(() => seen.length >= 200, 'the subscriber');
      await subscription.stop();
      expect(seen.map((e) => e.position)).toEqual(all.map((e) => e.position));
      for (let i = 1; i < all.length; i += 1) {
        expect(reader.comparePositions((all[i - 1] as RecordedEvent).position, (all[i] as RecordedEvent).position)).toBeLessThan(0);
      }
    }, 30_000);

    it('lets racing creators of one new stream all land (any) or exactly one win (no_stream)', async () => {
      for (let round = 0; round < 5; round += 1) {
        const shared = aStream();
        await Promise.all(stores.map((store) => store.appendToStream(shared, [anEvent('Created')])));
        expect((await stores[0]?.readStream(shared))?.map((e) => e.revision)).toEqual([0, 1, 2, 3]);

        const contested = aStream();
        const outcomes = await Promise.allSettled(
          stores.map((store) => store.appendToStream(contested, [anEvent()], { expectedRevision: 'no_stream' })),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as unknown);
        expect(losers.every((reason) => reason instanceof WrongExpectedRevisionError && reason.actual === 0)).toBe(true);
      }
    });

    it('ordered batches racing single appends and each other on shared streams: every event once, gap-free, hash-linked, each batch whole', async () => {
      const streams = Array.from({ length: 5 }, () => aStream('shared'));
      const at = (n: number) => streams[n % streams.length] as string;
      await Promise.all(
        stores.flatMap((store, w) =>
          Array.from({ length: 10 }, async (_, i) => {
            await sleep(i % 3);
            if (i % 2 === 0) return store.appendToStream(at(w + i), [anEvent('Single', { w, i })]);
            return store.appendInOrder([
              { streamId: at(w + i), events: [anEvent('Batch', { w, i, part: 0 })] },
              { streamId: at(w + i + 1), events: someEvents(2) },
              { streamId: at(w + i), events: [anEvent('Batch', { w, i, part: 2 })] },
            ]);
          }),
        ),
      );
      const [reader] = stores as [PostgresEventStore];
      let total = 0;
      for (const streamId of streams) {
        const read = await reader.readStream(streamId);
        total += read.length;
        expect(read.map((e) => e.revision)).toEqual(read.map((_, i) => i));
        expect(verifyChain(read).ok).toBe(true);
        // One batch's two parts on a stream are one statement: nothing lands between them.
        read.forEach((event, i) => {
          if (event.type === 'Batch' && event.data['part'] === 0)
            expect(read[i + 1]?.data).toMatchObject({ w: event.data['w'], i: event.data['i'], part: 2 });
        });
      }
      expect(total).toBe(4 * (5 + 5 * 4));
      const all = (await reader.readAll({ filter: { categories: ['shared'] } })).events;
      expect(new Set(all.map((e) => e.metadata.eventId)).size).toBe(total);

      const contested = aStream();
      const own = stores.map(() => aStream('own'));
      const outcomes = await Promise.allSettled(
        stores.map((store, w) =>
          store.appendInOrder([
            { streamId: own[w] as string, events: [anEvent()], expectedRevision: 'no_stream' },
            { streamId: contested, events: [anEvent('Created', { w })], expectedRevision: 'no_stream' },
          ]),
        ),
      );
      const won = outcomes.findIndex((o) => o.status === 'fulfilled');
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const [w, outcome] of outcomes.entries()) {
        if (w === won) continue;
        expect(outcome).toMatchObject({ status: 'rejected', reason: { streamId: contested, actual: 0 } });
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await reader.streamRevision(own[w] as string)).toBeUndefined();
      }
      expect(await reader.streamRevision(own[won] as string)).toBe(0);
    }, 60_000);

    it('4 pools × 50 commands over 10 streams with optimistic concurrency: every command lands exactly once', async () => {
      const streams = Array.from({ length: 10 }, () => aStream('counter'));
      const results = await Promise.all(
        stores.flatMap((store, w) =>
          Array.from({ length: 50 }, (_, i) =>
            handleCommand(store, counter, streams[(w * 50 + i) % 10] as string, { type: 'Increment', data: {} }, { maxRetries: 200 }),
          ),
        ),
      );
      expect(results.every((r) => !r.duplicate)).toBe(true);
      const [, second, third] = stores as [PostgresEventStore, PostgresEventStore, PostgresEventStore];
      for (const streamId of streams) {
        const read = await second.readStream(streamId);
        expect(read).toHaveLength(20);
        expect(verifyChain(read).ok).toBe(true);
      }
      const all = (await third.readAll({ filter: { categories: ['counter'] } })).events;
      expect(all).toHaveLength(200);
      expect(new Set(all.map((e) => e.metadata.eventId)).size).toBe(200);
    }, 60_000);
  });

  describe('round trips', () => {
    let pool: Pool;
    let statements: string[];
    let schema: string;
    beforeEach(async () => {
      pool = new Pool({ connectionString: databaseUrl(), max: 4 });
      statements = recordStatements(pool);
      schema = uniqueSchema();
    });
    afterEach(async () => {
      await pool.end();
      await admin.dropSchema(schema);
    });

    it.each([true, false])('appends with exactly one statement and no BEGIN/COMMIT (group commit %s)', async (groupCommit) => {
      const store = await PostgresEventStore.open(pool, { schema, groupCommit });
      statements.length = 0;
      const streamId = aStream();
      await store.appendToStream(streamId, [anEvent()], { expectedRevision: 'no_stream' });
      await store.appendToStream(streamId, someEvents(3), { expectedRevision: 0 });
      await store.appendToStream(streamId, [anEvent()], { expectedRevision: 3 });
      await store.appendToStream(streamId, [anEvent()], { expectedRevision: 'stream_exists' });
      await store.appendToStream(streamId, someEvents(2));
      await store.appendToStream(streamId, [anEvent()]);
      const fresh = aStream();
      await store.appendToStream(fresh, someEvents(10), { expectedRevision: 'no_stream' });
      // A single event is a plain INSERT, and so are a new stream's first events; several after a head go through the function.
      const sql = statementsFor(schemaNames(schema));
      expect(statements).toEqual([
        sql.appendFirst.text,
        sql.append.text,
        sql.appendOne.text,
        sql.appendOne.text,
        sql.append.text,
        sql.appendOne.text,
        sql.appendFirstMany(10).text,
      ]);
      expect(verifyChain(await store.readStream(fresh))).toMatchObject({ ok: true, checked: 10 });
      expect(sql.appendFirstMany(10).text).toMatch(/^WITH inserted AS \(\n {2}INSERT INTO "[a-z0-9_]+"\.events\b/);
      expect(sql.append.text).toMatch(/^SELECT next_revision, last_position FROM "[a-z0-9_]+"\.append_to_stream\(/);
      for (const single of [sql.appendFirst.text, sql.appendOne.text]) expect(single).toMatch(/^INSERT INTO "[a-z0-9_]+"\.events\b/);
      expect(await store.streamRevision(streamId)).toBe(8);
      await store.close();
      expect(pool.totalCount).toBeGreaterThan(0); // a pool handed in stays open
    });

    it('sends appends issued together as one statement, and a refused append fails alone', async () => {
      const store = await PostgresEventStore.open(pool, { schema });
      const [taken, fresh, retried] = [aStream(), aStream(), aStream()];
      const original = someEvents(2);
      const first = await store.appendToStream(retried as string, original);
      await store.appendToStream(taken as string, [anEvent()]);
      statements.length = 0;
      const outcomes = await Promise.allSettled([
        store.appendToStream(fresh as string, [anEvent('One')], { expectedRevision: 'no_stream' }),
        store.appendToStream(taken as string, [anEvent('Stale')], { expectedRevision: 5 }),
        store.appendToStream(fresh as string, [anEvent('Two')], { expectedRevision: 0 }),
        store.appendToStream(retried as string, original, { expectedRevision: 'no_stream' }),
        store.appendToStream(aStream(), [original[0] as never]),
        ...Array.from({ length: 15 }, () => store.appendToStream(aStream('bulk'), [anEvent('Bulk')])),
      ]);
      expect(statements.filter((text) => text.includes('append_batch'))).toHaveLength(1);
      expect(statements.filter((text) => text.includes('append_to_stream'))).toHaveLength(0);
      const [one, stale, two, again, clash, ...bulk] = outcomes;
      expect(one).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0 } });
      expect(stale).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedRevisionError) });
      expect((stale as PromiseRejectedResult).reason).toMatchObject({ actual: 0 });
      expect(two).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1 } });
      expect(again).toEqual({ status: 'fulfilled', value: first });
      expect(clash).toMatchObject({ status: 'rejected', reason: expect.any(IdempotencyConflictError) });
      expect(bulk.every((o) => o.status === 'fulfilled')).toBe(true);
      expect((await store.readStream(fresh as string)).map((e) => e.type)).toEqual(['One', 'Two']);
      expect(await store.streamRevision(taken as string)).toBe(0);
      expect((await store.readAll()).events).toHaveLength(2 + 1 + 2 + 15);
      await store.close();
    });

    it('isolates an append whose payload the database refuses outright, even inside a batch', async () => {
      const store = await PostgresEventStore.open(pool, { schema });
      const outcomes = await Promise.allSettled([
        store.appendToStream(aStream(), [anEvent('Fine')]),
        store.appendToStream(aStream(), [anEvent('Broken', { text: 'nul \u0000 inside' })]),
        store.appendToStream(aStream(), [anEvent('Fine')]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: '22P05' });
      expect((await store.readAll()).events.map((e) => e.type)).toEqual(['Fine', 'Fine']);
      await store.close();
    });

    it('migrates idempotently, even from several processes at once', async () => {
      const store = new PostgresEventStore(pool, { schema });
      await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
      await store.migrate();
      await store.appendToStream(aStream(), [anEvent()]);
      expect((await store.readAll()).events).toHaveLength(1);
      await store.close();
    });
  });
});
