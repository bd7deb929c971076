import { randomBytes } from 'node:crypto';
import { DEFAULT_TENANT, InMemoryEventStore, type EventStore, type SubscribeOptions } from '@crm/shared/event-sourcing';
import { ApiKeyRegistry } from './api-key-registry';
import { REGISTRY_SNAPSHOT_STREAM, REGISTRY_SNAPSHOT_VERSION, sealFold, type RegistryFold } from './registry-snapshot';
import { anEvent, aStream } from '@crm/shared/testing';
import { createKey, hash, keyId, revokeKey } from '../testing/key-fixtures';

const secret = randomBytes(32);

/** `count` events of another category (one stream each), as a log holds between key events. */
async function otherEvents(store: EventStore, count: number, tenantId = 'acme'): Promise<void> {
  for (let i = 0; i < count; i += 1) await store.appendToStream(aStream('note'), [anEvent('NoteTaken', { i }, { tenantId })], { tenantId });
}

/** The options of every subscription the registry opens on `store`: where each read of the log began. */
function watched(store: InMemoryEventStore): { store: InMemoryEventStore; subscriptions: (SubscribeOptions | undefined)[] } {
  const subscriptions: (SubscribeOptions | undefined)[] = [];
  const subscribe = store.subscribeToAll.bind(store);
  store.subscribeToAll = (handler, options) => {
    subscriptions.push(options);
    return subscribe(handler, options);
  };
  return { store, subscriptions };
}

async function started(store: InMemoryEventStore, withSecret: Buffer | null = secret): Promise<ApiKeyRegistry> {
  const registry = new ApiKeyRegistry(store, store, withSecret ?? undefined);
  await registry.start();
  return registry;
}

async function startedAndStopped(store: InMemoryEventStore, withSecret: Buffer | null = secret): Promise<ApiKeyRegistry> {
  const registry = await started(store, withSecret);
  await registry.onModuleDestroy();
  return registry;
}

const keptSnapshot = (store: InMemoryEventStore) => store.readSnapshot(REGISTRY_SNAPSHOT_STREAM, { tenantId: DEFAULT_TENANT });

