import { Inject, Injectable, Optional } from '@nestjs/common';
import { DEFAULT_TENANT } from '@crm/shared/event-sourcing';
import type { Principal } from '@crm/shared/http';
import { hashApiKey, looksLikeApiKey } from '../keys/api-key-secret';
import { ApiKeyRegistry } from '../keys/api-key-registry';
import type { AuthSettings } from '../identity-settings';
import { JwtVerifier } from '../jwt/jwt-verifier';
import { API_KEY_SECRET, AUTH_SETTINGS } from '../tokens';
import { AuthenticationFailure } from './authentication-failure';

/** What every caller is with `CRM_AUTH=off` (API.md): an anonymous admin of the default tenant. */
export const ANONYMOUS_ADMIN: Principal = { id: 'anonymous', kind: 'anonymous', roles: ['admin'], tenantId: DEFAULT_TENANT };

/** RFC 6750: `Bearer` and a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
/** The scheme a credential names (RFC 9110 §11.4: case-insensitive), whatever follows it. */
const BEARER_SCHEME = /^Bearer(?:\s|$)/i;
const NOT_BEARER = 'The Authorization header is not "Bearer <token>"';
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Turns an Authorization header into a principal, or says why not. */
@Injectable()
export class Authenticator {
  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthSettings,
    @Inject(API_KEY_SECRET) private readonly secret: Buffer,
    private readonly registry: ApiKeyRegistry,
    @Optional() private readonly jwt?: JwtVerifier,
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!this.settings.enabled) return ANONYMOUS_ADMIN;
    if (authorization === undefined || authorization.trim() === '')
      throw new AuthenticationFailure('missing', 'Send Authorization: Bearer <token>');
    const header = authorization.trim();
    // Another scheme (Basic, …) carries no Bearer credentials at all; a Bearer header without a well-formed token is malformed.
    if (!BEARER_SCHEME.test(header)) throw new AuthenticationFailure('other_scheme', NOT_BEARER);
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) throw new AuthenticationFailure('malformed', NOT_BEARER);
    if (looksLikeApiKey(token)) return this.apiKey(token);
    if (JWT.test(token)) {
      if (!this.jwt) throw new AuthenticationFailure('invalid_token', 'This server accepts API keys only: no JWT issuer is configured');
      return this.jwt.verify(token);
    }
    throw new AuthenticationFailure('invalid_token', 'The token is neither an API key nor a JWT');
  }

  private async apiKey(token: string): Promise<Principal> {
    const hash = hashApiKey(this.secret, token);
    let key = this.registry.findByHash(hash);
    if (!key) {
      // Created by another process since its key feed's last round (up to a poll interval ago): looked for once more in
      // the log before 401, or a caller behind a load balancer is refused a key it has just been given.
      await this.registry.refresh().catch(() => undefined);
      key = this.registry.findByHash(hash);
    }
    if (!key) throw new AuthenticationFailure('unknown_key', 'Unknown API key');
    // Answered as an unknown key: a caller holding a leaked string learns nothing of whether it ever was one
    // (the reason, kept for logs and metrics, still says revoked).
    if (key.revoked) throw new AuthenticationFailure('revoked', 'Unknown API key');
    return { id: key.keyId, kind: 'api-key', roles: key.roles, tenantId: key.tenantId, ...(key.bootstrap ? { allTenants: true } : {}) };
  }
}
