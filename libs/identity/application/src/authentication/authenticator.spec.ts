import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import type { AuthSettings, JwtSettings } from '../identity-settings';
import { hashApiKey, newApiKey } from '../keys/api-key-secret';
import { ApiKeyRegistry } from '../keys/api-key-registry';
import { JwtVerifier } from '../jwt/jwt-verifier';
import { ANONYMOUS_ADMIN, Authenticator } from './authenticator';
import type { FailureReason } from './authentication-failure';

const secret = Buffer.from('a server secret of at least thirty-two characters');
const settings: AuthSettings = { enabled: true, bootstrapKeyFile: '/nowhere/key', secretFile: '/nowhere/secret' };
const jwtSettings: JwtSettings = {
  issuer: 'https://id.example.ir',
  audiences: ['crm-api'],
  algorithms: ['ES256'],
  rolesClaim: 'realm_access.roles',
  tenantClaim: 'tenant',
  clockToleranceSeconds: 5,
};
const own = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });

async function sign(claims: JWTPayload, key = own.privateKey, exp: number | string = '5m'): Promise<string> {
  return new SignJWT({
    iss: jwtSettings.issuer,
    aud: 'crm-api',
    sub: 'user-7',
    tenant: 'acme',
    realm_access: { roles: ['analyst'] },
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setExpirationTime(exp)
    .sign(key);
}

async function jwksOfOwn() {
  return { keys: [{ ...(await exportJWK(own.publicKey)), kid: 'k1', alg: 'ES256' }] };
}

async function world() {
  const registry = new ApiKeyRegistry(new InMemoryEventStore());
  const authenticator = new Authenticator(settings, secret, registry, JwtVerifier.withKeys(jwtSettings, { jwks: await jwksOfOwn() }));
  const key = newApiKey();
  const keyId = '0f6d2b8a-1c3e-4f5a-9b7d-2e4c6a8b0d1f';
  const created = {
    keyId,
    name: 'web form',
    roles: ['sales' as const],
    tenantId: 'acme',
    keyHash: hashApiKey(secret, key),
    createdAt: '2026-01-01T00:00:00Z',
  };
  registry.apply('acme', 0, { type: 'ApiKeyCreated', data: created });
  return { registry, authenticator, key, keyId };
}

async function reasonOf(promise: Promise<unknown>): Promise<FailureReason | 'accepted'> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return (error as { reason: FailureReason }).reason;
  }
}

