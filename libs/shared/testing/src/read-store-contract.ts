import type { CheckpointStore } from '@crm/shared/event-sourcing';
import type { ProjectionState, ReadStore } from '@crm/shared/read-model';
import { describeReadStoreLeaseContract } from './read-store-contract.leases';
import { describeReadStoreNamesContract } from './read-store-contract.names';
import { describeReadStoreQueryContract } from './read-store-contract.queries';
import { describeReadStoreTenantContract } from './read-store-contract.tenants';

export interface ReadStoreHarness {
  /** A fresh, empty store (own schema, file or database). */
  create(): Promise<ReadStore>;
  /** Closes the store and removes what create() made; close() alone when absent. */
  dispose?(store: ReadStore): Promise<void>;
}

export interface ReadStoreContractContext {
  store(): ReadStore;
}

const persian = {
  name: 'شرکت بازرگانی نوین‌پرداز',
  note: 'می‌خواهیم پیش‌فاکتور را ۱۴۰۳/۰۲/۱۵ بفرستیم؛ مبلغ ١٢٣ ریال',
  arabicLetters: 'كيف حالك ي',
  emoji: 'خوب 👍',
  'کلید فارسی': { nested: ['سرنخ', 1, null, true] },
};

/** One suite, every read-store adapter (STYLE.md 9): documents, queries, transactions, checkpoints. */
export function describeReadStoreContract(harness: ReadStoreHarness): void {
  let store: ReadStore;
  beforeEach(async () => {
    store = await harness.create();
  });
  afterEach(async () => {
    if (harness.dispose) await harness.dispose(store);
    else await store.close();
  });

  describe('documents', () => {
    it('puts, gets, overwrites and deletes a document with the position it was written at', async () => {
      await store.transaction((tx) => tx.put('leads', 'l-1', { name: 'Ali', stage: { code: 'new' } }, '7'));
      expect(await store.get('leads', 'l-1')).toEqual({ id: 'l-1', doc: { name: 'Ali', stage: { code: 'new' } }, position: '7' });
      await store.transaction((tx) => tx.put('leads', 'l-1', { name: 'Ali R.' }));
      expect(await store.get('leads', 'l-1')).toEqual({ id: 'l-1', doc: { name: 'Ali R.' }, position: undefined });
      await store.transaction((tx) => tx.delete('leads', 'l-1'));
      expect(await store.get('leads', 'l-1')).toBeUndefined();
      await store.transaction((tx) => tx.delete('leads', 'never-existed'));
    });

    it('round-trips Persian text, mixed digits, emoji, Persian keys and JSON values exactly', async () => {
      const doc = { ...persian, big: Number.MAX_SAFE_INTEGER, negative: -12.75, zero: 0, flag: false, empty: {}, list: [] };
      await store.transaction((tx) => tx.put('accounts', 'حساب-۱', doc, '1'));
      expect((await store.get('accounts', 'حساب-۱'))?.doc).toEqual(doc);
      expect((await store.find('accounts', { where: { name: persian.name } })).map((r) => r.id)).toEqual(['حساب-۱']);
    });

    it('gets many by id, leaving out the missing ones, and keeps collections apart', async () => {
      await store.transaction((tx) => {
        tx.put('a', '1', { v: 1 });
        tx.put('a', '2', { v: 2 });
        tx.put('b', '1', { v: 'other' });
      });
      const many = await store.getMany('a', ['2', 'missing', '1']);
      expect([...many.keys()].sort()).toEqual(['1', '2']);
      expect(many.get('2')?.doc).toEqual({ v: 2 });
      expect((await store.getMany('a', [])).size).toBe(0);
      await store.dropCollection('a');
      expect(await store.count('a')).toBe(0);
      expect((await store.get('b', '1'))?.doc).toEqual({ v: 'other' });
      await store.dropCollection('never-made');
    });

    it('hands out copies: neither the caller nor a later mutation can change what was stored', async () => {
      const doc = { tags: ['x'] };
      await store.transaction((tx) => {
        tx.put('c', '1', doc);
        doc.tags.push('mutated after put');
      });
      const read = await store.get<{ tags: string[] }>('c', '1');
      read?.doc.tags.push('mutated after get');
      expect((await store.get('c', '1'))?.doc).toEqual({ tags: ['x'] });
      // Found documents too, after counts, finds and orderings that looked at them.
      await store.transaction((tx) => tx.put('c', '2', { kind: 'k', tags: ['x'] }));
      expect(await store.count('c', { kind: 'k' })).toBe(1);
      const [found] = await store.find<{ kind: string; tags: string[] }>('c', {
        where: { kind: 'k' },
        orderBy: [{ field: 'kind', direction: 'asc' }],
      });
      if (found) found.doc.kind = 'changed by a finder';
      found?.doc.tags.push('changed by a finder');
      expect(await store.count('c', { kind: 'changed by a finder' })).toBe(0);
      expect(
        (await store.find('c', { where: { kind: 'k' }, orderBy: [{ field: 'kind', direction: 'asc' }] })).map((record) => record.doc),
      ).toEqual([{ kind: 'k', tags: ['x'] }]);
      // A write after a find is what the next find matches.
      await store.transaction((tx) => tx.put('c', '2', { kind: 'j', tags: ['y'] }));
      expect(await store.count('c', { kind: 'k' })).toBe(0);
      expect((await store.find('c', { where: { kind: 'j' } })).map((record) => record.doc)).toEqual([{ kind: 'j', tags: ['y'] }]);
    });

    it('refuses a document that is not a JSON object, and a query on a malformed field path', async () => {
      await expect(store.transaction((tx) => tx.put('c', '1', ['not', 'an', 'object']))).rejects.toThrow(TypeError);
      await expect(store.find('c', { where: { "x') OR 1=1 --": 1 } })).rejects.toMatchObject({ code: 'READ_STORE.INVALID_QUERY' });
      await expect(store.find('c', { where: { a: { between: [1, 2] } as never } })).rejects.toMatchObject({
        code: 'READ_STORE.INVALID_QUERY',
      });
      expect(await store.count('c')).toBe(0);
    });

    it('writes a large batch in one transaction', async () => {
      await store.transaction((tx) => {
        for (let i = 0; i < 1500; i += 1) tx.put('bulk', `d-${i}`, { i, even: i % 2 === 0 }, String(i + 1));
      });
      expect(await store.count('bulk')).toBe(1500);
      expect(await store.count('bulk', { even: true })).toBe(750);
    });
  });

  describe('transactions', () => {
    it('commits documents and the checkpoint together and returns the work result', async () => {
      await store.transaction((tx) => tx.put('d', 'gone', { v: 0 }));
      const result = await store.transaction(async (tx) => {
        tx.put('d', '1', { v: 1 }, '10');
        tx.delete('d', 'gone');
        tx.saveCheckpoint('pipeline', '10');
        return 'done';
      });
      expect(result).toBe('done');
      expect(await store.get('d', '1')).toMatchObject({ position: '10' });
      expect(await store.get('d', 'gone')).toBeUndefined();
      expect(await store.loadCheckpoint('pipeline')).toBe('10');
    });

    it('lets the work read its own writes and deletes before they commit', async () => {
      await store.transaction((tx) => tx.put('d', 'old', { v: 'old' }));
      await store.transaction(async (tx) => {
        tx.put('d', 'new', { v: 'new' }, '3');
        tx.delete('d', 'old');
        expect(await tx.get('d', 'new')).toEqual({ id: 'new', doc: { v: 'new' }, position: '3' });
        expect(await tx.get('d', 'old')).toBeUndefined();
        expect([...(await tx.getMany('d', ['old', 'new'])).keys()]).toEqual(['new']);
        expect(await store.get('d', 'new')).toBeUndefined();
      });
    });

    it('rolls back documents AND checkpoint when the work throws', async () => {
      await store.transaction((tx) => {
        tx.put('d', 'kept', { v: 1 }, '1');
        tx.saveCheckpoint('p', '1');
      });
      await expect(
        store.transaction(async (tx) => {
          tx.put('d', 'kept', { v: 2 }, '2');
          tx.put('d', 'new', { v: 2 }, '2');
          tx.delete('d', 'kept');
          tx.saveCheckpoint('p', '2');
          tx.saveState({ name: 'other', checkpoint: '2' });
          throw new Error('projection bug');
        }),
      ).rejects.toThrow('projection bug');
      expect(await store.get('d', 'kept')).toEqual({ id: 'kept', doc: { v: 1 }, position: '1' });
      expect(await store.get('d', 'new')).toBeUndefined();
      expect(await store.loadCheckpoint('p')).toBe('1');
      expect(await store.loadState('other')).toBeUndefined();
    });

    it('commits concurrent transactions independently', async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.transaction((tx) => tx.put('c', `d-${i}`, { i }, String(i)))));
      expect(await store.count('c')).toBe(20);
    });
  });

  describe('projection states and checkpoints', () => {
    it('serves as the event-sourcing CheckpointStore', async () => {
      const checkpoints: CheckpointStore = store;
      expect(await checkpoints.loadCheckpoint('reactor')).toBeUndefined();
      await checkpoints.saveCheckpoint('reactor', '41');
      await checkpoints.saveCheckpoint('reactor', '42');
      expect(await checkpoints.loadCheckpoint('reactor')).toBe('42');
    });

    it('saves, lists and deletes states; a checkpoint update keeps the rest of the state', async () => {
      const failed: ProjectionState = {
        name: 'pipeline',
        checkpoint: '5',
        version: 2,
        generation: 3,
        collection: 'pipeline_v2_3',
        error: {
          eventId: 'e-6',
          position: '6',
          type: 'DealWon',
          streamId: 'opportunity-1',
          message: 'مبلغ نامعتبر',
          at: '2026-01-01T00:00:00.000Z',
        },
        updatedAt: '2026-01-01T00:00:00.000Z',
      };
      await store.transaction((tx) => tx.saveState(failed));
      expect(await store.loadState('pipeline')).toEqual(failed);
      await store.saveCheckpoint('pipeline', '9');
      expect(await store.loadState('pipeline')).toEqual({ ...failed, checkpoint: '9' });
      await store.transaction((tx) => tx.saveState({ name: 'audit', version: 1 }));
      expect(await store.loadState('audit')).toEqual({ name: 'audit', version: 1 });
      expect((await store.listStates()).map((s) => s.name)).toEqual(['audit', 'pipeline']);
      await store.transaction((tx) => tx.deleteState('pipeline'));
      expect(await store.loadState('pipeline')).toBeUndefined();
      expect(await store.loadCheckpoint('pipeline')).toBeUndefined();
    });
  });

  describeReadStoreQueryContract({ store: () => store });
  describeReadStoreTenantContract({ store: () => store });
  describeReadStoreNamesContract({ store: () => store });
  describeReadStoreLeaseContract({ store: () => store });
}
