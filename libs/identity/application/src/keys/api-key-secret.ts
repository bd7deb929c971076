import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createSecretFileOnce } from '@crm/shared/kernel';

/** `crm_` + 256 random bits: the prefix lets secret scanners and people tell a key at a glance. */
const API_KEY = /^crm_[A-Za-z0-9_-]{43}$/;

export function newApiKey(): string {
  return `crm_${randomBytes(32).toString('base64url')}`;
}

export function looksLikeApiKey(token: string): boolean {
  return API_KEY.test(token);
}

/**
 * Keys are 256 random bits, so a fast keyed hash is the right store (a slow
 * password hash would only cost every request time). Keyed with the server's
 * secret, a copy of the log alone cannot even test a guess.
 */
export function hashApiKey(secret: Buffer, key: string): string {
  return `hmac-sha256:${createHmac('sha256', secret).update(key).digest('hex')}`;
}

/**
 * The secret keys are hashed with: `CRM_AUTH_SECRET`, else the secret file,
 * created (0600, 256 random bits) on first start. Every API process on one
 * store must use the same secret, or keys made by one fail in another.
 */
export function loadApiKeySecret(settings: { readonly secret?: string; readonly secretFile: string }): Buffer {
  if (settings.secret !== undefined) return Buffer.from(settings.secret, 'utf8');
  if (!existsSync(settings.secretFile)) {
    mkdirSync(dirname(settings.secretFile), { recursive: true, mode: 0o700 });
    // Two processes starting on one data directory must not each write their own (the second reads the first's).
    createSecretFileOnce(settings.secretFile, `${randomBytes(32).toString('hex')}\n`);
  }
  const secret = readFileSync(settings.secretFile, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${settings.secretFile} holds no usable secret (at least 32 characters)`);
  return Buffer.from(secret, 'utf8');
}
