import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AUTH_PROBLEMS,
  PROBLEM_CONTENT_TYPE,
  problem,
  problemTitle,
  REQUEST_PROBLEMS,
  type EdgeLimiters,
  type LimitVerdict,
} from '@crm/shared/http';
import { AuthenticationFailure } from '../authentication/authentication-failure';
import type { Authenticator } from '../authentication/authenticator';
import { accessRuleFor, isOperatorIfNeeded, mayCall, OPERATOR_TENANT, rolesAllowed } from './access-table';

const REALM = 'realm="crm"';

/** The routes each app registered, so the table's gaps can be listed (and are logged at start-up). */
const registered = new WeakMap<FastifyInstance, string[]>();

/** `METHOD /template` of every route no row of the access table covers: admin-only until a row says otherwise. */
export function routesOutsideTable(fastify: FastifyInstance): string[] {
  return (registered.get(fastify) ?? []).filter((route) => {
    const [method = '', template = ''] = route.split(' ');
    return accessRuleFor(method, template) === undefined;
  });
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, code: string, title: string, detail: string): FastifyReply {
  return reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem(status, code, title, detail, { instance: request.url }));
}

/** RFC 6750 §3: an error_description holds visible ASCII but `"` and `\`, so the header stays one quoted string. */
function challengeText(message: string): string {
  return message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}

const challengeWith = (error: 'invalid_request' | 'invalid_token', description: string): string =>
  `Bearer ${REALM}, error="${error}", error_description="${challengeText(description)}"`;

/**
 * RFC 6750 §3.1: no error code when no Bearer credentials were presented (none, or another scheme's), `invalid_request`
 * for a Bearer header that holds no well-formed token, `invalid_token` for a token that is bad, expired or revoked.
 */
function challengeFor(failure: AuthenticationFailure): string {
  switch (failure.reason) {
    case 'missing':
    case 'other_scheme':
      return `Bearer ${REALM}`;
    case 'malformed':
      return challengeWith('invalid_request', failure.message);
    default:
      return challengeWith('invalid_token', failure.message);
  }
}

function unauthorized(reply: FastifyReply, request: FastifyRequest, failure: AuthenticationFailure): FastifyReply {
  reply.header('www-authenticate', challengeFor(failure));
  return send(reply, request, 401, AUTH_PROBLEMS.UNAUTHENTICATED.code, 'Authentication required', failure.message);
}

/** How many Authorization fields the request carried: Node keeps the first of several and drops the rest unsaid. */
function authorizationFields(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let index = 0; index < raw.length; index += 2) if (raw[index]?.toLowerCase() === 'authorization') count += 1;
  return count;
}

/**
 * Authorization is no list (RFC 9110 §5.3, §11.6.2): two fields are two credentials, and reading either one would let
 * a proxy's or a client's slip decide who the caller is. 400 (RFC 6750 §3.1 `invalid_request`: more than one
 * method of sending a token), before either is tried.
 */
function repeatedAuthorization(reply: FastifyReply, request: FastifyRequest): FastifyReply {
  const detail = 'The request carries more than one Authorization header: send exactly one, Authorization: Bearer <token>';
  reply.header('www-authenticate', challengeWith('invalid_request', detail));
  return send(reply, request, 400, REQUEST_PROBLEMS.MALFORMED.code, problemTitle(400), detail);
}

function tooManyFailures(reply: FastifyReply, request: FastifyRequest, verdict: LimitVerdict): FastifyReply {
  reply.header('retry-after', String(verdict.retryAfterSeconds));
  const detail = `Too many failed authentications from this address; retry after ${verdict.retryAfterSeconds} s`;
  return send(reply, request, 429, AUTH_PROBLEMS.TOO_MANY_FAILURES.code, 'Too many failed authentications', detail);
}

/**
 * Authenticates and authorises every request before its body is read, from
 * the one access table: 400 REQUEST.MALFORMED for a repeated Authorization header, 401 (with WWW-Authenticate) for a
 * missing or bad credential, 403 AUTH.FORBIDDEN when no role fits, 429 for a bad credential
 * once its address has failed too often (a good one still passes), and 429 once the rate limit's budget is spent by
 * requests answered here (`EdgeLimiters.early`), which spend it as others do. Sets `request.principal`, which the
 * handlers' actor and tenant come from. Replies to authenticated routes are never cached.
 */
export function installAuthenticationHook(fastify: FastifyInstance, authenticator: Authenticator, limits?: EdgeLimiters): void {
  // Declared up front, so every request object has the same shape.
  if (!fastify.hasRequestDecorator('principal')) fastify.decorateRequest('principal', undefined);
  const routes: string[] = [];
  registered.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD' && method !== 'OPTIONS') routes.push(`${method} ${route.url}`);
  });
  fastify.addHook('onReady', async () => {
    const outside = routesOutsideTable(fastify);
    if (outside.length > 0) new Logger('Auth').warn(`No access-table row covers ${outside.join(', ')}: admins only until one does`);
  });
  // The budget of a request answered here, before the rate limit's own hook: its reply when that is spent (a 429).
  const spend = (request: FastifyRequest, reply: FastifyReply) =>
    limits && authenticator.enabled ? limits.early(request, reply) : Promise.resolve(undefined);
  fastify.addHook('onRequest', async (request, reply) => {
    const template = request.routeOptions.url;
    // No route: the not-found handler (or the 405 of a path served with other methods) answers, and there is nothing
    // behind it to protect. It costs a budget all the same: the caller's, when its credential is good (never its
    // address's, which a proxy shares), else its address's.
    if (template === undefined) {
      if (!limits || !authenticator.enabled) return undefined;
      if (request.headers.authorization !== undefined && authorizationFields(request) === 1)
        request.principal = await authenticator.authenticate(request.headers.authorization).catch(() => undefined);
      return spend(request, reply);
    }
    const rule = accessRuleFor(request.method, template);
    if (rule?.roles === 'anyone') return undefined;
    reply.header('cache-control', 'no-store');
    if (authenticator.enabled && authorizationFields(request) > 1)
      return (await spend(request, reply)) ?? repeatedAuthorization(reply, request);
    let principal;
    try {
      principal = await authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof AuthenticationFailure)) throw error;
      // Only a credential that was tried counts: a client that sent none is not guessing. Past the address's budget
      // a bad credential is 429; a good one is never refused for its address: behind a proxy every client shares one,
      // and 20 bad tokens a minute from anyone would otherwise lock every service out (keys and tokens cannot be
      // guessed, so the budget is against floods of bad ones, not a guard of the good ones).
      if (error.reason !== 'missing' && limits && authenticator.enabled) {
        const verdict = await limits.failures(request);
        if (verdict.exceeded) return tooManyFailures(reply, request, verdict);
      }
      // The address's budget, so a flood without credentials is bounded like any other.
      return (await spend(request, reply)) ?? unauthorized(reply, request, error);
    }
    if (!mayCall(principal, rule)) {
      // A 403 costs its caller's budget too, as the request would past this hook.
      request.principal = principal;
      const refused = await spend(request, reply);
      request.principal = undefined;
      if (refused) return refused;
      const allowed = (rolesAllowed(rule) as readonly string[]).join(', ');
      const detail = isOperatorIfNeeded(principal, rule)
        ? `This route needs one of the roles: ${allowed}`
        : `This route shows every tenant's traffic: only the operator's tenant (${OPERATOR_TENANT}) may read it`;
      return send(reply, request, 403, AUTH_PROBLEMS.FORBIDDEN.code, 'Forbidden', detail);
    }
    request.principal = principal;
  });
}
