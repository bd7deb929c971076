import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';

/** A stand-in identity provider: an ES256 key pair, its JWKS on disk, and tokens signed with it. */
export interface TestIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksFile: string;
  /** The environment that makes the API trust this issuer. */
  readonly env: Readonly<Record<string, string>>;
  sign(
    claims: JWTPayload,
    options?: { readonly expiresIn?: string | number; readonly notBefore?: string | number; readonly key?: 'own' | 'stranger' },
  ): Promise<string>;
}

export async function testIssuer(dir: string, issuer = 'https://id.example.ir', audience = 'crm-api'): Promise<TestIssuer> {
  const own = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(own.publicKey)), kid: 'crm-test-1', alg: 'ES256', use: 'sig' };
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  const keys: Record<'own' | 'stranger', KeyObject> = { own: own.privateKey, stranger: stranger.privateKey };
  return {
    issuer,
    audience,
    jwksFile,
    env: { CRM_JWT_ISSUER: issuer, CRM_JWT_AUDIENCE: audience, CRM_JWT_JWKS_FILE: jwksFile },
    async sign(claims, options = {}) {
      const jwt = new SignJWT({ iss: issuer, aud: audience, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'crm-test-1' })
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m');
      if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
      return jwt.sign(keys[options.key ?? 'own']);
    },
  };
}
