import { randomUUID } from 'node:crypto';
import { WrongExpectedRevisionError } from '@crm/shared/event-sourcing';
import { aStream, anEvent } from '@crm/shared/testing';
import { Pool } from 'pg';
import { PostgresEventStore } from './postgres-event-store';
import { databaseUrl, sleep, TEST_POOL_SIZE } from './test-support';

const ROUNDS = 80;
const WRITERS = 8;

/**
 * Commands append several streams at once in the order their events should read (a guard first, then the command's
 * own stream), so two of them may cross the same streams in opposite orders. Each waits for the other's insert of the
 * same stream's next revision: before, PostgreSQL found the cycle after its deadlock_timeout (1 s by default), aborted
 * one and the store tried it again; a loaded CI run saw that retry deadlock too until the retries ran out. The appends
 * now take their streams' locks in one order first. Counted in a database of the test's own, which nothing else uses.
 */
describe('PostgresEventStore: multi-stream appends crossing the same streams', () => {
  const database = `crm_crossing_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const url = new URL(databaseUrl());
  const admin = new Pool({ connectionString: databaseUrl(), max: 1 });
  beforeAll(async () => {
    await admin.query(`CREATE DATABASE "${database}"`);
    url.pathname = `/${database}`;
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  it('never deadlock: each round one writer wins, every other is refused as a wrong expected revision', async () => {
    const options = { schema: 'crossing', poolSize: TEST_POOL_SIZE, pollIntervalMs: 100 };
    const first = await PostgresEventStore.open(url.toString(), options);
    const second = new PostgresEventStore(url.toString(), options);
    const losers: unknown[] = [];
    try {
      for (let round = 0; round < ROUNDS; round += 1) {
        const streams = [aStream('lead'), aStream('account'), aStream('contact')];
        const outcomes = await Promise.allSettled(
          Array.from({ length: WRITERS }, (_, i) => {
            // Every rotation and its reverse: a → b → c, b → c → a, …, c → b → a.
            const rotated = [...streams.slice(i % 3), ...streams.slice(0, i % 3)];
            const order = i % 2 ? rotated : rotated.reverse();
            return (i % 2 ? first : second).appendToStreams(
              order.map((streamId) => ({ streamId, events: [anEvent('Raced', { i })], expectedRevision: 'no_stream' as const })),
            );
          }),
        );
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        losers.push(...outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : [])));
      }
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    expect(losers.filter((reason) => !(reason instanceof WrongExpectedRevisionError))).toEqual([]);
    expect(losers).toHaveLength(ROUNDS * (WRITERS - 1));
    // The server counts the deadlocks it broke; a backend reports its counts as it exits (the pools are closed).
    const statistics = async () =>
      (
        await admin.query<{ commits: string; deadlocks: string }>(
          'SELECT xact_commit AS commits, deadlocks FROM pg_stat_database WHERE datname = $1',
          [database],
        )
      ).rows[0];
    for (let waited = 0; Number((await statistics())?.commits ?? 0) < ROUNDS && waited < 10_000; waited += 100) await sleep(100);
    expect(Number((await statistics())?.commits)).toBeGreaterThanOrEqual(ROUNDS);
    expect(Number((await statistics())?.deadlocks)).toBe(0);
  }, 120_000);
});
