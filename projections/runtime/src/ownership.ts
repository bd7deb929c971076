import { LeaseLostError, type ReadStore, type ReadStoreTransaction, type TransactionOptions } from '@crm/shared/read-model';

export { defaultOwner } from '@crm/shared/read-model';

/** One writer per projection across processes (see ReadStore.acquireLease). */
export interface OwnershipOptions {
  /** Who this runner is in the lease table; default host, pid, thread and a random suffix. */
  readonly owner?: string;
  /** How long a lease lasts unless renewed: a standby takes over at most this long plus one renewal round (`renewEveryMs`) after the owner dies. */
  readonly ttlMs: number;
  /** How often leases are renewed and free ones sought; default a third of the TTL. */
  readonly renewEveryMs?: number;
}

/**
 * The read store as one projection's owner sees it: every transaction is
 * fenced by the epoch of the lease this runner holds for it, so a former
 * owner that was paused past its lease cannot commit (LeaseLostError).
 */
export function fencedReadStore(store: ReadStore, lease: string, epochOf: () => number | undefined): ReadStore {
  const epoch = () => {
    const held = epochOf();
    if (held === undefined) throw new LeaseLostError(lease, 0);
    return held;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'transaction') {
        return <T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options: TransactionOptions = {}) =>
          target.transaction(work, { ...options, fence: { lease, epoch: epoch() } });
      }
      if (property === 'dropCollection') {
        // Not transactional: at least never from a runner that knows it lost the lease.
        return (collection: string) => (epoch(), target.dropCollection(collection));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
