import { DomainError, requireText, type Decider } from '@crm/shared/event-sourcing';
import { compact } from '@crm/shared/kernel';
import { canonicalRoles, isRole, type Role } from '../roles';
import { isTenantId } from '../tenant-id';
import type { ApiKeyCommand, CreateApiKey, RevokeApiKey } from './api-key.commands';
import type { ApiKeyEvent } from './api-key.events';
import { API_KEY_REFUSALS as R } from './api-key.refusals';

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly tenantId: string;
  readonly keyHash: string;
  readonly bootstrap: boolean;
  readonly createdAt: string;
}

export type ApiKeyState =
  | { readonly status: 'none' }
  | { readonly status: 'active'; readonly key: ApiKeyRecord }
  | { readonly status: 'revoked'; readonly key: ApiKeyRecord; readonly revokedAt: string };

export const API_KEY_CATEGORY = 'api-key';

const KEY_HASH = /^hmac-sha256:[0-9a-f]{64}$/;

function rolesOf(roles: readonly unknown[]): Role[] {
  if (roles.length === 0) throw new DomainError(R.ROLES_REQUIRED, 'A key needs at least one role', { fields: ['roles'] });
  const unknown = roles.filter((role) => !isRole(role));
  if (unknown.length > 0) {
    throw new DomainError(R.UNKNOWN_ROLE, `Unknown roles: ${unknown.map(String).join(', ')}`, { fields: ['roles'] });
  }
  return canonicalRoles(roles as Role[]);
}

function create({ data }: CreateApiKey, state: ApiKeyState): ApiKeyEvent[] {
  if (state.status !== 'none') throw new DomainError(R.ALREADY_EXISTS, 'This key already exists', { keyId: data.keyId });
  const name = requireText(data.name, 'name', R.NAME_REQUIRED);
  const roles = rolesOf(data.roles);
  if (!isTenantId(data.tenantId)) {
    throw new DomainError(R.INVALID_TENANT, 'A tenant id is lower-case letters, digits and dashes', { fields: ['tenantId'] });
  }
  // Only a keyed hash may be recorded: a plain digest or the key itself in the log would be a leak.
  if (!KEY_HASH.test(data.keyHash)) throw new DomainError(R.INVALID_HASH, 'A key is recorded only as its keyed hash');
  if (data.bootstrap === true && !roles.includes('admin')) {
    throw new DomainError(R.BOOTSTRAP_NOT_ADMIN, 'The bootstrap key is an admin key', { fields: ['roles'] });
  }
  const { keyId, tenantId, keyHash, createdAt } = data;
  return [
    {
      type: 'ApiKeyCreated',
      data: compact({ keyId, name, roles, tenantId, keyHash, bootstrap: data.bootstrap === true ? true : undefined, createdAt }),
    },
  ];
}

/** Revoking twice changes nothing: the caller's intent already holds. */
function revoke({ data }: RevokeApiKey, state: ApiKeyState): ApiKeyEvent[] {
  if (state.status === 'none') throw new DomainError(R.NOT_FOUND, 'No such key', { keyId: data.keyId });
  if (state.status === 'revoked') return [];
  const reason = data.reason === undefined ? undefined : requireText(data.reason, 'reason', R.REASON_REQUIRED);
  return [{ type: 'ApiKeyRevoked', data: compact({ keyId: data.keyId, reason, revokedAt: data.revokedAt }) }];
}

export const apiKeyDecider: Decider<ApiKeyState, ApiKeyCommand, ApiKeyEvent> = {
  initialState: () => ({ status: 'none' }),
  decide: (command, state) => {
    switch (command.type) {
      case 'CreateApiKey':
        return create(command, state);
      case 'RevokeApiKey':
        return revoke(command, state);
      default: {
        const _exhaustive: never = command;
        return _exhaustive;
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'ApiKeyCreated': {
        const { keyId, name, roles, tenantId, keyHash, bootstrap, createdAt } = event.data;
        return { status: 'active', key: { keyId, name, roles, tenantId, keyHash, bootstrap: bootstrap === true, createdAt } };
      }
      case 'ApiKeyRevoked':
        return state.status === 'none' ? state : { status: 'revoked', key: state.key, revokedAt: event.data.revokedAt };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  },
  isNew: (command) => command.type === 'CreateApiKey',
  existence: { notFound: R.NOT_FOUND, alreadyExists: R.ALREADY_EXISTS },
  refusals: R,
};
