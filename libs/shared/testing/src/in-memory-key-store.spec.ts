import { InMemoryKeyStore } from '@crm/shared/personal-data';
import { describeKeyStoreContract } from './key-store-contract';

// The key store of CRM_EVENT_STORE=memory and of the tests, held to the same contract as the stored ones.
describe('InMemoryKeyStore', () => {
  describeKeyStoreContract({ create: async () => new InMemoryKeyStore() });
});
