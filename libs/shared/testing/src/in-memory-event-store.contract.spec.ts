import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { describeEventStoreContract } from './event-store-contract';

describe('InMemoryEventStore', () => {
  describeEventStoreContract({
    create: async () => new InMemoryEventStore(),
    orderedAppends: true,
    tamper: async (store, streamId, revision, data) => (store as InMemoryEventStore).tamper(streamId, revision, data),
  });
});
