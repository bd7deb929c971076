import { LeaseLostError } from '@crm/shared/read-model';
import type { ReadStoreContractContext } from './read-store-contract';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One writer per projection across processes: leases with epochs, and commits fenced by them. */
export function describeReadStoreLeaseContract({ store }: ReadStoreContractContext): void {
  describe('leases and fencing', () => {
    it('gives a free lease to the first asker at epoch 1, keeps it from others while live, and renews it at the same epoch', async () => {
      const first = await store().acquireLease('pipeline', 'process-a', 10_000);
      expect(first).toMatchObject({ name: 'pipeline', owner: 'process-a', epoch: 1 });
      expect(await store().acquireLease('pipeline', 'process-b', 10_000)).toBeUndefined();
      const renewed = await store().acquireLease('pipeline', 'process-a', 20_000);
      expect(renewed).toMatchObject({ owner: 'process-a', epoch: 1 });
      expect(Date.parse(renewed?.expiresAt as string)).toBeGreaterThan(Date.parse(first?.expiresAt as string));
      // Leases are per name.
      expect(await store().acquireLease('pipeline-kpis', 'process-b', 10_000)).toMatchObject({ owner: 'process-b', epoch: 1 });
      expect((await store().listLeases()).map((lease) => [lease.name, lease.owner, lease.epoch])).toEqual([
        ['pipeline', 'process-a', 1],
        ['pipeline-kpis', 'process-b', 1],
      ]);
    });

    it('hands an expired lease to another owner at the next epoch, and a released one at once', async () => {
      await store().acquireLease('kpis', 'process-a', 150);
      expect(await store().acquireLease('kpis', 'process-b', 10_000)).toBeUndefined();
      await sleep(300);
      expect(await store().acquireLease('kpis', 'process-b', 10_000)).toMatchObject({ owner: 'process-b', epoch: 2 });
      await store().releaseLease('kpis', 'process-a'); // not the owner: nothing happens
      expect(await store().acquireLease('kpis', 'process-a', 10_000)).toBeUndefined();
      await store().releaseLease('kpis', 'process-b');
      expect(await store().acquireLease('kpis', 'process-a', 10_000)).toMatchObject({ owner: 'process-a', epoch: 3 });
    });

    it('lets only one of many simultaneous askers have a free lease', async () => {
      const owners = Array.from({ length: 6 }, (_, i) => `process-${i}`);
      const results = await Promise.all(owners.map((owner) => store().acquireLease('race', owner, 10_000)));
      expect(results.filter((lease) => lease !== undefined)).toHaveLength(1);
    });

    it('commits a fenced transaction while the lease is at its epoch, and refuses one from a former owner, writing nothing', async () => {
      const mine = await store().acquireLease('audit', 'process-a', 150);
      const fence = { lease: 'audit', epoch: mine?.epoch as number };
      await store().transaction(
        (tx) => {
          tx.put('audit_v1_1', 'c-1', { n: 1 }, '5');
          tx.saveCheckpoint('audit', '5');
        },
        { fence },
      );
      expect(await store().loadCheckpoint('audit')).toBe('5');
      // Paused past its lease: another process takes over.
      await sleep(300);
      expect(await store().acquireLease('audit', 'process-b', 10_000)).toMatchObject({ epoch: 2 });
      for (const durable of [true, false]) {
        const stale = store().transaction(
          (tx) => {
            tx.put('audit_v1_1', 'c-1', { n: 2 }, '9');
            tx.put('audit_v1_1', 'c-2', { n: 1 }, '9');
            tx.delete('audit_v1_1', 'c-1');
            tx.saveCheckpoint('audit', '9');
          },
          { fence, durable },
        );
        await expect(stale).rejects.toBeInstanceOf(LeaseLostError);
      }
      expect(await store().get('audit_v1_1', 'c-1')).toMatchObject({ doc: { n: 1 }, position: '5' });
      expect(await store().get('audit_v1_1', 'c-2')).toBeUndefined();
      expect(await store().loadCheckpoint('audit')).toBe('5');
      // The new owner's fence holds.
      await store().transaction((tx) => tx.saveCheckpoint('audit', '9'), { fence: { lease: 'audit', epoch: 2 } });
      expect(await store().loadCheckpoint('audit')).toBe('9');
    });

    it('refuses a fenced commit for a lease nobody took', async () => {
      await expect(
        store().transaction((tx) => tx.saveCheckpoint('nobody', '1'), { fence: { lease: 'nobody', epoch: 1 } }),
      ).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store().loadState('nobody')).toBeUndefined();
    });
  });
}
