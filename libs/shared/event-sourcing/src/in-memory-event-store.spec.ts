import { describeEventStoreContract } from '@crm/shared/testing';
import { InMemoryEventStore } from './in-memory-event-store';

describe('InMemoryEventStore', () => {
  describeEventStoreContract({
    create: async () => new InMemoryEventStore(),
    tamper: async (store, streamId, revision, data) => (store as InMemoryEventStore).tamper(streamId, revision, data),
  });
});
