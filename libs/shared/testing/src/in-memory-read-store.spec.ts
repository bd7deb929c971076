import { InMemoryReadStore } from '@crm/shared/read-model';
import { describeReadStoreContract } from './read-store-contract';

// The reference adapter lives in the kernel next to InMemoryEventStore; its contract runs here, beside the suite.
describe('InMemoryReadStore', () => {
  describeReadStoreContract({ create: async () => new InMemoryReadStore() });
});