describe('ApiKeyRegistry: the kept fold', () => {
  it('keeps its fold at the head of the log after catching up, though the last key event is far behind it', async () => {
    const store = new InMemoryEventStore();
    await createKey(store, 1, 'acme');
    await otherEvents(store, 30);
    const registry = await startedAndStopped(store);
    expect(registry.keptCheckpoint).toBe(await store.headPosition());
    // One key event folded: the snapshot's revision counts them, so of two writers the store keeps the newer.
    expect(await keptSnapshot(store)).toMatchObject({ revision: 1, version: REGISTRY_SNAPSHOT_VERSION });
  });

  it('keeps on stop the key events the feed had not brought yet: a key made just before the stop is in the fold', async () => {
    const store = new InMemoryEventStore();
    // A feed that is late: the batches it delivers meanwhile do not reach the registry before the stop.
    let late = false;
    const subscribe = store.subscribeToAll.bind(store);
    store.subscribeToAll = (handler, options) =>
      subscribe((events, checkpoint) => (late ? undefined : handler(events, checkpoint)), options);
    await createKey(store, 1, 'acme');
    const registry = await started(store);
    late = true;
    await createKey(store, 2, 'globex');
    await revokeKey(store, 1, 'acme');
    await registry.onModuleDestroy();
    late = false;
    expect(registry.keptCheckpoint).toBe(await store.headPosition());
    expect(await keptSnapshot(store)).toMatchObject({ revision: 3 });
    // What a start then restores from the fold alone, reading nothing after it.
    const next = await started(store);
    try {
      expect(next.resumedFrom).toBe(await store.headPosition());
      expect(next.findByHash(hash(1))).toMatchObject({ keyId: keyId(1), revoked: true });
      expect(next.findByHash(hash(2))).toMatchObject({ keyId: keyId(2), tenantId: 'globex', revoked: false });
    } finally {
      await next.onModuleDestroy();
    }
  });

  it('starts from the kept checkpoint and still sees what came after it: new keys, revocations, other tenants', async () => {
    const { store, subscriptions } = watched(new InMemoryEventStore());
    await createKey(store, 1, 'acme');
    await createKey(store, 2, 'globex');
    await otherEvents(store, 20);
    const first = await startedAndStopped(store);
    await revokeKey(store, 1, 'acme');
    await createKey(store, 3, 'globex');
    await otherEvents(store, 5);

    const second = await started(store);
    try {
      expect(subscriptions.map((options) => options?.after)).toEqual([undefined, first.keptCheckpoint]);
      expect(second.resumedFrom).toBe(first.keptCheckpoint);
      expect(second.findByHash(hash(1))).toMatchObject({ keyId: keyId(1), tenantId: 'acme', revoked: true });
      expect(second.findByHash(hash(2))).toMatchObject({ keyId: keyId(2), tenantId: 'globex', revoked: false });
      expect(second.findByHash(hash(3))).toMatchObject({ keyId: keyId(3), revoked: false });
      expect(second.list().map((key) => [key.tenantId, key.id, key.status])).toEqual([
        ['acme', keyId(1), 'revoked'],
        ['globex', keyId(2), 'active'],
        ['globex', keyId(3), 'active'],
      ]);
      // Caught up again, it keeps the newer fold at once.
      expect(second.keptCheckpoint).toBe(await store.headPosition());
    } finally {
      await second.onModuleDestroy();
    }
  });

  it('ignores a fold someone without the secret wrote (a key no event records) and reads the whole log', async () => {
    const { store, subscriptions } = watched(new InMemoryEventStore());
    await createKey(store, 1, 'acme');
    const honest = await startedAndStopped(store);
    const forged: RegistryFold = {
      checkpoint: honest.keptCheckpoint as string,
      entries: [
        {
          tenantId: 'acme',
          revision: 0,
          state: {
            status: 'active',
            key: {
              keyId: keyId(9),
              name: 'forged',
              roles: ['admin'],
              tenantId: 'acme',
              keyHash: hash(9),
              bootstrap: false,
              createdAt: '2026-01-01T00:00:00.000Z',
            },
          },
        },
      ],
    };
    const sealed = sealFold(randomBytes(32), forged);
    await store.writeSnapshot({
      streamId: REGISTRY_SNAPSHOT_STREAM,
      tenantId: DEFAULT_TENANT,
      revision: 99,
      version: REGISTRY_SNAPSHOT_VERSION,
      state: sealed,
    });
    const afterForgery = await started(store);
    try {
      expect(afterForgery.resumedFrom).toBeUndefined();
      expect(subscriptions.at(-1)?.after).toBeUndefined();
      expect(afterForgery.findByHash(hash(9))).toBeUndefined();
      expect(afterForgery.findByHash(hash(1))).toMatchObject({ keyId: keyId(1), revoked: false });
    } finally {
      await afterForgery.onModuleDestroy();
    }

    // The right secret over an altered fold fails too: the MAC covers the fold byte for byte.
    const genuine = sealFold(secret, { checkpoint: honest.keptCheckpoint as string, entries: [] });
    const altered = { ...genuine, fold: genuine.fold.replace('"entries":[]', `"entries":${JSON.stringify(forged.entries)}`) };
    await store.writeSnapshot({
      streamId: REGISTRY_SNAPSHOT_STREAM,
      tenantId: DEFAULT_TENANT,
      revision: 100,
      version: REGISTRY_SNAPSHOT_VERSION,
      state: altered,
    });
    const afterAlteration = await startedAndStopped(store);
    expect(afterAlteration.resumedFrom).toBeUndefined();
    expect(afterAlteration.findByHash(hash(9))).toBeUndefined();
  });

  it('ignores a fold ahead of the head of the log (a store restored from an older copy), or of another version', async () => {
    const source = new InMemoryEventStore();
    await createKey(source, 1, 'acme');
    await otherEvents(source, 10);
    const kept = await keptSnapshot((await startedAndStopped(source), source));

    const restored = new InMemoryEventStore();
    await createKey(restored, 1, 'acme');
    await restored.writeSnapshot(kept!);
    const registry = await startedAndStopped(restored);
    expect(registry.resumedFrom).toBeUndefined();
    expect(registry.findByHash(hash(1))).toBeDefined();

    const other = new InMemoryEventStore();
    await createKey(other, 1, 'acme');
    await otherEvents(other, 10);
    await other.writeSnapshot({ ...kept!, version: REGISTRY_SNAPSHOT_VERSION + 1 });
    expect((await startedAndStopped(other)).resumedFrom).toBeUndefined();
  });

  it('keeps nothing without the secret (the CLI lists keys so) and then reads the whole log each start', async () => {
    const store = new InMemoryEventStore();
    await createKey(store, 1, 'acme');
    const registry = await startedAndStopped(store, null);
    expect(registry.keptCheckpoint).toBeUndefined();
    expect(await keptSnapshot(store)).toBeUndefined();
  });

  it('a failing snapshot store costs only the next start a longer read: keys are served', async () => {
    const store = new InMemoryEventStore();
    await createKey(store, 1, 'acme');
    const failing = {
      readSnapshot: () => Promise.reject(new Error('disk gone')),
      writeSnapshot: () => Promise.reject(new Error('disk gone')),
    };
    const registry = new ApiKeyRegistry(store as EventStore, failing, secret);
    await registry.start();
    await registry.onModuleDestroy();
    expect(registry.findByHash(hash(1))).toBeDefined();
    expect(registry.keptCheckpoint).toBeUndefined();
  });
});
