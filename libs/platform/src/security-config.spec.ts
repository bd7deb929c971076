import { ConfigError, loadConfig } from './app-config';

const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('security configuration', () => {
  it('is secure by default: authentication on, the bootstrap key beside the data, no proxy trusted, bounded timeouts', () => {
    const { auth, edge, dataDir } = loadConfig({});
    expect(auth).toEqual({
      enabled: true,
      bootstrapKeyFile: `${dataDir}/bootstrap-admin.key`,
      secretFile: `${dataDir}/auth-secret.key`,
    });
    expect(edge.trustProxy).toBe(false);
    // A body trickling a byte every 10 s is cut off after seconds, not minutes.
    expect(edge.requestTimeoutMs).toBeLessThanOrEqual(30_000);
    // Commands wait their turn on the embedded store (a few at a time), not on a server store unless asked.
    expect(edge.commandSlots).toBe(4);
    expect(loadConfig({ CRM_EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://x@127.0.0.1/crm' }).edge.commandSlots).toBe(0);
    expect(loadConfig({ CRM_COMMAND_CONCURRENCY: '0' }).edge.commandSlots).toBe(0);
    expect(edge.headersTimeoutMs).toBeLessThanOrEqual(edge.requestTimeoutMs);
    expect(edge.rateLimit).toMatchObject({ enabled: true });
  });

  it('allows CRM_AUTH=off only on the embedded store', () => {
    expect(loadConfig({ CRM_AUTH: 'off' }).auth.enabled).toBe(false);
    expect(problemsOf({ CRM_AUTH: 'off', CRM_EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://x@h/db' })).toEqual([
      'CRM_AUTH=off is only allowed on the embedded store (CRM_EVENT_STORE=sqlite): a shared store is never left open',
    ]);
    expect(problemsOf({ CRM_AUTH: 'maybe' })).toEqual(['CRM_AUTH="maybe" must be on or off']);
  });

  it('needs issuer, audience and exactly one key source once JWT is configured', () => {
    expect(loadConfig({}).auth.jwt).toBeUndefined();
    expect(problemsOf({ CRM_JWT_ISSUER: 'https://id.example.ir' })).toEqual([
      'JWT verification needs CRM_JWT_AUDIENCE (the aud accepted tokens carry)',
      'JWT verification needs exactly one of CRM_JWT_JWKS_FILE or CRM_JWT_PUBLIC_KEY_FILE',
    ]);
    expect(
      problemsOf({ CRM_JWT_AUDIENCE: 'crm', CRM_JWT_JWKS_FILE: 'a', CRM_JWT_PUBLIC_KEY_FILE: 'b', CRM_JWT_ALGORITHMS: 'HS256' }),
    ).toEqual([
      'JWT verification needs CRM_JWT_ISSUER (the exact iss of accepted tokens)',
      'JWT verification needs exactly one of CRM_JWT_JWKS_FILE or CRM_JWT_PUBLIC_KEY_FILE',
      'CRM_JWT_ALGORITHMS: HS256 not among RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
    ]);
    expect(
      loadConfig({
        CRM_JWT_ISSUER: 'https://id.example.ir',
        CRM_JWT_AUDIENCE: 'crm, crm-internal',
        CRM_JWT_JWKS_FILE: '/etc/crm/jwks.json',
        CRM_JWT_ROLES_CLAIM: 'realm_access.roles',
      }).auth.jwt,
    ).toEqual({
      issuer: 'https://id.example.ir',
      audiences: ['crm', 'crm-internal'],
      jwksFile: '/etc/crm/jwks.json',
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      rolesClaim: 'realm_access.roles',
      tenantClaim: 'tenant',
      clockToleranceSeconds: 5,
      maxLifetimeSeconds: 86_400,
    });
    const jwt = { CRM_JWT_ISSUER: 'https://id.example.ir', CRM_JWT_AUDIENCE: 'crm', CRM_JWT_JWKS_FILE: '/etc/crm/jwks.json' };
    expect(loadConfig({ ...jwt, CRM_JWT_MAX_LIFETIME_S: '3600' }).auth.jwt?.maxLifetimeSeconds).toBe(3600);
    expect(problemsOf({ ...jwt, CRM_JWT_MAX_LIFETIME_S: '10' })).toEqual([
      'CRM_JWT_MAX_LIFETIME_S="10" must be an integer from 60 to 31536000',
    ]);
  });

  it('trusts a proxy only when told which, and refuses what is not an address', () => {
    expect(loadConfig({ CRM_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).edge.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ CRM_TRUST_PROXY: '1' }).edge.trustProxy).toBe(1);
    expect(problemsOf({ CRM_TRUST_PROXY: 'proxy.local' })).toEqual([
      'CRM_TRUST_PROXY: proxy.local is not an address or CIDR (or use off, true, or a hop count)',
    ]);
  });

  it('refuses a short secret, a headers timeout beyond the request timeout and an unknown rate-limit switch', () => {
    expect(
      problemsOf({ CRM_AUTH_SECRET: 'short', CRM_REQUEST_TIMEOUT_MS: '5000', CRM_HEADERS_TIMEOUT_MS: '6000', CRM_RATE_LIMIT: 'no' }),
    ).toEqual([
      'CRM_AUTH_SECRET must be at least 32 characters (e.g. 64 hex digits)',
      'CRM_HEADERS_TIMEOUT_MS="6000" must be an integer from 1000 to 5000',
      'CRM_RATE_LIMIT="no" must be on or off',
    ]);
    expect(loadConfig({ CRM_RATE_LIMIT: 'off' }).edge.rateLimit.enabled).toBe(false);
  });
});
