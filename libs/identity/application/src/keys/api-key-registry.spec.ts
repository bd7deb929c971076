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
