import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain, type RecordedEvent } from '@crm/shared/event-sourcing';
import { aStream, anEvent, someEvents, waitUntil } from '@crm/shared/testing';
import { AllQueries } from './all-query';
import { PAGE_CACHE_KIB, SCHEMA_VERSION } from './schema';
import { prepareStatements } from './statements';
import { openSqliteEventStore, SqliteEventStore, type OpenSqliteEventStoreOptions } from './sqlite-event-store';
import { appendFromAnotherProcess } from './test-support';

describe('SqliteEventStore on its file', () => {
  let dir: string;
  let file: string;
  const opened: SqliteEventStore[] = [];
  const open = (options: Omit<OpenSqliteEventStoreOptions, 'file'> = {}): SqliteEventStore => {
    const store = openSqliteEventStore({ file, ...options });
    opened.push(store);
    return store;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-sqlite-es-'));
    file = join(dir, 'events.db');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a durable WAL file with a versioned schema, idempotently', () => {
    const { db } = open();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    // A short probe: the group commit waits out a longer hold on timers (group-commit.int.spec).
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    expect(open({ synchronous: 'NORMAL' }).db.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('keeps a large page cache for appends unless the connection asks for another (a rebuild scanning the log)', () => {
    expect(open().db.pragma('cache_size', { simple: true })).toBe(-PAGE_CACHE_KIB);
    expect(open({ pageCacheKib: 16_384 }).db.pragma('cache_size', { simple: true })).toBe(-16_384);
  });

  it('refuses a file from a newer schema and leaves no connection open', () => {
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => open()).toThrow(new RegExp(`schema version ${SCHEMA_VERSION + 1}`));
  });

  it('keeps every event across close and reopen, chains intact', async () => {
    const first = open();
    const streams = [aStream('lead'), aStream('complaint'), aStream('lead')];
    for (const streamId of streams) await first.appendToStream(streamId, someEvents(50));
    await first.writeSnapshot({ streamId: streams[0] as string, tenantId: 'default', revision: 49, version: 1, state: { name: 'مریم' } });
    const written = (await first.readAll()).events;
    const queued = first.appendToStream(streams[1] as string, [anEvent('QueuedAtClose')]);
    await first.close();
    await expect(queued).resolves.toMatchObject({ nextExpectedRevision: 50 });

    const again = open();
    const read = (await again.readAll()).events;
    expect(read.slice(0, written.length)).toEqual(written);
    expect(read[read.length - 1]?.type).toBe('QueuedAtClose');
    for (const streamId of streams) expect(verifyChain(await again.readStream(streamId)).ok).toBe(true);
    expect(await again.readSnapshot(streams[0] as string)).toMatchObject({ revision: 49, state: { name: 'مریم' } });
    expect(await again.headPosition()).toBe('151');
  });

  it('shows a subscriber on another connection what this one appends, by polling', async () => {
    const writer = open();
    const reader = open({ pollIntervalMs: 20 });
    const seen: RecordedEvent[] = [];
    const subscription = reader.subscribeToAll((events) => void seen.push(...events));
    await subscription.caughtUp;
    await writer.appendToStream(aStream(), someEvents(3, 'Elsewhere'));
    await waitUntil(() => seen.length === 3, 'events from the other connection');
    await subscription.stop();
    expect(seen.map((e) => e.type)).toEqual(['Elsewhere', 'Elsewhere', 'Elsewhere']);
  });

  it('serialises with a writer in another process into one gap-free chain, seen live by a subscriber', async () => {
    const store = open({ pollIntervalMs: 20 });
    const streamId = aStream('shared');
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll((events) => void seen.push(...events), { filter: { eventTypes: ['FromChild'] } });
    let childRunning = true;
    const child = appendFromAnotherProcess(file, streamId, 200).finally(() => (childRunning = false));
    // Keep writing for as long as the child does, so the two really contend for the write lock.
    for (let i = 0; childRunning; i += 1) {
      await store.appendToStream(streamId, [anEvent('FromParent', { i })]);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await child;
    await waitUntil(() => seen.length === 200, "the other process's events");
    await subscription.stop();
    const read = await store.readStream(streamId);
    expect(read.map((e) => e.revision)).toEqual(read.map((_, i) => i));
    expect(verifyChain(read).ok).toBe(true);
    const types = read.map((e) => e.type);
    const interleaved = types.slice(types.indexOf('FromChild'), types.lastIndexOf('FromChild')).includes('FromParent');
    expect(interleaved).toBe(true);
  }, 30_000);

  it('shares its connection: a read model commits in its own transaction, and close leaves the connection open', async () => {
    const db = new Database(file);
    const store = new SqliteEventStore(db);
    const { position } = await store.appendToStream(aStream(), [anEvent()]);
    db.exec('CREATE TABLE read_model (id TEXT PRIMARY KEY, doc TEXT); CREATE TABLE checkpoints (name TEXT PRIMARY KEY, position TEXT)');
    db.transaction(() => {
      db.prepare('INSERT INTO read_model VALUES (?, ?)').run('x', '{}');
      db.prepare('INSERT INTO checkpoints VALUES (?, ?)').run('model', position);
    }).immediate();
    await store.close();
    expect(db.open).toBe(true);
    expect(db.prepare('SELECT position FROM checkpoints').pluck().get()).toBe(position);
    db.close();
    await expect(store.readAll()).rejects.toThrow(/closed/);
  });

  it('stops its subscriptions when closed', async () => {
    const store = open();
    const subscription = store.subscribeToAll(() => undefined);
    await subscription.caughtUp;
    await store.close();
    await expect(subscription.done).resolves.toBeUndefined();
  });

  it('indexes only what every append needs: rowid, stream revision and event id', () => {
    const { db } = open();
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name").pluck().all();
    expect(indexes).toEqual(['sqlite_autoindex_events_1', 'sqlite_autoindex_events_2']);
  });

  it("binds every read's LIMIT as `+?`, so SQLite does not prepare the statement again at each run", async () => {
    const store = open();
    const sources = [
      ...Object.values(prepareStatements(store.db)).map((statement) => statement.source),
      ...[undefined, { categories: ['lead'] }, { eventTypes: ['A'], tenantId: 'acme' }].map(
        (filter) => new AllQueries(store.db).build(0, 100, filter).statement.source,
      ),
    ];
    const limited = sources.filter((source) => /\bLIMIT\b/.test(source));
    expect(limited.length).toBeGreaterThanOrEqual(5); // stream forwards and backwards, the three $all shapes
    // A plain `LIMIT ?` is planned for the value bound (SQLite 3.47+), so every new binding expires the statement.
    for (const source of limited) expect(source).not.toMatch(/LIMIT \?/);
    // The plus changes nothing read: limits are honoured, -1 is none.
    await store.appendToStream('s-1', someEvents(3), { expectedRevision: 'no_stream' });
    expect(await store.readStream('s-1', { maxCount: 2 })).toHaveLength(2);
    expect(await store.readStream('s-1', { maxCount: 2, direction: 'backwards' })).toHaveLength(2);
    expect(await store.readStream('s-1')).toHaveLength(3);
    expect((await store.readAll({ maxCount: 1 })).events).toHaveLength(1);
    expect((await store.readAll({ maxCount: 0 })).events).toHaveLength(0);
  });

  it('serves filtered $all pages in position order without sorting, so a catch-up stays linear', () => {
    const { db } = open();
    const queries = new AllQueries(db);
    const plan = (filter: Parameters<AllQueries['build']>[2]) => {
      const { statement, params } = queries.build(0, 100, filter);
      return db
        .prepare(`EXPLAIN QUERY PLAN ${statement.source}`)
        .all(...params)
        .map((row) => (row as { detail: string }).detail)
        .join(' | ');
    };
    for (const filter of [
      undefined,
      { categories: ['lead'], tenantId: 'acme' },
      { categories: ['lead'], eventTypes: ['LeadQualified'] },
      { eventTypes: ['A', 'B'] },
      { categories: ['a', 'b'], eventTypes: [] },
      { tenantId: 'acme' },
      { eventTypes: ['A'] },
      { eventTypes: ['A'], categories: ['a'] },
    ]) {
      expect(plan(filter)).not.toMatch(/TEMP B-TREE/);
      // An empty list matches nothing, and the planner knows it: no scan at all.
      const empty = filter?.eventTypes?.length === 0 || filter?.categories?.length === 0;
      if (!empty) expect(plan(filter)).toMatch(/USING INTEGER PRIMARY KEY \(rowid>\?\)/);
    }
  });
});
