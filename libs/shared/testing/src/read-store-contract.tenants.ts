import type { ReadStoreContractContext } from './read-store-contract';

/**
 * Read models keep tenants apart by key (`{tenant}:{id}`, DESIGN.md
 * "Tenancy") and by a `tenantId` field every query filters on. This pins
 * down, on every adapter, that both hold: one tenant's document never
 * overwrites, deletes, answers for or counts towards another's.
 */
export function describeReadStoreTenantContract({ store }: ReadStoreContractContext): void {
  const key = (tenantId: string, id: string) => `${tenantId}:${id}`;
  const deal = (tenantId: string, stage: string, amount: number) => ({ tenantId, stage, amount });

  describe('tenant isolation', () => {
    beforeEach(() =>
      store().transaction((tx) => {
        tx.put('deals', key('acme', 'd-1'), deal('acme', 'proposal', 100), '1');
        tx.put('deals', key('acme', 'd-2'), deal('acme', 'won', 250), '2');
        tx.put('deals', key('globex', 'd-1'), deal('globex', 'proposal', 7), '3');
      }),
    );

    it('keeps the same id of two tenants as two documents: writing or deleting one leaves the other', async () => {
      await store().transaction((tx) => tx.put('deals', key('globex', 'd-1'), deal('globex', 'won', 9), '4'));
      expect((await store().get('deals', key('acme', 'd-1')))?.doc).toEqual(deal('acme', 'proposal', 100));
      await store().transaction((tx) => tx.delete('deals', key('acme', 'd-1')));
      expect(await store().get('deals', key('acme', 'd-1'))).toBeUndefined();
      expect(await store().get('deals', key('globex', 'd-1'))).toEqual({
        id: key('globex', 'd-1'),
        doc: deal('globex', 'won', 9),
        position: '4',
      });
      expect(await store().get('deals', 'd-1')).toBeUndefined();
    });

    it("finds, pages, counts and sums one tenant's documents only", async () => {
      const found = await store().find('deals', {
        where: { tenantId: 'acme' },
        orderBy: [{ field: 'amount', direction: 'desc' }],
        limit: 10,
      });
      expect(found.map((record) => record.id)).toEqual([key('acme', 'd-2'), key('acme', 'd-1')]);
      expect(await store().count('deals', { tenantId: 'globex' })).toBe(1);
      expect(await store().count('deals', { tenantId: 'initech' })).toBe(0);
      expect(await store().aggregate('deals', { where: { tenantId: 'acme' }, groupBy: 'stage', sum: ['amount'] })).toEqual([
        { group: { stage: 'proposal' }, count: 1, sums: { amount: 100 } },
        { group: { stage: 'won' }, count: 1, sums: { amount: 250 } },
      ]);
      const many = await store().getMany('deals', [key('globex', 'd-1'), key('globex', 'd-2')]);
      expect([...many.keys()]).toEqual([key('globex', 'd-1')]);
    });
  });
}
