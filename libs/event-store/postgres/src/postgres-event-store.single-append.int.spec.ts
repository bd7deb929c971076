import { IdempotencyConflictError, verifyChain, WrongExpectedRevisionError, type AppendResult } from '@crm/shared/event-sourcing';
import { aStream, anEvent, someEvents } from '@crm/shared/testing';
import { Client } from 'pg';
import { appendParameters, prepareAppend } from './append-request';
import type { PostgresEventStore } from './postgres-event-store';
import { AdminConnection, connectAgain, databaseUrl, openTestStore, sleep, uniqueSchema } from './test-support';

/**
 * Single events travel as one plain INSERT (no stream-head row, no lock): the
 * unique (tenant, stream, revision) index decides between concurrent writers,
 * and the client turns what it refused into the port's answers.
 */
describe('PostgresEventStore: single-event appends', () => {
  const admin = new AdminConnection();
  let store: PostgresEventStore;
  beforeEach(async () => {
    store = await openTestStore({ groupCommit: false });
  });
  afterEach(async () => {
    await store.close();
    await admin.dropSchema(store.schema);
  });
  afterAll(() => admin.end());

  const rejection = (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (error: unknown) => error,
    );

  it('serialises concurrent `any` appends to one stream from several processes into one gap-free chain', async () => {
    const others = Array.from({ length: 3 }, () => connectAgain(store, { groupCommit: false }));
    try {
      const streamId = aStream();
      const writers = [store, ...others];
      const results = await Promise.all(
        writers.flatMap((writer, w) => Array.from({ length: 25 }, (_, i) => writer.appendToStream(streamId, [anEvent('Any', { w, i })]))),
      );
      expect(new Set(results.map((r) => r.nextExpectedRevision)).size).toBe(100);
      const read = await store.readStream(streamId);
      expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(verifyChain(read).ok).toBe(true);
      expect(new Set(read.map((e) => e.metadata.eventId)).size).toBe(100);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  }, 30_000);

  it('serialises concurrent `any` appends the same way when group commit batches them', async () => {
    const grouped = connectAgain(store);
    const alsoGrouped = connectAgain(store);
    try {
      const streamId = aStream();
      await Promise.all(
        [grouped, alsoGrouped, store].flatMap((writer) =>
          Array.from({ length: 20 }, async (_, i) => {
            await sleep(i % 3);
            return writer.appendToStream(streamId, [anEvent()]);
          }),
        ),
      );
      const read = await store.readStream(streamId);
      expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(verifyChain(read).ok).toBe(true);
    } finally {
      await Promise.all([grouped.close(), alsoGrouped.close()]);
    }
  }, 30_000);

  describe('behind an uncommitted append that took the next revision', () => {
    let writer: Client;
    beforeEach(async () => {
      writer = new Client({ connectionString: databaseUrl() });
      await writer.connect();
    });
    afterEach(() => writer.end());

    const appendUncommitted = async (streamId: string): Promise<void> => {
      await writer.query('BEGIN');
      const request = prepareAppend(streamId, [anEvent('Uncommitted')], undefined);
      await writer.query(`SELECT * FROM "${store.schema}".append_to_stream($1, $2, $3, $4, $5::jsonb)`, appendParameters(request));
    };
    const tracked = <T>(promise: Promise<T>) => {
      const state = { settled: false, promise };
      void promise.then(
        () => (state.settled = true),
        () => (state.settled = true),
      );
      return state;
    };

    it('waits for it; once it commits, an exact expectation fails with the actual revision and `any` lands after it', async () => {
      const other = connectAgain(store, { groupCommit: false });
      try {
        const streamId = aStream();
        await store.appendToStream(streamId, [anEvent()], { expectedRevision: 'no_stream' });
        await appendUncommitted(streamId);
        const exact = tracked(store.appendToStream(streamId, [anEvent('Exact')], { expectedRevision: 0 }));
        const any = tracked(other.appendToStream(streamId, [anEvent('Any')]));
        await sleep(200);
        expect([exact.settled, any.settled]).toEqual([false, false]);
        await writer.query('COMMIT');
        const error = await rejection(exact.promise);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        // Read after the refusal: the racing `any` append may already be in too.
        expect(error).toMatchObject({ expected: '0', actual: expect.any(Number) });
        expect([1, 2]).toContain((error as WrongExpectedRevisionError).actual);
        expect((await any.promise).nextExpectedRevision).toBe(2);
        const read = await store.readStream(streamId);
        expect(read.map((e) => e.type)).toEqual(['TestHappened', 'Uncommitted', 'Any']);
        expect(verifyChain(read).ok).toBe(true);
      } finally {
        await other.close();
      }
    });

    it('waits for it; once it rolls back, the exact expectation holds and the append lands', async () => {
      const streamId = aStream();
      await store.appendToStream(streamId, someEvents(2));
      await appendUncommitted(streamId);
      const exact = tracked(store.appendToStream(streamId, [anEvent('Exact')], { expectedRevision: 1 }));
      await sleep(200);
      expect(exact.settled).toBe(false);
      await writer.query('ROLLBACK');
      expect((await exact.promise).nextExpectedRevision).toBe(2);
      const read = await store.readStream(streamId);
      expect(read.map((e) => e.type)).toEqual(['TestHappened', 'TestHappened', 'Exact']);
      expect(verifyChain(read).ok).toBe(true);
    });

    it('lets exactly one of two creators of a new stream win; the other learns the stream exists', async () => {
      const streamId = aStream();
      await appendUncommitted(streamId);
      const late = tracked(store.appendToStream(streamId, [anEvent()], { expectedRevision: 'no_stream' }));
      await sleep(200);
      expect(late.settled).toBe(false);
      await writer.query('COMMIT');
      expect(await rejection(late.promise)).toMatchObject({ expected: 'no_stream', actual: 0 });
      expect(await store.streamRevision(streamId)).toBe(0);
    });
  });

  it('resolves a retried event as a retry, whichever way the database refused it', async () => {
    const streamId = aStream();
    const event = anEvent('Once');
    const first = await store.appendToStream(streamId, [event], { expectedRevision: 'no_stream' });
    const again = (expectedRevision?: 'no_stream' | 'any' | 'stream_exists' | number): Promise<AppendResult> =>
      store.appendToStream(streamId, [event], expectedRevision === undefined ? undefined : { expectedRevision });
    expect(await again('no_stream')).toEqual(first); // revision 0 exists: a unique violation
    await store.appendToStream(streamId, [anEvent('Next')]);
    expect(await again(0)).toEqual(first); // a stale expectation: nothing inserted
    expect(await again()).toEqual(first); // `any`: the event id is taken
    expect(await again('stream_exists')).toEqual(first);
    expect(await again(1)).toEqual(first); // the expectation holds, but the event id is taken
    expect(await store.streamRevision(streamId)).toBe(1);

    const elsewhere = aStream();
    await expect(store.appendToStream(elsewhere, [event], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    await expect(store.appendToStream(elsewhere, [event], { expectedRevision: 0 })).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(store.appendToStream(elsewhere, [event])).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await store.streamRevision(elsewhere)).toBeUndefined();
    expect((await store.readAll()).events.map((e) => e.type)).toEqual(['Once', 'Next']);
  });

  it('reports the actual revision when a single event expects the wrong one, and appends nothing', async () => {
    const streamId = aStream();
    await store.appendToStream(streamId, someEvents(3));
    const refused = async (expectedRevision: 'no_stream' | 'stream_exists' | number, stream = streamId) => {
      const error = await rejection(store.appendToStream(stream, [anEvent()], { expectedRevision }));
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      return (error as WrongExpectedRevisionError).actual;
    };
    expect(await refused('no_stream')).toBe(2);
    expect(await refused(0)).toBe(2);
    expect(await refused(7)).toBe(2);
    expect(await refused('stream_exists', aStream())).toBe('no_stream');
    expect(await refused(0, aStream())).toBe('no_stream');
    expect((await store.readAll()).events).toHaveLength(3);
    expect((await store.appendToStream(streamId, [anEvent()], { expectedRevision: 2 })).nextExpectedRevision).toBe(3);
  });

  it('numbers, chains and positions a single event exactly like the function does', async () => {
    const streamId = aStream();
    const results = [
      await store.appendToStream(streamId, [anEvent('A')], { expectedRevision: 'no_stream' }),
      await store.appendToStream(streamId, someEvents(2)),
      await store.appendToStream(streamId, [anEvent('B')], { expectedRevision: 2 }),
      await store.appendToStream(streamId, [anEvent('C')], { expectedRevision: 'stream_exists' }),
      await store.appendToStream(streamId, [anEvent('D')]),
    ];
    expect(results.map((r) => r.nextExpectedRevision)).toEqual([0, 2, 3, 4, 5]);
    const read = await store.readStream(streamId);
    expect(verifyChain(read)).toMatchObject({ ok: true, checked: 6 });
    expect([0, 2, 3, 4, 5].map((revision) => read[revision]?.position)).toEqual(results.map((r) => r.position));
  });
});

describe('PostgresEventStore migration', () => {
  const admin = new AdminConnection();
  afterAll(() => admin.end());

  it('drops the stream-head table of earlier versions; the head is now the last event', async () => {
    const schema = uniqueSchema();
    try {
      await admin.pool.query(
        `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".streams (tenant_id text, stream_id text, revision bigint, PRIMARY KEY (tenant_id, stream_id))`,
      );
      const store = await openTestStore({ schema });
      try {
        const { rows } = await admin.pool.query<{ table: string | null }>(`SELECT to_regclass($1)::text AS table`, [`"${schema}".streams`]);
        expect(rows[0]?.table).toBeNull();
        // ...and keeps autovacuum from analyzing a table too small for the head lookup's index (see migration.sql.ts).
        const options = await admin.pool.query<{ reloptions: string[] }>(`SELECT reloptions FROM pg_class WHERE oid = $1::regclass`, [
          `"${schema}".events`,
        ]);
        expect(options.rows[0]?.reloptions).toContain('autovacuum_analyze_threshold=1000');
        await store.appendToStream('x-1', [anEvent()], { expectedRevision: 'no_stream' });
        expect(await store.streamRevision('x-1')).toBe(0);
      } finally {
        await store.close();
      }
    } finally {
      await admin.dropSchema(schema);
    }
  });
});
