import { isIP } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_JWT_MAX_LIFETIME_S, type AuthSettings, type JwtSettings } from '@crm/identity/application';
import type { EdgeSettings } from '@crm/shared/http';

/** Asymmetric only: a shared HMAC secret would let every service that verifies tokens also mint them. */
const JWT_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface SecurityConfig {
  readonly auth: AuthSettings;
  readonly edge: EdgeSettings;
}

interface Reader {
  integer(name: string, fallback: number, min: number, max: number): number;
  readonly problems: string[];
}

function onOff(env: NodeJS.ProcessEnv, name: string, problems: string[]): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'on') return true;
  if (raw === 'off') return false;
  problems.push(`${name}=${JSON.stringify(env[name])} must be on or off`);
  return true;
}

const CIDR = /^(.+)\/(\d{1,3})$/;

/** Off unless configured: behind no proxy, X-Forwarded-For is the client's word and must not pick the rate-limit key. */
function trustProxy(raw: string | undefined, problems: string[]): EdgeSettings['trustProxy'] {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'off' || value === 'false') return false;
  if (value === 'true' || value === 'on') return true;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => {
    const cidr = CIDR.exec(entry);
    return cidr ? isIP(cidr[1] as string) === 0 || Number(cidr[2]) > 128 : isIP(entry) === 0;
  });
  if (bad.length > 0) problems.push(`CRM_TRUST_PROXY: ${bad.join(', ')} is not an address or CIDR (or use off, true, or a hop count)`);
  return entries;
}

function jwtSettings(env: NodeJS.ProcessEnv, problems: string[], reader: Reader): JwtSettings | undefined {
  const issuer = env['CRM_JWT_ISSUER']?.trim();
  const audiences = (env['CRM_JWT_AUDIENCE'] ?? '')
    .split(',')
    .map((audience) => audience.trim())
    .filter(Boolean);
  const jwksFile = env['CRM_JWT_JWKS_FILE']?.trim() || undefined;
  const publicKeyFile = env['CRM_JWT_PUBLIC_KEY_FILE']?.trim() || undefined;
  if (!issuer && audiences.length === 0 && !jwksFile && !publicKeyFile) return undefined;
  if (!issuer) problems.push('JWT verification needs CRM_JWT_ISSUER (the exact iss of accepted tokens)');
  if (audiences.length === 0) problems.push('JWT verification needs CRM_JWT_AUDIENCE (the aud accepted tokens carry)');
  if ((jwksFile === undefined) === (publicKeyFile === undefined)) {
    problems.push('JWT verification needs exactly one of CRM_JWT_JWKS_FILE or CRM_JWT_PUBLIC_KEY_FILE');
  }
  const algorithms = (env['CRM_JWT_ALGORITHMS'] || 'RS256,PS256,ES256,EdDSA').split(',').map((a) => a.trim());
  const unknown = algorithms.filter((algorithm) => !JWT_ALGORITHMS.includes(algorithm));
  if (unknown.length > 0) problems.push(`CRM_JWT_ALGORITHMS: ${unknown.join(', ')} not among ${JWT_ALGORITHMS.join(', ')}`);
  return {
    issuer: issuer ?? '',
    audiences,
    ...(jwksFile ? { jwksFile } : {}),
    ...(publicKeyFile ? { publicKeyFile } : {}),
    algorithms,
    rolesClaim: env['CRM_JWT_ROLES_CLAIM']?.trim() || 'roles',
    tenantClaim: env['CRM_JWT_TENANT_CLAIM']?.trim() || 'tenant',
    clockToleranceSeconds: reader.integer('CRM_JWT_CLOCK_TOLERANCE_S', 5, 0, 300),
    maxLifetimeSeconds: reader.integer('CRM_JWT_MAX_LIFETIME_S', DEFAULT_JWT_MAX_LIFETIME_S, 60, 31_536_000),
  };
}

/** Bounded by default: Fastify's own default is no request timeout at all. */
export const DEFAULT_EDGE_SETTINGS: EdgeSettings = {
  trustProxy: false,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  rateLimit: { enabled: true, max: 6000, windowMs: 60_000, authFailureMax: 20, authFailureWindowMs: 60_000 },
  commandSlots: 4,
};

/** Authentication and edge settings (API.md "Authentication, roles and tenants"); problems go to the caller's list. */
export function loadSecurityConfig(
  env: NodeJS.ProcessEnv,
  context: { readonly dataDir: string; readonly eventStore: string },
  reader: Reader,
): SecurityConfig {
  const { problems } = reader;
  const enabled = onOff(env, 'CRM_AUTH', problems);
  if (!enabled && context.eventStore !== 'sqlite' && context.eventStore !== 'memory') {
    problems.push('CRM_AUTH=off is only allowed on the embedded store (CRM_EVENT_STORE=sqlite): a shared store is never left open');
  }
  const secret = env['CRM_AUTH_SECRET'] || undefined;
  if (secret !== undefined && secret.length < 32) problems.push('CRM_AUTH_SECRET must be at least 32 characters (e.g. 64 hex digits)');
  const jwt = jwtSettings(env, problems, reader);
  const auth: AuthSettings = {
    enabled,
    bootstrapKeyFile: env['CRM_BOOTSTRAP_KEY_FILE'] || join(context.dataDir, 'bootstrap-admin.key'),
    ...(secret === undefined ? {} : { secret }),
    secretFile: env['CRM_AUTH_SECRET_FILE'] || join(context.dataDir, 'auth-secret.key'),
    ...(jwt ? { jwt } : {}),
  };
  const defaults = DEFAULT_EDGE_SETTINGS;
  const requestTimeoutMs = reader.integer('CRM_REQUEST_TIMEOUT_MS', defaults.requestTimeoutMs, 1000, 600_000);
  const edge: EdgeSettings = {
    trustProxy: trustProxy(env['CRM_TRUST_PROXY'], problems),
    requestTimeoutMs,
    headersTimeoutMs: reader.integer(
      'CRM_HEADERS_TIMEOUT_MS',
      Math.min(defaults.headersTimeoutMs, requestTimeoutMs),
      1000,
      requestTimeoutMs,
    ),
    idleTimeoutMs: reader.integer('CRM_IDLE_TIMEOUT_MS', defaults.idleTimeoutMs, 1000, 600_000),
    rateLimit: {
      enabled: onOff(env, 'CRM_RATE_LIMIT', problems),
      max: reader.integer('CRM_RATE_LIMIT_MAX', defaults.rateLimit.max, 1, 10_000_000),
      windowMs: reader.integer('CRM_RATE_LIMIT_WINDOW_MS', defaults.rateLimit.windowMs, 1000, 86_400_000),
      authFailureMax: reader.integer('CRM_AUTH_FAILURE_LIMIT', defaults.rateLimit.authFailureMax, 1, 1_000_000),
      authFailureWindowMs: reader.integer('CRM_AUTH_FAILURE_WINDOW_MS', defaults.rateLimit.authFailureWindowMs, 1000, 86_400_000),
    },
    // Bounded by default on the embedded store only: its commands are CPU on this process's one thread, and a few at a
    // time keep its group commit full; a server store's commands wait on the network, and 4 at a time left the CPU
    // idle (PostgreSQL, 16 writers: −35% captures). docs/views-at-scale.md, "Commands wait their turn".
    commandSlots: reader.integer('CRM_COMMAND_CONCURRENCY', context.eventStore === 'sqlite' ? defaults.commandSlots : 0, 0, 10_000),
  };
  return { auth, edge };
}
