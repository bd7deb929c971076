import { userInfo } from 'node:os';
import { isTenantId } from '@crm/identity/domain';
import { DEFAULT_TENANT, type Actor } from '@crm/shared/event-sourcing';
import { UsageError } from './args';

/**
 * Who the CLI records as the actor of what it writes: it opens the store
 * directly, past the API's authentication, so the audit trail names the
 * operating-system user who ran it (never "anonymous").
 */
export function cliActor(env: NodeJS.ProcessEnv): Actor {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the environment's word is all there is.
  }
  const name = (user || env['USER'] || env['USERNAME'] || `uid-${process.getuid?.() ?? 'unknown'}`).replace(/[^\p{L}\p{N}._@-]/gu, '_');
  return { id: `cli:${name}`, roles: [] };
}

/** `--tenant`: the default tenant unless given; a malformed one is a usage error, not an empty answer. */
export function tenantOption(value: string | undefined): string {
  if (value === undefined) return DEFAULT_TENANT;
  if (!isTenantId(value))
    throw new UsageError(`--tenant ${JSON.stringify(value)} is not a tenant id (lower-case letters, digits, inner dashes)`);
  return value;
}

/** `--tenant ID` or `--all-tenants` (undefined: every tenant), never both; neither is the default tenant. */
export function tenantScope(tenant: string | undefined, allTenants: boolean | undefined): string | undefined {
  if (tenant !== undefined && allTenants) throw new UsageError('--tenant and --all-tenants exclude each other');
  return allTenants ? undefined : tenantOption(tenant);
}
