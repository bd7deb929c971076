import { DOCUMENT_ID, keysetIndexes, readBatch, type BatchRead, type FindQuery, type Where } from '@crm/shared/read-model';
import type { ReadStoreContractContext } from './read-store-contract';

/** Chosen so every rule of the filter language has a document on each side of it. */
const people: Readonly<Record<string, object>> = {
  p1: { name: 'علی رضایی', age: 30, tier: 'gold', active: true, address: { city: 'تهران', zip: '11' }, since: '2024-01-05', score: 1.5 },
  p2: { name: 'Zahra', age: 25, tier: 'silver', active: false, address: { city: 'Shiraz' }, since: '2023-06-30', score: 10 },
  p3: { name: 'مریم', age: 41, tier: 'gold', active: true, address: { city: 'تهران' }, since: '2025-02-01', note: null },
  p4: { name: 'Bob', tier: 'bronze', active: true, address: { city: 'Tabriz', zip: '51' }, since: '2024-12-31', score: 3 },
  p5: { name: 'Sara', age: 30, active: false, address: { city: 'Shiraz' }, since: '2024-07-01', score: '7' },
};

export function describeReadStoreQueryContract({ store }: ReadStoreContractContext): void {
  const seed = () =>
    store().transaction((tx) => {
      for (const [id, doc] of Object.entries(people)) tx.put('people', id, doc, id.slice(1));
      tx.put('other', 'p9', { tier: 'gold' });
    });
  const ids = async (query: FindQuery) => (await store().find('people', query)).map((record) => record.id);
  const where = async (filter: Where) => (await ids({ where: filter })).sort();

  describe('find: filters', () => {
    beforeEach(seed);

    it('matches equality on top-level and nested fields, strictly by type', async () => {
      expect(await where({ 'address.city': 'تهران' })).toEqual(['p1', 'p3']);
      expect(await where({ age: 30 })).toEqual(['p1', 'p5']);
      expect(await where({ active: true })).toEqual(['p1', 'p3', 'p4']);
      expect(await where({ active: { eq: false } })).toEqual(['p2', 'p5']);
      expect(await where({ score: 1.5 })).toEqual(['p1']);
      expect(await where({ score: 7 })).toEqual([]);
      expect(await where({ score: '7' })).toEqual(['p5']);
      expect(await where({ age: 1 })).toEqual([]);
      expect(await where({ active: 1 })).toEqual([]);
      expect(await where({ address: 'تهران' })).toEqual([]);
    });

    it('treats a missing field and null alike', async () => {
      expect(await where({ age: null })).toEqual(['p4']);
      expect(await where({ age: { exists: false } })).toEqual(['p4']);
      expect(await where({ note: { exists: false } })).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
      expect(await where({ 'address.zip': { exists: true } })).toEqual(['p1', 'p4']);
      expect(await where({ tier: { ne: null } })).toEqual(['p1', 'p2', 'p3', 'p4']);
    });

    it('lets ne match documents without the field', async () => {
      expect(await where({ tier: { ne: 'gold' } })).toEqual(['p2', 'p4', 'p5']);
      expect(await where({ active: { ne: true } })).toEqual(['p2', 'p5']);
    });

    it('compares ranges of numbers and of ISO date strings, each only with its own type', async () => {
      expect(await where({ age: { gte: 30, lt: 41 } })).toEqual(['p1', 'p5']);
      expect(await where({ age: { gt: 30 } })).toEqual(['p3']);
      expect(await where({ age: { lte: 25 } })).toEqual(['p2']);
      expect(await where({ since: { gte: '2024-01-01', lt: '2025-01-01' } })).toEqual(['p1', 'p4', 'p5']);
      expect(await where({ score: { gt: 2 } })).toEqual(['p2', 'p4']);
      expect(await where({ score: { gte: '0' } })).toEqual(['p5']);
    });

    it('matches in-lists and ANDs conditions across fields', async () => {
      expect(await where({ tier: { in: ['gold', 'bronze'] } })).toEqual(['p1', 'p3', 'p4']);
      expect(await where({ age: { in: [25, 41] } })).toEqual(['p2', 'p3']);
      expect(await where({ tier: { in: [] } })).toEqual([]);
      expect(await where({ active: { in: [1, 0] } })).toEqual([]);
      expect(await where({ tier: 'gold', age: { gt: 35 } })).toEqual(['p3']);
      expect(await where({ 'address.city': 'Shiraz', active: false, age: { exists: true } })).toEqual(['p2', 'p5']);
    });
  });

  describe('find: order and pages', () => {
    beforeEach(seed);

    it('sorts ascending with absent values first and breaks ties on the id', async () => {
      expect(await ids({ orderBy: [{ field: 'age' }] })).toEqual(['p4', 'p2', 'p1', 'p5', 'p3']);
    });

    it('sorts descending with absent values last, ties on the id descending (the ascending order reversed)', async () => {
      expect(await ids({ orderBy: [{ field: 'age', direction: 'desc' }] })).toEqual(['p3', 'p5', 'p1', 'p2', 'p4']);
      expect(await ids({ orderBy: [{ field: 'age', direction: 'desc' }] })).toEqual((await ids({ orderBy: [{ field: 'age' }] })).reverse());
    });

    it('sorts on several keys, nested fields and Persian text in code-point order', async () => {
      expect(await ids({ orderBy: [{ field: 'tier' }, { field: 'age', direction: 'desc' }] })).toEqual(['p5', 'p4', 'p3', 'p1', 'p2']);
      expect(await ids({ orderBy: [{ field: 'address.city', direction: 'desc' }, { field: 'since' }] })).toEqual([
        'p1',
        'p3',
        'p4',
        'p2',
        'p5',
      ]);
      expect(await ids({ orderBy: [{ field: 'name' }] })).toEqual(['p4', 'p5', 'p2', 'p1', 'p3']);
    });

    it('pages with limit and offset after filtering and sorting', async () => {
      const byName = [{ field: 'name' }] as const;
      expect(await ids({ orderBy: byName, limit: 2, offset: 1 })).toEqual(['p5', 'p2']);
      expect(await ids({ orderBy: byName, offset: 4 })).toEqual(['p3']);
      expect(await ids({ orderBy: byName, offset: 9 })).toEqual([]);
      expect(await ids({ orderBy: byName, limit: 0 })).toEqual([]);
      expect(await ids({ where: { active: true }, orderBy: byName, limit: 2 })).toEqual(['p4', 'p1']);
      expect(await ids({})).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
      await expect(store().find('people', { limit: -1 })).rejects.toMatchObject({ code: 'READ_STORE.INVALID_QUERY' });
    });
  });

  describe('find: keyset pages (after)', () => {
    // Ties, absent values and Persian text: every page boundary a keyset can fall on.
    const deals: Readonly<Record<string, object>> = {
      d1: { amount: 500, name: 'مریم', on: '2025-03-01' },
      d2: { amount: 100, name: 'Ali', on: '2025-01-10' },
      d3: { amount: 500, name: 'Bob', on: '2025-03-01' },
      d4: { name: 'علی', on: '2025-02-11' },
      d5: { amount: 250, on: '2025-01-10' },
      d6: { amount: 500, name: 'Ali', on: '2025-05-20' },
      d7: { amount: 40.5, name: 'Zed', on: '2024-12-31' },
      d8: { name: 'Sara' },
    };
    const seedDeals = () =>
      store().transaction((tx) => {
        for (const [id, doc] of Object.entries(deals)) tx.put('deals', id, doc);
        tx.put('other', 'd0', { amount: 1 });
      });
    beforeEach(seedDeals);

    const valueOf = (doc: object, field: string): string | number | null => {
      const value = (doc as Record<string, unknown>)[field];
      return typeof value === 'string' || typeof value === 'number' ? value : null;
    };

    /** Every page of `size` after the last, until an empty one. */
    async function walk(query: FindQuery, size: number): Promise<string[]> {
      const seen: string[] = [];
      let after: FindQuery['after'];
      for (let guard = 0; guard < 20; guard += 1) {
        const page = await store().find('deals', { ...query, limit: size, ...(after ? { after } : {}) });
        if (page.length === 0) return seen;
        seen.push(...page.map((record) => record.id));
        const last = page[page.length - 1] as { id: string; doc: object };
        const field = query.orderBy?.[0]?.field;
        after = { values: field === undefined ? [] : [valueOf(last.doc, field)], id: last.id };
      }
      throw new Error('keyset pages never ended');
    }

    it.each([
      ['amount', 'asc'],
      ['amount', 'desc'],
      ['name', 'asc'],
      ['name', 'desc'],
      ['on', 'asc'],
      ['on', 'desc'],
    ] as const)('walks %s %s page by page in exactly the order of one sorted find', async (field, direction) => {
      const query: FindQuery = { orderBy: [{ field, direction }] };
      const whole = (await store().find('deals', query)).map((record) => record.id);
      expect(whole).toHaveLength(8);
      for (const size of [1, 2, 3, 8]) expect(await walk(query, size)).toEqual(whole);
    });

    it('pages by id alone without a sort key, and keeps to the filter', async () => {
      expect(await walk({}, 3)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8']);
      expect(await walk({ where: { amount: { gte: 250 } }, orderBy: [{ field: 'amount', direction: 'desc' }] }, 2)).toEqual([
        'd6',
        'd3',
        'd1',
        'd5',
      ]);
    });

    it('starts after a keyset given directly, ties broken on the id in the order of the sort', async () => {
      const after = { values: [500], id: 'd3' };
      expect((await store().find('deals', { orderBy: [{ field: 'amount', direction: 'desc' }], after })).map((r) => r.id)).toEqual([
        'd1',
        'd5',
        'd2',
        'd7',
        'd8',
        'd4',
      ]);
      expect(
        (await store().find('deals', { orderBy: [{ field: 'amount', direction: 'desc' }], after: { values: [null], id: 'd8' } })).map(
          (r) => r.id,
        ),
      ).toEqual(['d4']);
      expect(
        (await store().find('deals', { orderBy: [{ field: 'amount' }], after: { values: [null], id: 'd4' } })).map((r) => r.id),
      ).toEqual(['d8', 'd7', 'd2', 'd5', 'd1', 'd3', 'd6']);
    });

    it('refuses a keyset that does not fit the order', async () => {
      const refused = { code: 'READ_STORE.INVALID_QUERY' };
      await expect(store().find('deals', { orderBy: [{ field: 'amount' }], after: { values: [], id: 'd1' } })).rejects.toMatchObject(
        refused,
      );
      await expect(
        store().find('deals', { orderBy: [{ field: 'amount' }, { field: 'name' }], after: { values: [1, 'a'], id: 'd1' } }),
      ).rejects.toMatchObject(refused);
      await expect(
        store().find('deals', { orderBy: [{ field: 'amount' }], after: { values: [true as unknown as number], id: 'd1' } }),
      ).rejects.toMatchObject(refused);
    });
  });

  describe('count and aggregate', () => {
    beforeEach(seed);

    it('counts matching documents of one collection', async () => {
      expect(await store().count('people')).toBe(5);
      expect(await store().count('people', { tier: 'gold' })).toBe(2);
      expect(await store().count('nothing-here')).toBe(0);
    });

    it('groups with counts and sums, ignoring absent and non-numeric values, in group order', async () => {
      const rows = await store().aggregate('people', { groupBy: 'tier', sum: ['age', 'score'], count: true });
      expect(rows).toEqual([
        { group: { tier: null }, count: 1, sums: { age: 30, score: 0 } },
        { group: { tier: 'bronze' }, count: 1, sums: { age: 0, score: 3 } },
        { group: { tier: 'gold' }, count: 2, sums: { age: 71, score: 1.5 } },
        { group: { tier: 'silver' }, count: 1, sums: { age: 25, score: 10 } },
      ]);
    });

    it('groups by several fields, keeping booleans booleans', async () => {
      const rows = await store().aggregate('people', { groupBy: ['address.city', 'active'], sum: ['age'] });
      expect(rows).toEqual([
        { group: { 'address.city': 'Shiraz', active: false }, count: 2, sums: { age: 55 } },
        { group: { 'address.city': 'Tabriz', active: true }, count: 1, sums: { age: 0 } },
        { group: { 'address.city': 'تهران', active: true }, count: 2, sums: { age: 71 } },
      ]);
    });

    it('answers one row without groupBy, even over no documents', async () => {
      expect(await store().aggregate('people', { where: { active: true }, sum: ['age'] })).toEqual([
        { group: {}, count: 3, sums: { age: 71 } },
      ]);
      expect(await store().aggregate('empty', { sum: ['age'] })).toEqual([{ group: {}, count: 0, sums: { age: 0 } }]);
      expect(await store().aggregate('empty', { groupBy: 'tier' })).toEqual([]);
    });
  });

  describe('indexes', () => {
    it('accepts index hints repeatedly and still answers the same', async () => {
      await seed();
      await store().ensureIndex('people', ['tier', 'age']);
      await store().ensureIndex('people', ['tier', 'age']);
      await store().ensureIndex('people', ['address.city']);
      expect(await where({ tier: 'gold', age: { gte: 30 } })).toEqual(['p1', 'p3']);
    });

    it('takes keyset indexes (the field, the document id last) and pages ties through them in either direction', async () => {
      // Many documents per value: a page falls inside a tie, and the next starts after its last id.
      await store().transaction((tx) => {
        for (let n = 1; n <= 12; n += 1) tx.put('tied', `k${String((n * 5) % 13).padStart(2, '0')}`, { tenantId: 't', p: (n % 3) * 10 });
        tx.put('tied', 'k99', { tenantId: 'other', p: 10 });
      });
      for (const fields of keysetIndexes(['tenantId'], 'p')) {
        await store().ensureIndex('tied', fields);
        await store().ensureIndex('tied', fields);
      }
      const walk = async (direction: 'asc' | 'desc') => {
        const seen: string[] = [];
        let after: FindQuery['after'];
        for (let guard = 0; guard < 10; guard += 1) {
          const page = await store().find<{ p: number }>('tied', {
            where: { tenantId: 't' },
            orderBy: [{ field: 'p', direction }],
            limit: 5,
            ...(after ? { after } : {}),
          });
          if (page.length === 0) return seen;
          seen.push(...page.map((record) => record.id));
          const last = page.at(-1) as { id: string; doc: { p: number } };
          after = { values: [last.doc.p], id: last.id };
        }
        throw new Error('keyset pages never ended');
      };
      const byValue = { 0: ['k02', 'k04', 'k06', 'k08'], 10: ['k05', 'k07', 'k09', 'k11'], 20: ['k01', 'k03', 'k10', 'k12'] };
      // Ties on the id in the sort's direction: descending is ascending reversed.
      expect(await walk('asc')).toEqual([...byValue[0], ...byValue[10], ...byValue[20]]);
      expect(await walk('desc')).toEqual([...byValue[0], ...byValue[10], ...byValue[20]].reverse());
      // A field may still be declared descending in an index.
      await store().ensureIndex('tied', ['tenantId', 'p desc', DOCUMENT_ID]);
      expect(await walk('desc')).toEqual([...byValue[0], ...byValue[10], ...byValue[20]].reverse());
      await expect(store().ensureIndex('tied', [DOCUMENT_ID, 'p'])).rejects.toMatchObject({ code: 'READ_STORE.INVALID_QUERY' });
      await expect(store().ensureIndex('tied', ['p desc desc'])).rejects.toMatchObject({ code: 'READ_STORE.INVALID_QUERY' });
    });

    it('finds what changed after a position: an equality and a string range on an index, in its order, a page at most', async () => {
      // As the loyalty views ask (`updatePopulation`): a tenant's documents stamped after a sortable position.
      const stamp = (n: number) => String(n).padStart(20, '0');
      await store().ensureIndex('stamped', ['tenantId', 'lastPosition']);
      await store().transaction((tx) => {
        for (let n = 1; n <= 12; n += 1)
          tx.put('stamped', `d${(n * 7) % 13}`, { tenantId: n % 3 === 0 ? 'other' : 't', lastPosition: stamp(n) });
        tx.put('stamped', 'unstamped', { tenantId: 't' });
      });
      const changed = async (after: number, limit: number) =>
        (
          await store().find<{ lastPosition: string }>('stamped', {
            where: { tenantId: 't', lastPosition: { gt: stamp(after) } },
            orderBy: [{ field: 'lastPosition' }],
            limit,
          })
        ).map((record) => record.doc.lastPosition);
      expect(await changed(4, 10)).toEqual([5, 7, 8, 10, 11].map(stamp));
      expect(await changed(4, 3)).toEqual([5, 7, 8].map(stamp));
      expect(await changed(11, 10)).toEqual([]);
    });
  });

  describe('readBatch (readMany where the adapter has it)', () => {
    beforeEach(seed);

    it('answers each read as get and find do, in the order given, each find in its own order and page', async () => {
      const finds: FindQuery[] = [
        { where: { tier: 'gold' } },
        { where: { age: { in: [25, 41] } }, orderBy: [{ field: 'age', direction: 'desc' }] },
        { orderBy: [{ field: 'since', direction: 'desc' }], limit: 2, offset: 1 },
        { where: { tier: { ne: 'gold' } }, orderBy: [{ field: 'name' }], after: { values: ['Bob'], id: 'p4' } },
        { where: { tier: 'platinum' } },
      ];
      const reads: BatchRead[] = [
        { collection: 'people', id: 'p3' },
        ...finds.map((find) => ({ collection: 'people', find })),
        { collection: 'people', id: 'missing' },
        { collection: 'other', find: { where: { tier: 'gold' } } },
        { collection: 'other', id: 'p9' },
        { collection: 'other', id: 'p1' },
      ];
      const answers = await readBatch(store(), reads);
      const singly = await Promise.all(
        reads.map(async (read) => {
          if ('find' in read) return store().find(read.collection, read.find);
          const record = await store().get(read.collection, read.id);
          return record === undefined ? [] : [record];
        }),
      );
      expect(answers).toEqual(singly);
      // The same reads, spelled out: what `singly` must hold for the comparison to mean anything.
      expect(answers.map((records) => records.map((record) => record.id))).toEqual([
        ['p3'],
        ['p1', 'p3'],
        ['p3', 'p2'],
        ['p4', 'p5'],
        ['p5', 'p2'],
        [],
        [],
        ['p9'],
        ['p9'],
        [],
      ]);
      expect(answers[0]?.[0]).toEqual({ id: 'p3', doc: people['p3'], position: '3' });
      expect(await readBatch(store(), [])).toEqual([]);
    });
  });
}
