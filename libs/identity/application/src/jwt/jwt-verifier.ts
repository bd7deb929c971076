import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { isRole, isTenantId, type Role } from '@crm/identity/domain';
import type { Principal } from '@crm/shared/http';
import { AuthenticationFailure } from '../authentication/authentication-failure';
import { DEFAULT_JWT_MAX_LIFETIME_S, type JwtSettings } from '../identity-settings';

type KeySource = KeyObject | ReturnType<typeof createLocalJWKSet>;

/** `realm_access.roles` → payload.realm_access.roles. */
function claimAt(payload: JWTPayload, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, part) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined),
      payload,
    );
}

/** Roles as an array or a space- or comma-separated string; roles this API does not know are not rights here. */
function rolesOf(value: unknown): Role[] {
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return [...new Set(names.filter(isRole))];
}

const SUBJECT = /^[\p{L}\p{N}._:@|-]{1,200}$/u;
/** What a JWT's actor id starts with: `jwt:<sub>`. */
export const JWT_ACTOR_PREFIX = 'jwt:';

/** jose's verdicts, as the reasons the API answers with. */
function failureOf(error: unknown): AuthenticationFailure {
  if (error instanceof errors.JWTExpired) return new AuthenticationFailure('expired', 'The token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new AuthenticationFailure('not_yet_valid', 'The token is not valid yet (nbf)');
    return new AuthenticationFailure('invalid_token', `The token's ${error.claim} claim is not accepted here`);
  }
  if (error instanceof errors.JWKSNoMatchingKey)
    return new AuthenticationFailure('invalid_token', 'The token is signed with an unknown key');
  if (error instanceof errors.JOSEError) return new AuthenticationFailure('invalid_token', 'The token is not valid');
  throw error;
}

/**
 * JWT with `jose`, against configured keys only (no key from the token
 * itself, no shared secrets): signature, `iss`, `aud`, `exp` and `nbf`;
 * roles and tenant from the claims the settings name.
 */
export class JwtVerifier {
  private constructor(
    private readonly settings: JwtSettings,
    private readonly keys: KeySource,
  ) {}

  /** Reads the key material now, so a bad file stops start-up instead of failing every request. */
  static fromSettings(settings: JwtSettings): JwtVerifier {
    if (settings.jwksFile !== undefined) {
      return JwtVerifier.withKeys(settings, { jwks: JSON.parse(readFileSync(settings.jwksFile, 'utf8')) as JSONWebKeySet });
    }
    return JwtVerifier.withKeys(settings, { publicKeyPem: readFileSync(settings.publicKeyFile as string, 'utf8') });
  }

  static withKeys(settings: JwtSettings, keys: { readonly jwks: JSONWebKeySet } | { readonly publicKeyPem: string }): JwtVerifier {
    // The server only verifies: private key material here would be a key it has no business holding.
    if ('jwks' in keys) {
      if (!Array.isArray(keys.jwks.keys) || keys.jwks.keys.length === 0) throw new Error('the JWKS holds no keys ({ "keys": [...] })');
      if (keys.jwks.keys.some((key) => 'd' in key || 'k' in key))
        throw new Error('the JWKS holds private or symmetric keys: give it public keys only');
      return new JwtVerifier(settings, createLocalJWKSet(keys.jwks));
    }
    if (keys.publicKeyPem.includes('PRIVATE KEY'))
      throw new Error('the JWT key file holds a private key: give the server the public key only');
    const key = createPublicKey(keys.publicKeyPem);
    if (key.type !== 'public') throw new Error('the JWT key is not a public key');
    return new JwtVerifier(settings, key);
  }

  async verify(token: string): Promise<Principal> {
    const { issuer, audiences, algorithms, clockToleranceSeconds } = this.settings;
    let payload: JWTPayload;
    try {
      const options = {
        issuer,
        audience: [...audiences],
        algorithms: [...algorithms],
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      };
      // jose types a key set and a single key as two overloads.
      const verified =
        typeof this.keys === 'function' ? await jwtVerify(token, this.keys, options) : await jwtVerify(token, this.keys, options);
      payload = verified.payload;
    } catch (error) {
      throw failureOf(error);
    }
    const maxLifetime = this.settings.maxLifetimeSeconds ?? DEFAULT_JWT_MAX_LIFETIME_S;
    // jose has required exp and checked that it has not passed; here, that it does not lie too far ahead either.
    if (typeof payload.exp === 'number' && payload.exp - Date.now() / 1000 > maxLifetime + clockToleranceSeconds)
      throw new AuthenticationFailure(
        'invalid_token',
        `The token's exp lies more than ${maxLifetime} s ahead: such tokens are not accepted here`,
      );
    const sub = payload.sub;
    if (typeof sub !== 'string' || !SUBJECT.test(sub)) throw new AuthenticationFailure('invalid_token', 'The token has no usable sub');
    const tenantId = claimAt(payload, this.settings.tenantClaim);
    if (!isTenantId(tenantId))
      throw new AuthenticationFailure('invalid_token', `The token has no usable ${this.settings.tenantClaim} claim`);
    // Named apart from every other kind of actor (a key id, `cli:<user>`, `system:bootstrap`): an identity provider's
    // `sub` is its own word, and a token whose sub is a key's id must not read as that key in the audit trail.
    return { id: `${JWT_ACTOR_PREFIX}${sub}`, kind: 'jwt', roles: rolesOf(claimAt(payload, this.settings.rolesClaim)), tenantId };
  }
}
