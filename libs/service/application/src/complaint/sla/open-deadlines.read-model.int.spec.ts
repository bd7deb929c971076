import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PostgresReadStore } from '@crm/read-store/postgres';
import { openSqliteReadStore } from '@crm/read-store/sqlite';
import { LeaseLostError, type ReadStore } from '@crm/shared/read-model';
import type { OpenDeadlines } from './open-deadlines.projection';
import { OPEN_DEADLINES_COLLECTION, ReadStoreOpenDeadlines } from './open-deadlines.read-model';

const doc = (n: number, nextDueAt?: string): OpenDeadlines => ({
  tenantId: 'default',
  streamId: `complaint-${n}`,
  complaintId: `${n}`,
  deadlines: { acknowledgeBy: nextDueAt ?? '2025-03-02T06:30:00.000Z', resolveBy: '2025-03-20T06:30:00.000Z' },
  breaches: [],
  revision: 0,
  ...(nextDueAt === undefined ? {} : { nextDueAt }),
});

interface Opened {
  readonly store: ReadStore;
  dispose(): Promise<void>;
}

const STORES: readonly [string, () => Promise<Opened>][] = [
  [
    'SQLite file',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'crm-open-deadlines-'));
      const store = openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' });
      return {
        store,
        async dispose() {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
      const schema = `open_deadlines_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const store = await PostgresReadStore.open(url, { schema, poolSize: 2 });
      return {
        store,
        async dispose() {
          await store.close();
          const admin = new Pool({ connectionString: url, max: 1 });
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        },
      };
    },
  ],
];

describe.each(STORES)('the watcher view in the read store (%s)', (_, open) => {
  let opened: Opened;
  let store: ReadStore;

  beforeEach(async () => {
    opened = await open();
    store = opened.store;
  });
  afterEach(() => opened.dispose());

  it('reads only the documents due, most overdue first, by instant whatever the spelling', async () => {
    const model = new ReadStoreOpenDeadlines(store);
    for (let n = 0; n < 1_000; n += 1) await model.put(doc(n, '2025-04-01T00:00:00.000Z'));
    await model.put(doc(1_000)); // nothing left to breach
    await model.put(doc(1_001, '2025-03-01T10:00:00+03:30')); // 06:30Z
    await model.put(doc(1_002, '2025-03-01T06:29:59.500Z'));
    await model.put(doc(1_003, '2025-03-01T06:30:00Z')); // exactly now: not past due
    await model.saveCheckpoint('watcher', '7');
    const find = jest.spyOn(store, 'find');

    const due = await new ReadStoreOpenDeadlines(store).pastDue('2025-03-01T06:30:00.001Z', 500);
    expect(due.map((d) => d.complaintId)).toEqual(['1002', '1001', '1003']);
    const asked = await (find.mock.results[0]?.value as ReturnType<ReadStore['find']>);
    expect(asked).toHaveLength(3);
    expect(await new ReadStoreOpenDeadlines(store).pastDue('2025-03-01T06:30:00.000Z', 500)).toHaveLength(1);
    expect(await store.count(OPEN_DEADLINES_COLLECTION)).toBe(1_004);
  });

  it('commits documents with the checkpoint, shows what waits for it, and refuses a former owner whole', async () => {
    const model = new ReadStoreOpenDeadlines(store);
    const owner = (await store.acquireLease('watcher', 'one', 60_000))!;
    await model.put(doc(1, '2025-03-01T00:00:00.000Z'));
    // Not committed yet, yet this process's own view has it.
    expect((await model.get('default', 'complaint-1'))?.complaintId).toBe('1');
    expect(await model.pastDue('2025-03-02T00:00:00.000Z', 10)).toHaveLength(1);
    expect(await new ReadStoreOpenDeadlines(store).get('default', 'complaint-1')).toBeUndefined();
    await model.saveCheckpoint('watcher', '1', { lease: 'watcher', epoch: owner.epoch });
    expect(await new ReadStoreOpenDeadlines(store).get('default', 'complaint-1')).toEqual(doc(1, '2025-03-01T00:00:00.000Z'));
    expect(await store.loadCheckpoint('watcher')).toBe('1');

    // Another takes the lease (the first one paused past it): the first one's next commit writes nothing.
    await store.releaseLease('watcher', 'one');
    await store.acquireLease('watcher', 'two', 60_000);
    await model.put(doc(2, '2025-03-01T00:00:00.000Z'));
    await expect(model.saveCheckpoint('watcher', '2', { lease: 'watcher', epoch: owner.epoch })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.loadCheckpoint('watcher')).toBe('1');
    expect(await store.get(OPEN_DEADLINES_COLLECTION, 'default/complaint-2')).toBeUndefined();
    // Resuming from the checkpoint drops what was never committed: those events are folded again.
    expect(await model.loadCheckpoint('watcher')).toBe('1');
    expect(await model.get('default', 'complaint-2')).toBeUndefined();
  });
});
