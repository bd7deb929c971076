import type { Event } from '@crm/shared/event-sourcing';
import type { Role } from '../roles';

/** Who created or revoked a key is the event's actor; the data says what and when. */
export type ApiKeyCreated = Event<
  'ApiKeyCreated',
  {
    keyId: string;
    name: string;
    roles: readonly Role[];
    tenantId: string;
    keyHash: string;
    bootstrap?: boolean;
    createdAt: string;
  }
>;

export type ApiKeyRevoked = Event<'ApiKeyRevoked', { keyId: string; reason?: string; revokedAt: string }>;

export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked;
