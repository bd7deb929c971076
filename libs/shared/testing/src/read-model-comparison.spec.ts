import { InMemoryReadStore } from '@crm/shared/read-model';
import { diffReadModels, snapshotReadModels } from './read-model-comparison';

async function storeWith(docs: Record<string, [object, string]>): Promise<InMemoryReadStore> {
  const store = new InMemoryReadStore();
  await store.transaction((tx) => {
    for (const [id, [doc, position]] of Object.entries(docs)) tx.put('rows_v1_1', id, doc, position);
  });
  return store;
}

describe('read-model snapshots', () => {
  const collections = new Map([['rows', 'rows_v1_1']]);

  it('finds two builds identical whatever the key order of their documents', async () => {
    const a = await snapshotReadModels(await storeWith({ x: [{ n: 1, s: 'a' }, '3'], y: [{ n: 2 }, '5'] }), collections);
    const b = await snapshotReadModels(await storeWith({ y: [{ n: 2 }, '5'], x: [{ s: 'a', n: 1 }, '3'] }), collections);
    expect(diffReadModels(a, b)).toEqual([]);
  });

  it('names the projection and document that differ, in content, position or presence', async () => {
    const a = await snapshotReadModels(await storeWith({ x: [{ n: 1 }, '3'], y: [{ n: 2 }, '5'] }), collections);
    const b = await snapshotReadModels(await storeWith({ x: [{ n: 1 }, '4'] }), collections);
    expect(diffReadModels(a, b)).toEqual([
      'rows: 2 documents expected, 1 found',
      'rows/x: expected {"doc":{"n":1},"position":"3"}, found {"doc":{"n":1},"position":"4"}',
      'rows/y: expected {"doc":{"n":2},"position":"5"}, found nothing',
    ]);
    expect(diffReadModels(a, new Map())).toEqual(['rows: missing projection']);
  });
});
