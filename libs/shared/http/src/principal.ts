import { createParamDecorator, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** How the caller proved who it is. */
export type PrincipalKind = 'api-key' | 'jwt' | 'anonymous';

/**
 * The authenticated caller, set on the request by the authentication hook
 * before any handler runs. Events record it as their actor; its tenant scopes
 * everything the request writes and reads.
 */
export interface Principal {
  /** An API key's id, a JWT's `sub`, or `anonymous` when authentication is off. */
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly roles: readonly string[];
  readonly tenantId: string;
  /** Only the bootstrap key: it may administer the keys of every tenant. */
  readonly allTenants?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * The request's principal. A handler reached without one is a wiring fault
 * (a route the authentication hook did not cover): refuse rather than act as
 * nobody in some tenant.
 */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (!principal) throw new UnauthorizedException('This route needs an authenticated caller');
  return principal;
}

/** `@CurrentPrincipal() principal: Principal` in a controller method. */
export const CurrentPrincipal = createParamDecorator((_: unknown, execution: ExecutionContext): Principal =>
  principalOf(execution.switchToHttp().getRequest<FastifyRequest>()),
);

/** `@Tenant() tenantId: string`: the caller's tenant, which scopes every read and write of the request. */
export const Tenant = createParamDecorator(
  (_: unknown, execution: ExecutionContext): string => principalOf(execution.switchToHttp().getRequest<FastifyRequest>()).tenantId,
);
