import type { Command } from '@crm/shared/event-sourcing';
import type { Role } from '../roles';

/**
 * The key itself never reaches the domain: the application draws it, shows it
 * once and hands over only its keyed hash.
 */
export type CreateApiKey = Command<
  'CreateApiKey',
  {
    keyId: string;
    name: string;
    roles: readonly Role[];
    tenantId: string;
    /** `hmac-sha256:<hex>` of the key under the server's secret. */
    keyHash: string;
    /** The bootstrap key may administer every tenant; no other key can be made so. */
    bootstrap?: boolean;
    createdAt: string;
  }
>;

export type RevokeApiKey = Command<'RevokeApiKey', { keyId: string; reason?: string; revokedAt: string }>;

export type ApiKeyCommand = CreateApiKey | RevokeApiKey;
