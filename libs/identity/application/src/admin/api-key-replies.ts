import { streamIdOf } from '@crm/shared/event-sourcing';
import { API_KEY_CATEGORY } from '@crm/identity/domain';
import type { CommandReply } from '@crm/shared/http';

/** The only reply that ever carries the key itself (API.md). */
export interface CreatedApiKey extends CommandReply {
  readonly key: string;
  readonly name: string;
  readonly roles: readonly string[];
  readonly tenantId: string;
  readonly createdAt: string;
}

export const apiKeyStream = (keyId: string): string => streamIdOf(API_KEY_CATEGORY, keyId);

export const CREATED_API_KEY_SCHEMA = {
  type: 'object',
  required: ['id', 'key', 'name', 'roles', 'tenantId', 'createdAt', 'revision', 'position'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    key: { type: 'string', description: 'The key itself: shown in this reply only, never again', example: 'crm_…' },
    name: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    tenantId: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    revision: { type: 'integer' },
    position: { type: 'string' },
  },
};

export const API_KEY_LIST_SCHEMA = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    nextCursor: { type: 'string', nullable: true, description: 'Where the next page starts (`cursor`); null on the last page' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'roles', 'tenantId', 'bootstrap', 'createdAt', 'status'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          name: { type: 'string' },
          roles: { type: 'array', items: { type: 'string' } },
          tenantId: { type: 'string' },
          bootstrap: { type: 'boolean' },
          createdAt: { type: 'string', format: 'date-time' },
          status: { enum: ['active', 'revoked'] },
          revokedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
};
