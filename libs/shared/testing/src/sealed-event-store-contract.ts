import { randomBytes } from 'node:crypto';
import type { EventStore, SnapshotStore } from '@crm/shared/event-sourcing';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore, type KeyStore, type PersonalFields } from '@crm/shared/personal-data';
import type { EventStoreHarness } from './event-store-contract';

/** Personal fields of the contract suite's own events: their data must round-trip through sealing untouched. */
export const CONTRACT_PERSONAL_FIELDS: PersonalFields = { A: ['name', 'note', 'nested'], TestHappened: ['i'], B: ['n'] };

/**
 * An adapter's harness with the personal-data layer around every store it
 * makes, as the API, CLI and projector open it: the contract suite then runs
 * on sealed storage. A second connection shares the first one's keys, as two
 * processes of one installation share a key store.
 */
export function sealedHarness(harness: EventStoreHarness): EventStoreHarness {
  const kek = randomBytes(32);
  const wrap = (inner: EventStore, keys: KeyStore = new InMemoryKeyStore()) =>
    new PersonalDataEventStore(inner as EventStore & SnapshotStore, new DataKeys(keys, kek), CONTRACT_PERSONAL_FIELDS);
  const inner = (store: EventStore): EventStore => (store instanceof PersonalDataEventStore ? store.inner : store);
  return {
    multiStreamAppends: harness.multiStreamAppends,
    orderedAppends: harness.orderedAppends,
    create: async () => wrap(await harness.create()),
    connectAgain: harness.connectAgain
      ? async (store) => {
          const first = store as PersonalDataEventStore;
          const again = await (harness.connectAgain as NonNullable<EventStoreHarness['connectAgain']>)(first.inner);
          // Closing the second connection must not close the shared keys.
          const shared = first.keys.store;
          const borrowed: KeyStore = {
            get: (r) => shared.get(r),
            create: (r, w) => shared.create(r, w),
            createMany: (entries) => shared.createMany(entries),
            delete: (r) => shared.delete(r),
            discard: (r) => shared.discard(r),
            has: (r) => shared.has(r),
            refsStartingWith: (prefix) => shared.refsStartingWith(prefix),
            close: async () => undefined,
          };
          return wrap(again, borrowed);
        }
      : undefined,
    tamper: harness.tamper
      ? (store, streamId, revision, data) =>
          (harness.tamper as NonNullable<EventStoreHarness['tamper']>)(inner(store), streamId, revision, data)
      : undefined,
    rewriteColumns: harness.rewriteColumns
      ? (store, streamId, change) =>
          (harness.rewriteColumns as NonNullable<EventStoreHarness['rewriteColumns']>)(inner(store), streamId, change)
      : undefined,
    dispose: async (store) => {
      if (!(store instanceof PersonalDataEventStore)) return harness.dispose ? harness.dispose(store) : store.close();
      await store.keys.store.close();
      return harness.dispose ? harness.dispose(store.inner) : store.inner.close();
    },
  };
}
