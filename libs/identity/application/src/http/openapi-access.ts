import type { OpenAPIObject } from '@nestjs/swagger';
import { problemSchema } from '@crm/shared/http';
import { accessRuleFor, rolesAllowed } from './access-table';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'] as const;
const BEARER = 'bearer';

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

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
      const allowed = rolesAllowed(accessRuleFor(method.toUpperCase(), templateOf(path)));
      if (allowed === 'anyone') {
        next[method] = { ...operation, security: [] };
        continue;
      }
      const roles = `Roles: ${allowed.join(', ')}.`;
      next[method] = {
        ...operation,
        security: [{ [BEARER]: [] }],
        description: operation.description ? `${roles}\n\n${operation.description}` : roles,
        responses: {
          ...operation.responses,
          401: problem('No credentials, or a malformed, unknown, expired or revoked token (WWW-Authenticate: Bearer)'),
          403: problem(`AUTH.FORBIDDEN: the caller has none of the roles ${allowed.join(', ')}`),
          429: problem('Rate limited (per caller), or too many failed authentications from this address; see Retry-After'),
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
