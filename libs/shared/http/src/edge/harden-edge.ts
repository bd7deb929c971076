import { HttpException, HttpStatus } from '@nestjs/common';
import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { REQUEST_PROBLEMS } from '../openapi/http-problems';
import { PROBLEM_CONTENT_TYPE, problem, problemTitle } from '../problem-details';
import { type RateLimitSettings, UNLIMITED_ROUTES } from './edge-settings';

/** How a limiter answers one request. */
export interface LimitVerdict {
  readonly exceeded: boolean;
  readonly retryAfterSeconds: number;
}

/** Counts something per client address; `count: false` only looks. */
export type AddressLimiter = (request: FastifyRequest, options?: { readonly count?: boolean }) => Promise<LimitVerdict>;

/**
 * Spends the request's budget (its principal's when `request.principal` is set, its address's before) for a request
 * answered before the rate limit's own hook (preParsing) would count it: one whose authentication failed (none sent
 * included), one with two Authorization headers, one for a path the API does not serve. Sets the budget's headers;
 * answers 429 itself when the budget is spent (and returns the reply), else returns undefined.
 */
export type EarlyBudget = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** The limiters `hardenEdge` hands the authentication hook. */
export interface EdgeLimiters {
  /** Failed authentications per address (`CRM_AUTH_FAILURE_LIMIT`). */
  readonly failures: AddressLimiter;
  readonly early: EarlyBudget;
}

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

/** A window as people say it: "1 minute", "30 seconds". */
export function windowText(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds % 60 === 0 && seconds >= 60) return seconds === 60 ? '1 minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}

/**
 * Security headers (`installSecurityHeaders`) and the per-principal rate limit (the kept Fastify plugin). Returns the
 * limiters the authentication hook counts with (undefined when limits are off): failed authentications per address,
 * and the plugin's own budgets for the requests it answers before the plugin's hook sees them (a 401, a path not
 * served: a 404 or 405 costs as much as any request).
 */
export async function hardenEdge(app: NestFastifyApplication, limits: RateLimitSettings): Promise<EdgeLimiters | undefined> {
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
  // The plugin's own counters (its store, its budgets by `budgetOf`): a request spends the same budget wherever it is
  // answered.
  const budget = fastify.createRateLimit();
  const early: EarlyBudget = async (request, reply) => {
    const verdict = await budget(request);
    if (verdict.isAllowed) return undefined;
    if (!verdict.isExceeded) {
      // As the plugin tells every request it counts.
      void reply
        .header('x-ratelimit-limit', String(verdict.max))
        .header('x-ratelimit-remaining', String(verdict.remaining))
        .header('x-ratelimit-reset', String(verdict.ttlInSeconds));
      return undefined;
    }
    const retryAfter = Math.max(1, verdict.ttlInSeconds);
    const detail = `Rate limit of ${verdict.max} requests per ${windowText(limits.windowMs)} reached; retry in ${windowText(retryAfter * 1000)} (Retry-After)`;
    return reply
      .code(429)
      .header('retry-after', String(retryAfter))
      .header('x-ratelimit-limit', String(verdict.max))
      .header('x-ratelimit-remaining', '0')
      .header('x-ratelimit-reset', String(retryAfter))
      .type(PROBLEM_CONTENT_TYPE)
      .send(problem(429, REQUEST_PROBLEMS.TOO_MANY.code, problemTitle(429), detail, { instance: request.url }));
  };
  const failures = fastify.createRateLimit({
    max: limits.authFailureMax,
    timeWindow: limits.authFailureWindowMs,
    keyGenerator: (request) => `failed-auth:${request.ip}`,
  });
  return {
    early,
    failures: async (request, options = {}) => {
      const verdict = await failures(request, options.count === false ? { increment: false } : undefined);
      if (verdict.isAllowed) return { exceeded: false, retryAfterSeconds: 0 };
      // Looking: the next failure would be one too many. Counting: this one was.
      const exceeded = options.count === false ? verdict.remaining === 0 && verdict.ttl > 0 : verdict.isExceeded;
      return { exceeded, retryAfterSeconds: Math.max(1, verdict.ttlInSeconds) };
    },
  };
}
