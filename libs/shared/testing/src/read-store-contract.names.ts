import type { ReadStoreContractContext } from './read-store-contract';

/** Names that share a beginning stay apart, and a collection's first write can happen inside a transaction. */
export function describeReadStoreNamesContract({ store }: ReadStoreContractContext): void {
  describe('names', () => {
    it('keys states exactly, when one projection name begins another', async () => {
      const names = ['sales', 'sales.pipeline', 'sales_pipeline', 'sales-pipeline', 'salesx'];
      for (const [i, name] of names.entries()) await store().saveCheckpoint(name, String(i + 1));
      for (const [i, name] of names.entries()) expect(await store().loadCheckpoint(name)).toBe(String(i + 1));
      await store().transaction((tx) => tx.deleteState('sales'));
      expect(await store().loadState('sales')).toBeUndefined();
      expect((await store().listStates()).map((state) => state.name)).toEqual(names.slice(1).sort());
      await store().transaction((tx) => tx.saveState({ name: 'sales.pipeline', version: 7 }));
      expect(await store().loadState('salesx')).toEqual({ name: 'salesx', checkpoint: '5' });
    });

    it('keeps collections whose names begin one another apart, and drops only the one named', async () => {
      await store().transaction((tx) => {
        tx.put('kpi', '1', { v: 'kpi' });
        tx.put('kpi_v1_1', '1', { v: 'kpi_v1_1' });
        tx.put('kpi.v1', '1', { v: 'kpi.v1' });
      });
      await store().dropCollection('kpi');
      expect(await store().get('kpi', '1')).toBeUndefined();
      expect((await store().get('kpi_v1_1', '1'))?.doc).toEqual({ v: 'kpi_v1_1' });
      expect((await store().get('kpi.v1', '1'))?.doc).toEqual({ v: 'kpi.v1' });
    });

    it('writes the first documents of a new collection, and of one dropped before, in a transaction with its checkpoint', async () => {
      const collection = `fresh_v1_${Date.now()}`;
      await store().transaction((tx) => {
        tx.put(collection, 'a', { n: 1 }, '3');
        tx.saveCheckpoint('fresh', '3');
      });
      await store().dropCollection(collection);
      await store().transaction((tx) => {
        tx.put(collection, 'b', { n: 2 }, '4');
        tx.saveCheckpoint('fresh', '4');
      });
      expect((await store().find(collection)).map((record) => record.id)).toEqual(['b']);
      expect(await store().loadCheckpoint('fresh')).toBe('4');
    });
  });
}
