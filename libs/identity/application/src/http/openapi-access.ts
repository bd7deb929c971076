import type { OpenAPIObject } from '@nestjs/swagger';
import {
  AUTH_PROBLEMS,
  problemResponse,
  RATE_LIMIT_HEADERS,
  REQUEST_PROBLEMS,
  RETRY_AFTER_HEADER,
  UNLIMITED_ROUTES,
} from '@crm/shared/http';
import { accessRuleFor, rolesAllowed } from './access-table';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'] as const;
const BEARER = 'bearer';

const problem = (description: string, refusals: Parameters<typeof problemResponse>[1], headers?: Record<string, unknown>) =>
  problemResponse(description, refusals, headers);
/**
 * The per-caller rate limit (per address for an anonymous caller) covers every route but the probes (UNLIMITED_ROUTES);
 * its 429 says when to retry, and carries the budget's headers as every reply it counted does (not the 429 of too many
 * failed authentications, nor a 403: the authentication hook answers those before the limit counts the request).
 */
const rateLimited = (description: string, refusals: Parameters<typeof problemResponse>[1]) =>
  problem(description, [...refusals, REQUEST_PROBLEMS.TOO_MANY], { ...RETRY_AFTER_HEADER, ...RATE_LIMIT_HEADERS });
/**
 * Every 401 names the scheme (RFC 6750 §3): `Bearer realm="crm"` alone when no Bearer credentials were sent (none, or
 * another scheme's), with `error="invalid_request"` for a Bearer header without a well-formed token, and with
 * `error="invalid_token"` for a token that is bad, unknown, expired or revoked.
 */
const CHALLENGE_HEADER = {
  'WWW-Authenticate': {
    description:
      'Bearer realm="crm" when no Bearer credentials were sent (none, or another scheme such as Basic); ' +
      'Bearer realm="crm", error="invalid_request", error_description="…" for a Bearer header without a well-formed token; ' +
      'Bearer realm="crm", error="invalid_token", error_description="…" for a token that is bad, unknown, expired or revoked',
    schema: { type: 'string' },
  },
};

/** `/api/v1/leads/{id}/qualify` → `/api/v1/leads/:id/qualify`, the router's spelling the table uses. */
const templateOf = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

/**
 * Security in the published contract comes from the access table itself, not
 * from decorators per controller: the bearer scheme, 401/403 on every
 * protected operation, and its roles in the description.
 */
export function withAccessControl(document: OpenAPIObject): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const next: Record<string, unknown> = { ...item };
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const rule = accessRuleFor(method.toUpperCase(), templateOf(path));
      const allowed = rolesAllowed(rule);
      if (allowed === 'anyone') {
        const limited = !UNLIMITED_ROUTES.has(path);
        next[method] = {
          ...operation,
          security: [],
          responses: {
            ...operation.responses,
            ...(limited ? { 429: rateLimited('Rate limited (per client address); see Retry-After', []) } : {}),
          },
        };
        continue;
      }
      const operators = rule?.operatorsOnly
        ? " Only the operator's tenant (the bootstrap key's) may read it: it shows every tenant's traffic."
        : '';
      const roles = `Roles: ${allowed.join(', ')}.${operators}`;
      next[method] = {
        ...operation,
        security: [{ [BEARER]: [] }],
        description: operation.description ? `${roles}\n\n${operation.description}` : roles,
        responses: {
          ...operation.responses,
          401: problem(
            'No credentials, or a malformed, unknown, expired or revoked token (WWW-Authenticate: Bearer)',
            [AUTH_PROBLEMS.UNAUTHENTICATED],
            CHALLENGE_HEADER,
          ),
          403: problem(
            `The caller has none of the roles ${allowed.join(', ')}${rule?.operatorsOnly ? ", or is not of the operator's tenant" : ''}`,
            [AUTH_PROBLEMS.FORBIDDEN],
          ),
          429: rateLimited('Rate limited (per caller), or too many failed authentications from this address; see Retry-After', [
            AUTH_PROBLEMS.TOO_MANY_FAILURES,
          ]),
        },
      };
    }
    paths[path] = next;
  }
  return {
    ...document,
    paths,
    security: [{ [BEARER]: [] }],
    components: {
      ...document.components,
      securitySchemes: {
        ...document.components?.securitySchemes,
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (crm_…) or a JWT from the configured issuer',
        },
      },
    },
  };
}
