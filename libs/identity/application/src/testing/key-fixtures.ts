import { apiKeyDecider } from '@crm/identity/domain';
import { handleCommand, type EventStore } from '@crm/shared/event-sourcing';
import { apiKeyStream } from '../admin/api-key-replies';

/** Helpers of the registry's specs: keys made and revoked by the real decider. */
export const hash = (n: number) => `hmac-sha256:${n.toString(16).padStart(64, '0')}`;
export const keyId = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

export async function createKey(store: EventStore, n: number, tenantId: string, keyHash = hash(n)) {
  const data = {
    keyId: keyId(n),
    name: `key ${n}`,
    roles: ['sales' as const],
    tenantId,
    keyHash,
    createdAt: `2026-01-0${n}T00:00:00.000Z`,
  };
  return handleCommand(store, apiKeyDecider, apiKeyStream(keyId(n)), { type: 'CreateApiKey', data }, { tenantId });
}

export async function revokeKey(store: EventStore, n: number, tenantId: string) {
  const revoke = { type: 'RevokeApiKey' as const, data: { keyId: keyId(n), revokedAt: '2026-01-09T00:00:00.000Z' } };
  return handleCommand(store, apiKeyDecider, apiKeyStream(keyId(n)), revoke, { tenantId });
}

export async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
