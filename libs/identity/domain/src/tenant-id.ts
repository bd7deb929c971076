/**
 * A tenant id scopes streams, read-model keys and dedupe keys (`tenant:id`,
 * `tenant/key`). Lower-case letters, digits and inner dashes only, so it can
 * never carry the separators those keys are built with.
 */
export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID_PATTERN.test(value);
}
