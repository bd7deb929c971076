import { HttpException, HttpStatus } from '@nestjs/common';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { type RateLimitSettings, UNLIMITED_ROUTES } from './edge-settings';

/** How a limiter answers one request. */
export interface LimitVerdict {
  readonly exceeded: boolean;
  readonly retryAfterSeconds: number;
}

/** Counts something per client address; `count: false` only looks. */
export type AddressLimiter = (request: FastifyRequest, options?: { readonly count?: boolean }) => Promise<LimitVerdict>;

/** Whose budget a request spends: its principal's once authenticated, its address's before. */
function budgetOf(request: FastifyRequest): string {
  const principal = request.principal;
  return principal ? `principal:${principal.tenantId}/${principal.id}` : `address:${request.ip}`;
}

/** Helmet's headers: nosniff, no framing, a CSP the OpenAPI UI can live with. */
export const SECURITY_HEADERS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      frameAncestors: ["'none'"],
      // Served over plain HTTP on a laptop, the OpenAPI UI's assets would otherwise be asked for over HTTPS.
      upgradeInsecureRequests: null,
    },
  },
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/**
 * Sets helmet's headers on every reply (an onRequest hook, as `@fastify/helmet` adds), with helmet's
 * middleware built once: `@fastify/helmet` builds it again for every request (the CSP parsed and
 * every header function made afresh), 2–3% of a command's CPU time. Same headers, same place in the hooks.
 */
export function installSecurityHeaders(fastify: FastifyInstance, options: Readonly<HelmetOptions> = SECURITY_HEADERS): void {
  const setHeaders = helmet(options);
  fastify.addHook('onRequest', (request, reply, done) => {
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error instanceof Error ? error : undefined));
  });
}

/**
 * Security headers (`installSecurityHeaders`) and the per-principal rate limit
 * (the kept Fastify plugin). Returns a per-address limiter for failed
 * authentications, which the authentication hook counts with (undefined when
 * limits are off).
 */
/** A window as people say it: "1 minute", "30 seconds". */
export function windowText(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 60 === 0 && seconds >= 60) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

export async function hardenEdge(app: NestFastifyApplication, limits: RateLimitSettings): Promise<AddressLimiter | undefined> {
  installSecurityHeaders(app.getHttpAdapter().getInstance());
  if (!limits.enabled) return undefined;
  await app.register(rateLimit, {
    max: limits.max,
    timeWindow: limits.windowMs,
    // After authentication (onRequest) and before the body is read: a client over its budget costs no parsing.
    hook: 'preParsing',
    keyGenerator: budgetOf,
    allowList: (request) => UNLIMITED_ROUTES.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) =>
      new HttpException(
        // `context.after` is the time left until the budget renews, not the window (a probe read "40 per 40 seconds").
        `Rate limit of ${context.max} requests per ${windowText(limits.windowMs)} reached; retry in ${context.after} (Retry-After)`,
        HttpStatus.TOO_MANY_REQUESTS,
      ),
  });
  const fastify = app.getHttpAdapter().getInstance();
  const failures = fastify.createRateLimit({
    max: limits.authFailureMax,
    timeWindow: limits.authFailureWindowMs,
    keyGenerator: (request) => `failed-auth:${request.ip}`,
  });
  return async (request, options = {}) => {
    const verdict = await failures(request, options.count === false ? { increment: false } : undefined);
    if (verdict.isAllowed) return { exceeded: false, retryAfterSeconds: 0 };
    // Looking: the next failure would be one too many. Counting: this one was.
    const exceeded = options.count === false ? verdict.remaining === 0 && verdict.ttl > 0 : verdict.isExceeded;
    return { exceeded, retryAfterSeconds: Math.max(1, verdict.ttlInSeconds) };
  };
}
