import { IdempotencyConflictError, verifyChain, WrongExpectedRevisionError, type EventToAppend } from '@crm/shared/event-sourcing';
import { aStream, anEvent, commitAfter, someEvents } from '@crm/shared/testing';
import Database from 'better-sqlite3';
import type { SqliteEventStore } from './sqlite-event-store';
import { disposeStore, storeInFreshDir } from './test-support';

/** An event that hashes fine but cannot be serialised: fails after earlier events of its append were inserted. */
function unserialisable(): EventToAppend {
  const event = anEvent('Unserialisable');
  const data = {
    ...event.data,
    toJSON: () => {
      throw new Error('cannot serialise');
    },
  };
  return { ...event, data };
}

describe('SqliteEventStore group commit', () => {
  let store: SqliteEventStore;
  beforeEach(async () => {
    store = await storeInFreshDir();
  });
  afterEach(() => disposeStore(store));

  it('commits appends issued in the same tick in one transaction', async () => {
    const before = store.stats.transactions;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.appendToStream(aStream('batch'), [anEvent('Batched', { i })])),
    );
    expect(store.stats.transactions - before).toBe(1);
    expect(new Set(results.map((r) => r.position)).size).toBe(200);
    expect((await store.readAll()).events.map((e) => e.position)).toEqual(results.map((r) => r.position));
  });

  it('gives a lone sequential append exactly one transaction', async () => {
    const streamId = aStream();
    const before = store.stats;
    for (let i = 0; i < 3; i += 1) await store.appendToStream(streamId, [anEvent()]);
    expect(store.stats).toEqual({ ...before, transactions: before.transactions + 3, operations: before.operations + 3 });
  });

  it('rolls back only the refused appends of a group and settles each promise on its own', async () => {
    const existing = aStream();
    const seed = someEvents(2);
    await store.appendToStream(existing, seed);
    const fresh = aStream();
    const before = store.stats.transactions;
    const outcomes = await Promise.allSettled([
      store.appendToStream(fresh, [anEvent('First')]),
      store.appendToStream(existing, [anEvent('Late')], { expectedRevision: 0 }),
      store.appendToStream(aStream(), [seed[0] as EventToAppend, anEvent()]),
      store.appendToStream(existing, seed),
      store.appendToStream(fresh, [anEvent('Ok'), unserialisable()]),
      store.appendToStream(existing, [anEvent('OnTime')], { expectedRevision: 1 }),
      // Sees the first append of the same group, committed or not.
      store.appendToStream(fresh, [anEvent('Second')], { expectedRevision: 0 }),
    ]);
    expect(store.stats.transactions - before).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(reasons[0]).toBeInstanceOf(WrongExpectedRevisionError);
    expect(reasons[1]).toBeInstanceOf(IdempotencyConflictError);
    expect(reasons[2]).toEqual(new Error('cannot serialise'));
    expect(outcomes[3]).toEqual({ status: 'fulfilled', value: { nextExpectedRevision: 1, position: '2' } });

    const freshEvents = await store.readStream(fresh);
    expect(freshEvents.map((e) => e.type)).toEqual(['First', 'Second']);
    expect(verifyChain(freshEvents).ok).toBe(true);
    const existingEvents = await store.readStream(existing);
    expect(existingEvents.map((e) => e.revision)).toEqual([0, 1, 2]);
    expect(verifyChain(existingEvents).ok).toBe(true);
    // Positions stay dense: the rolled-back savepoint's rows left no hole behind.
    expect((await store.readAll()).events.map((e) => e.position)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('rolls back a lone append that fails half-way', async () => {
    const streamId = aStream();
    await expect(store.appendToStream(streamId, [anEvent('Ok'), unserialisable()])).rejects.toThrow('cannot serialise');
    expect(await store.streamRevision(streamId)).toBeUndefined();
    expect(await store.headPosition()).toBeUndefined();
  });

  it('lets a snapshot written with appends ride the same transaction', async () => {
    const streamId = aStream();
    const before = store.stats.transactions;
    await Promise.all([
      store.appendToStream(streamId, someEvents(3)),
      store.writeSnapshot({ streamId, tenantId: 'default', revision: 2, version: 1, state: { n: 3 } }),
    ]);
    expect(store.stats.transactions - before).toBe(1);
    await store.writeSnapshot({ streamId, tenantId: 'default', revision: 1, version: 1, state: { n: 2 } });
    expect(await store.readSnapshot(streamId)).toMatchObject({ revision: 2, state: { n: 3 } });
    await store.writeSnapshot({ streamId, tenantId: 'default', revision: 1, version: 2, state: { v: 2 } });
    expect(await store.readSnapshot(streamId)).toMatchObject({ revision: 1, version: 2, state: { v: 2 } });
  });

  it('commits a group of deferred-sync work alone at NORMAL, a group with any synced work at FULL, and restores FULL', async () => {
    const level = () => store.db.pragma('synchronous', { simple: true });
    expect(level()).toBe(2); // FULL: the event store's durability
    const before = store.stats;
    const seen = await Promise.all([store.inWriteGroup(level, { deferSync: true }), store.inWriteGroup(level, { deferSync: true })]);
    expect(seen).toEqual([1, 1]); // NORMAL inside the commit: no sync of its own
    expect(level()).toBe(2);
    const mixed = await Promise.all([
      store.inWriteGroup(level, { deferSync: true }),
      store.appendToStream(aStream(), [anEvent()]),
      store.inWriteGroup(level),
    ]);
    expect([mixed[0], mixed[2]]).toEqual([2, 2]); // an append shares the group: it syncs, the deferred work with it
    expect(level()).toBe(2);
    expect(store.stats).toEqual({
      transactions: before.transactions + 2,
      operations: before.operations + 5,
      deferredSyncs: before.deferredSyncs + 1,
    });
  });

  it('restores FULL after a deferred-sync group that fails', async () => {
    const failing = store.inWriteGroup(
      () => {
        throw new Error('refused');
      },
      { deferSync: true },
    );
    await expect(failing).rejects.toThrow('refused');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    await store.appendToStream(aStream(), [anEvent()]);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('refuses bad input before it can join a group', async () => {
    const before = store.stats;
    await expect(store.appendToStream(aStream(), [anEvent()], { expectedRevision: -1 })).rejects.toBeInstanceOf(RangeError);
    const event = anEvent();
    await expect(store.appendToStream(aStream(), [event, event])).rejects.toThrow(/duplicate event id/);
    expect(store.stats).toEqual(before);
  });
});

describe('SqliteEventStore waiting for another connection’s write lock', () => {
  let store: SqliteEventStore;
  let other: Database.Database;
  beforeEach(async () => {
    store = await storeInFreshDir({ busyTimeoutMs: 1500 });
    other = new Database(store.db.name);
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await disposeStore(store);
  });

  /**
   * The longest pause between turns of a 5 ms interval while `work` runs: how long the event loop was held.
   * A wait in SQLite's busy handler would hold it for the whole busyTimeoutMs (1,500 ms); the bound is a third
   * of that, so a garbage collection or a starved core in a loaded two-slot run does not fail a loop that turns.
   */
  async function longestPause<T>(work: Promise<T>): Promise<{ result: T; pauseMs: number }> {
    let last = performance.now();
    let pauseMs = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      pauseMs = Math.max(pauseMs, now - last);
      last = now;
    }, 5);
    try {
      const result = await work;
      return { result, pauseMs: Math.max(pauseMs, performance.now() - last) };
    } finally {
      clearInterval(timer);
    }
  }

  it('waits on timers while another connection holds the lock, keeping the event loop turning, then commits', async () => {
    other.exec('BEGIN IMMEDIATE');
    // Released by a timer of this same event loop: a wait in SQLite's busy handler would hold it until its timeout.
    const released = commitAfter(other, 300);
    const started = performance.now();
    const appended = Promise.all([
      store.appendToStream(aStream('locked'), [anEvent('A')]),
      store.appendToStream(aStream('locked'), [anEvent('B')]),
    ]);
    const { result, pauseMs } = await longestPause(appended);
    await released;
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(result.map((r) => r.position)).toHaveLength(2);
    expect(pauseMs).toBeLessThan(500);
    expect((await store.readAll()).events.map((event) => event.type)).toEqual(['A', 'B']);
  });

  it('fails an append with SQLITE_BUSY once it has waited busyTimeoutMs, recording nothing; later appends commit', async () => {
    other.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    const { result, pauseMs } = await longestPause(
      store.appendToStream(aStream('refused'), [anEvent('Never')]).catch((error: unknown) => error),
    );
    expect(result).toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1490);
    expect(pauseMs).toBeLessThan(500);
    other.exec('COMMIT');
    expect((await store.readAll()).events).toEqual([]);
    await store.appendToStream(aStream('after'), [anEvent('After')]);
    expect((await store.readAll()).events.map((event) => event.type)).toEqual(['After']);
  });

  it('on close commits what waits for the lock once it is free, instead of leaving it unsettled', async () => {
    other.exec('BEGIN IMMEDIATE');
    const waiting = store.appendToStream(aStream('closing'), [anEvent('Last')]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    other.exec('COMMIT');
    await store.close();
    await expect(waiting).resolves.toMatchObject({ position: expect.any(String) });
  });
});
