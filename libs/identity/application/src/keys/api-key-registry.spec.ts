import { apiKeyDecider } from '@crm/identity/domain';
import { handleCommand, InMemoryEventStore } from '@crm/shared/event-sourcing';
import { apiKeyStream } from '../admin/api-key-replies';
import { ApiKeyRegistry } from './api-key-registry';
import { createKey as create, hash, keyId, waitFor } from '../testing/key-fixtures';

describe('ApiKeyRegistry', () => {
  it("folds every tenant's key streams, and lists one tenant's keys without their hashes", async () => {
    const store = new InMemoryEventStore();
    await create(store, 1, 'acme');
    await create(store, 2, 'globex');
    const registry = new ApiKeyRegistry(store);
    await registry.start();
    try {
      expect(registry.size).toBe(2);
      expect(registry.list('acme')).toEqual([
        {
          id: keyId(1),
          name: 'key 1',
          roles: ['sales'],
          tenantId: 'acme',
          bootstrap: false,
          createdAt: '2026-01-01T00:00:00.000Z',
          status: 'active',
        },
      ]);
      expect(JSON.stringify(registry.list())).not.toContain('hmac-sha256');
      expect(registry.findByHash(hash(2))).toMatchObject({ keyId: keyId(2), tenantId: 'globex', revoked: false });
      expect(registry.get('globex', keyId(1))).toBeUndefined();
    } finally {
      await registry.onModuleDestroy();
    }
  });

  it('follows keys created and revoked after it started (another process, as far as it can tell)', async () => {
    const store = new InMemoryEventStore();
    const registry = new ApiKeyRegistry(store);
    await registry.start();
    try {
      await create(store, 3, 'acme');
      const revoke = { type: 'RevokeApiKey' as const, data: { keyId: keyId(3), revokedAt: '2026-01-05T00:00:00.000Z' } };
      await handleCommand(store, apiKeyDecider, apiKeyStream(keyId(3)), revoke, { tenantId: 'acme' });
      await waitFor(() => registry.findByHash(hash(3))?.revoked === true);
      expect(registry.get('acme', keyId(3))).toMatchObject({ status: 'revoked', revokedAt: '2026-01-05T00:00:00.000Z' });
    } finally {
      await registry.onModuleDestroy();
    }
  });

  it('reads the log to the head on refresh(), so a key made elsewhere is known before its feed delivers it', async () => {
    const store = new InMemoryEventStore();
    // A feed that has caught up and then delivers nothing more: another process's poll not yet come round.
    let live = false;
    const slowFeed = new Proxy(store, {
      get: (target, name) =>
        name === 'subscribeToAll'
          ? (handler: Parameters<InMemoryEventStore['subscribeToAll']>[0], options: Parameters<InMemoryEventStore['subscribeToAll']>[1]) =>
              target.subscribeToAll((events, checkpoint) => (live ? undefined : handler(events, checkpoint)), options)
          : (Reflect.get(target, name, target) as unknown),
    });
    const registry = new ApiKeyRegistry(slowFeed);
    await expect(registry.refresh()).resolves.toBeUndefined(); // before the first catch-up: nothing to read on from
    await registry.start();
    live = true;
    try {
      await create(store, 5, 'acme');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(registry.findByHash(hash(5))).toBeUndefined();
      await Promise.all([registry.refresh(), registry.refresh()]);
      expect(registry.findByHash(hash(5))).toMatchObject({ keyId: keyId(5), tenantId: 'acme', revoked: false });
      // A refresh asked while one reads waits for a read that starts after it: it sees a key made meanwhile.
      const first = registry.refresh();
      await create(store, 6, 'acme');
      await Promise.all([first, registry.refresh()]);
      expect(registry.findByHash(hash(6))).toMatchObject({ keyId: keyId(6) });
    } finally {
      await registry.onModuleDestroy();
    }
  });

  it('applies an event once: one applied directly and then delivered again cannot undo a later revocation', () => {
    const registry = new ApiKeyRegistry(new InMemoryEventStore());
    const created = {
      keyId: keyId(4),
      name: 'k',
      roles: ['ops' as const],
      tenantId: 'acme',
      keyHash: hash(4),
      createdAt: '2026-01-04T00:00:00.000Z',
    };
    registry.apply('acme', 0, { type: 'ApiKeyCreated', data: created });
    registry.apply('acme', 1, { type: 'ApiKeyRevoked', data: { keyId: keyId(4), revokedAt: '2026-01-05T00:00:00.000Z' } });
    registry.apply('acme', 0, { type: 'ApiKeyCreated', data: created });
    expect(registry.findByHash(hash(4))?.revoked).toBe(true);
  });
});
