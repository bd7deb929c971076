import { deciderSpec } from '@crm/shared/testing';
import type { CreateApiKey } from './api-key.commands';
import { apiKeyDecider } from './api-key.decider';
import type { ApiKeyCreated, ApiKeyRevoked } from './api-key.events';

const spec = deciderSpec(apiKeyDecider);
const keyId = '5d3c0f8e-2a41-4b6e-9f1d-7c2b8a4e6d10';
const keyHash = `hmac-sha256:${'ab'.repeat(32)}`;
const createdAt = '2026-02-01T08:00:00.000Z';

const create = (data: Partial<CreateApiKey['data']> = {}): CreateApiKey => ({
  type: 'CreateApiKey',
  data: { keyId, name: 'فرم وب', roles: ['sales'], tenantId: 'acme', keyHash, createdAt, ...data },
});
const created = (data: Partial<ApiKeyCreated['data']> = {}): ApiKeyCreated => ({
  type: 'ApiKeyCreated',
  data: { keyId, name: 'فرم وب', roles: ['sales'], tenantId: 'acme', keyHash, createdAt, ...data },
});
const revoked: ApiKeyRevoked = { type: 'ApiKeyRevoked', data: { keyId, revokedAt: '2026-02-02T08:00:00.000Z' } };

describe('API key decider', () => {
  it('records a key by its hash, its roles in the table order, once each', () => {
    spec
      .given([])
      .when(create({ name: '  فرم وب ', roles: ['service', 'sales', 'service'] }))
      .then([created({ roles: ['sales', 'service'] })]);
  });

  it('marks only an admin key as the bootstrap key', () => {
    spec
      .given([])
      .when(create({ roles: ['admin'], bootstrap: true, tenantId: 'default' }))
      .then([created({ roles: ['admin'], bootstrap: true, tenantId: 'default' })]);
    spec
      .given([])
      .when(create({ roles: ['ops'], bootstrap: true }))
      .thenThrows('API_KEY.BOOTSTRAP_NOT_ADMIN');
  });

  it('refuses a blank name, no roles, an unknown role and a tenant id that could break a key, naming the field', () => {
    spec
      .given([])
      .when(create({ name: '\u200c ' }))
      .thenThrows('API_KEY.NAME_REQUIRED', { fields: ['name'] });
    spec
      .given([])
      .when(create({ roles: [] }))
      .thenThrows('API_KEY.ROLES_REQUIRED', { fields: ['roles'] });
    spec
      .given([])
      .when(create({ roles: ['sales', 'root' as never] }))
      .thenThrows('API_KEY.UNKNOWN_ROLE', { fields: ['roles'] });
    for (const tenantId of ['', 'Acme', 'a:b', 'a/b', '-acme', 'x'.repeat(65)]) {
      spec
        .given([])
        .when(create({ tenantId }))
        .thenThrows('API_KEY.INVALID_TENANT', { fields: ['tenantId'] });
    }
  });

  it('never records anything but a keyed hash', () => {
    spec
      .given([])
      .when(create({ keyHash: 'crm_live_secret' }))
      .thenThrows('API_KEY.INVALID_HASH');
    spec
      .given([])
      .when(create({ keyHash: `sha256:${'ab'.repeat(32)}` }))
      .thenThrows('API_KEY.INVALID_HASH');
  });

  it('creates a key once', () => {
    spec.given([created()]).when(create()).thenThrows('API_KEY.ALREADY_EXISTS');
  });

  it('revokes an active key, and a second revocation changes nothing', () => {
    spec
      .given([created()])
      .when({ type: 'RevokeApiKey', data: { keyId, reason: 'leaked in a log', revokedAt: '2026-02-02T08:00:00.000Z' } })
      .then([{ type: 'ApiKeyRevoked', data: { keyId, reason: 'leaked in a log', revokedAt: '2026-02-02T08:00:00.000Z' } }]);
    spec
      .given([created(), revoked])
      .when({ type: 'RevokeApiKey', data: { keyId, revokedAt: '2026-02-03T08:00:00.000Z' } })
      .thenNothing();
  });

  it('answers not found for a key that was never created', () => {
    spec
      .given([])
      .when({ type: 'RevokeApiKey', data: { keyId, revokedAt: createdAt } })
      .thenThrows('API_KEY.NOT_FOUND');
  });

  it('folds into the record the registry serves', () => {
    spec.given([created(), revoked]).thenState({
      status: 'revoked',
      key: { keyId, name: 'فرم وب', roles: ['sales'], tenantId: 'acme', keyHash, bootstrap: false, createdAt },
      revokedAt: '2026-02-02T08:00:00.000Z',
    });
  });
});
