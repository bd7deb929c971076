import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { describeEventStoreContract } from './event-store-contract';
import { sealedHarness } from './sealed-event-store-contract';

describe('InMemoryEventStore behind the personal-data layer (sealed fields)', () => {
  describeEventStoreContract(
    sealedHarness({
      create: async () => new InMemoryEventStore(),
      orderedAppends: true,
      tamper: async (store, streamId, revision, data) => (store as InMemoryEventStore).tamper(streamId, revision, data),
    }),
  );
});
