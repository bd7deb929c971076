import { describeEventStoreContract, sealedHarness, type EventStoreHarness } from '@crm/shared/testing';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { FakeKurrentServer } from './testing/fake-kurrent-client';

/**
 * The whole contract suite against the adapter on an in-process fake of the
 * server (testing/fake-kurrent-client.ts): the adapter's own logic, here and
 * on every run. It does not replace the same suite against a real node
 * (eventstoredb-event-store.int.spec.ts, EVENTSTORE_URL), which CI runs.
 */
describe.each([
  ['KurrentDB 25.1+ (atomic multi-stream appends)', true],
  ['EventStoreDB 24.x (no multi-stream appends)', false],
])('EventStoreDbEventStore on a fake %s', (_title, multiStreamAppend) => {
  const servers = new WeakMap<EventStoreDbEventStore, FakeKurrentServer>();
  const harness: EventStoreHarness = {
    async create() {
      const server = new FakeKurrentServer({ multiStreamAppend });
      const store = new EventStoreDbEventStore(server.client(), { subscriptionProbeMs: 50, retryDelayMs: 1 });
      servers.set(store, server);
      return store;
    },
    async connectAgain(store) {
      const server = servers.get(store as EventStoreDbEventStore) as FakeKurrentServer;
      return new EventStoreDbEventStore(server.client(), { subscriptionProbeMs: 50, retryDelayMs: 1 });
    },
    multiStreamAppends: multiStreamAppend ? 'atomic' : 'checked-up-front',
  };
  describeEventStoreContract(harness);
  describe('behind the personal-data layer (sealed fields)', () => describeEventStoreContract(sealedHarness(harness)));
});