describe('Authenticator', () => {
  it("turns an API key into its principal: the key's id, roles and tenant", async () => {
    const { authenticator, key, keyId } = await world();
    await expect(authenticator.authenticate(`Bearer ${key}`)).resolves.toEqual({
      id: keyId,
      kind: 'api-key',
      roles: ['sales'],
      tenantId: 'acme',
    });
    await expect(authenticator.authenticate(`bearer   ${key}`)).resolves.toMatchObject({ id: keyId });
  });

  it('says why it refuses: nothing sent, another scheme, a malformed Bearer header, an unknown key, a revoked one, neither a key nor a JWT', async () => {
    const { authenticator, registry, key, keyId } = await world();
    expect(await reasonOf(authenticator.authenticate(undefined))).toBe('missing');
    expect(await reasonOf(authenticator.authenticate(`Basic ${Buffer.from('a:b').toString('base64')}`))).toBe('other_scheme');
    expect(await reasonOf(authenticator.authenticate('Bearerish abc'))).toBe('other_scheme');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${key} extra`))).toBe('malformed');
    expect(await reasonOf(authenticator.authenticate('Bearer'))).toBe('malformed');
    expect(await reasonOf(authenticator.authenticate('bearer   '))).toBe('malformed');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${newApiKey()}`))).toBe('unknown_key');
    expect(await reasonOf(authenticator.authenticate('Bearer opaque-token'))).toBe('invalid_token');
    registry.apply('acme', 1, { type: 'ApiKeyRevoked', data: { keyId, revokedAt: '2026-01-02T00:00:00Z' } });
    expect(await reasonOf(authenticator.authenticate(`Bearer ${key}`))).toBe('revoked');
  });

  it('looks an unknown key up in the log once before it refuses it (made by another process a moment ago)', async () => {
    const { authenticator, registry } = await world();
    const refresh = jest.spyOn(registry, 'refresh').mockImplementation(async () => {
      registry.apply('acme', 0, {
        type: 'ApiKeyCreated',
        data: {
          keyId: fresh.id,
          name: 'new',
          roles: ['analyst'],
          tenantId: 'acme',
          keyHash: hashApiKey(secret, fresh.key),
          createdAt: '2026-01-03T00:00:00Z',
        },
      });
    });
    const fresh = { id: '5d1c7a2e-8b3f-4e6a-9c0d-1f2e3a4b5c6d', key: newApiKey() };
    await expect(authenticator.authenticate(`Bearer ${fresh.key}`)).resolves.toMatchObject({ id: fresh.id, roles: ['analyst'] });
    expect(refresh).toHaveBeenCalledTimes(1);
    refresh.mockResolvedValue(undefined);
    expect(await reasonOf(authenticator.authenticate(`Bearer ${newApiKey()}`))).toBe('unknown_key');
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('checks a JWT against the configured keys, issuer, audience, expiry and not-before; roles and tenant from the named claims', async () => {
    const { authenticator } = await world();
    await expect(authenticator.authenticate(`Bearer ${await sign({})}`)).resolves.toEqual({
      id: 'jwt:user-7',
      kind: 'jwt',
      roles: ['analyst'],
      tenantId: 'acme',
    });
    const now = Math.floor(Date.now() / 1000);
    expect(await reasonOf(authenticator.authenticate(`Bearer ${await sign({}, own.privateKey, now - 60)}`))).toBe('expired');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${await sign({ nbf: now + 600 })}`))).toBe('not_yet_valid');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${await sign({ aud: 'another-api' })}`))).toBe('invalid_token');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${await sign({ iss: 'https://evil.example' })}`))).toBe('invalid_token');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${await sign({}, stranger.privateKey)}`))).toBe('invalid_token');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${await sign({ tenant: 'Not:A:Tenant' })}`))).toBe('invalid_token');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${await sign({ tenant: undefined })}`))).toBe('invalid_token');
  });

  it('refuses a JWT whose exp lies further ahead than the longest lifetime allowed (a day unless configured)', async () => {
    const { authenticator } = await world();
    const now = Math.floor(Date.now() / 1000);
    await expect(authenticator.authenticate(`Bearer ${await sign({}, own.privateKey, now + 86_400)}`)).resolves.toMatchObject({
      id: 'jwt:user-7',
    });
    // Beyond the day and the 5 s clock tolerance: refused, whatever else is right about it.
    const tooLong = authenticator.authenticate(`Bearer ${await sign({}, own.privateKey, now + 86_400 + 60)}`);
    expect(await reasonOf(tooLong)).toBe('invalid_token');
    expect(await reasonOf(authenticator.authenticate(`Bearer ${await sign({}, own.privateKey, now + 10 * 365 * 86_400)}`))).toBe(
      'invalid_token',
    );
    const hourly = new Authenticator(
      settings,
      secret,
      new ApiKeyRegistry(new InMemoryEventStore()),
      JwtVerifier.withKeys({ ...jwtSettings, maxLifetimeSeconds: 3600 }, { jwks: await jwksOfOwn() }),
    );
    expect(await reasonOf(hourly.authenticate(`Bearer ${await sign({}, own.privateKey, now + 7200)}`))).toBe('invalid_token');
    await expect(hourly.authenticate(`Bearer ${await sign({}, own.privateKey, now + 1800)}`)).resolves.toMatchObject({ id: 'jwt:user-7' });
  });

  it('reads roles as a list or a string, and ignores roles this API does not know', async () => {
    const { authenticator } = await world();
    const rolesOf = async (roles: unknown) => (await authenticator.authenticate(`Bearer ${await sign({ realm_access: { roles } })}`)).roles;
    expect(await rolesOf(['auditor', 'superuser', 'auditor'])).toEqual(['auditor']);
    expect(await rolesOf('sales marketing,service')).toEqual(['sales', 'marketing', 'service']);
    expect(await rolesOf(undefined)).toEqual([]);
  });

  it('refuses a JWT when no issuer is configured, and everyone is an anonymous admin when authentication is off', async () => {
    const { registry } = await world();
    const keysOnly = new Authenticator(settings, secret, registry);
    expect(await reasonOf(keysOnly.authenticate(`Bearer ${await sign({})}`))).toBe('invalid_token');
    const off = new Authenticator({ ...settings, enabled: false }, secret, registry);
    await expect(off.authenticate(undefined)).resolves.toBe(ANONYMOUS_ADMIN);
  });

  it('will not hold private or symmetric key material', async () => {
    const pem = own.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => JwtVerifier.withKeys(jwtSettings, { publicKeyPem: pem })).toThrow(/private key/);
    const jwks = { keys: [{ ...(await exportJWK(own.privateKey)), kid: 'k1' }] };
    expect(() => JwtVerifier.withKeys(jwtSettings, { jwks })).toThrow(/public keys only/);
  });
});
