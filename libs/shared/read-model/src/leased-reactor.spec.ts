import { InMemoryEventStore, type EventToAppend, type RecordedEvent, type Reactor } from '@crm/shared/event-sourcing';
import { LeaseLostError } from './errors';
import { InMemoryReadStore } from './in-memory-read-store';
import { LeasedReactor, type LeaseStore } from './leased-reactor';

const TTL = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string): Promise<void> {
  const giveUpAt = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

let counter = 0;
const ping = (): EventToAppend => {
  counter += 1;
  const id = `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  return {
    type: 'Pinged',
    data: { n: counter },
    metadata: {
      eventId: id,
      commandId: id,
      correlationId: id,
      causationId: id,
      actor: { id: 'tester', roles: [] },
      tenantId: 'default',
      occurredAt: '2026-01-01T08:30:00.000Z',
      schemaVersion: 1,
    },
  };
};

describe('LeasedReactor', () => {
  const running: LeasedReactor[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((reactor) => reactor.stop()));
  });

  const recorder = (seen: RecordedEvent[]): Reactor => ({
    name: 'test.recorder',
    filter: { categories: ['ping'] },
    react: async (event) => void seen.push(event),
  });

  it('stops reacting while its renewals fail past the TTL, and goes on from its checkpoint once the store answers again', async () => {
    const events = new InMemoryEventStore();
    const store = new InMemoryReadStore();
    let failing = false;
    const flaky: LeaseStore = {
      acquireLease: (name, owner, ttlMs) =>
        failing ? Promise.reject(new Error('store unreachable')) : store.acquireLease(name, owner, ttlMs),
      releaseLease: (name, owner) => store.releaseLease(name, owner),
      listLeases: () => store.listLeases(),
      loadCheckpoint: (name) => store.loadCheckpoint(name),
      transaction: (work, options) => store.transaction(work, options),
    };
    const seen: RecordedEvent[] = [];
    const ownership: boolean[] = [];
    const reactor = new LeasedReactor(events, recorder(seen), {
      leases: { store: flaky, ttlMs: TTL, renewEveryMs: 20, owner: 'one' },
      checkpointEveryMs: 0,
      restartDelayMs: 10,
      onOwnership: (held) => ownership.push(held),
    });
    running.push(reactor);
    await reactor.start();
    expect(reactor.owns).toBe(true);
    await events.appendToStream('ping-1', [ping()]);
    await until(() => seen.length === 1, 'the first reaction');

    failing = true;
    await until(() => !reactor.owns, 'the lease to lapse by the reactor clock');
    await events.appendToStream('ping-2', [ping()]);
    await sleep(TTL);
    expect(seen.map((event) => event.streamId)).toEqual(['ping-1']);

    failing = false;
    await until(() => reactor.owns && seen.length === 2, 'the reactor to take up again');
    expect(seen.map((event) => event.streamId)).toEqual(['ping-1', 'ping-2']);
    expect(ownership).toEqual([true, false, true]);
    // Nobody else took it meanwhile: the same epoch, and the checkpoint moved on under it.
    expect((await store.listLeases())[0]).toMatchObject({ owner: 'one', epoch: 1 });
  });

  it('refuses a checkpoint save once another process holds the lease', async () => {
    const events = new InMemoryEventStore();
    const store = new InMemoryReadStore();
    const seen: RecordedEvent[] = [];
    const reactor = new LeasedReactor(events, recorder(seen), { leases: { store, ttlMs: TTL, renewEveryMs: 20, owner: 'one' } });
    running.push(reactor);
    await reactor.start();
    const fence = reactor.lease?.fence();
    expect(fence).toEqual({ lease: 'test.recorder', epoch: 1 });
    await store.releaseLease('test.recorder', 'one');
    expect(await store.acquireLease('test.recorder', 'two', 60_000)).toMatchObject({ owner: 'two', epoch: 2 });
    await expect(store.transaction((tx) => tx.saveCheckpoint('test.recorder', '7'), { fence })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.loadCheckpoint('test.recorder')).toBeUndefined();
    await until(() => !reactor.owns, 'the reactor to notice');
  });
});
