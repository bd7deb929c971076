/** How far ahead a token's `exp` may lie unless the settings say otherwise: a day. */
export const DEFAULT_JWT_MAX_LIFETIME_S = 86_400;

/** JWT verification (API.md "Authentication"): asymmetric keys only, from a JWKS file or a PEM public key. */
export interface JwtSettings {
  readonly issuer: string;
  /** Any of these must be in `aud`. */
  readonly audiences: readonly string[];
  readonly jwksFile?: string;
  readonly publicKeyFile?: string;
  readonly algorithms: readonly string[];
  /** Dotted path of the claim holding the roles (an array, or a space- or comma-separated string), e.g. `realm_access.roles`. */
  readonly rolesClaim: string;
  readonly tenantClaim: string;
  readonly clockToleranceSeconds: number;
  /**
   * The furthest a token's `exp` may lie ahead of now, in seconds: a token valid for longer is refused, so a
   * leaked one cannot serve for months because its issuer was configured so. Default 86 400 (a day).
   */
  readonly maxLifetimeSeconds?: number;
}

export interface AuthSettings {
  /** `CRM_AUTH=off`: every caller is an anonymous admin of tenant `default` (embedded store only). */
  readonly enabled: boolean;
  /** Where the bootstrap admin key is written, alone on one line, mode 0600. */
  readonly bootstrapKeyFile: string;
  /** The server secret API keys are hashed with: `CRM_AUTH_SECRET`, else this file (created 0600 when missing). */
  readonly secret?: string;
  readonly secretFile: string;
  readonly jwt?: JwtSettings;
}
