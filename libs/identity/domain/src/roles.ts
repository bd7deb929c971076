/**
 * The roles of API.md "Authentication, roles and tenants". Which routes each
 * may use is the HTTP edge's table; here is only the vocabulary, so keys and
 * tokens can be checked against it.
 */
export const ROLES = ['sales', 'marketing', 'service', 'analyst', 'auditor', 'ops', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Distinct roles in the table's order, so two spellings of one set record the same event. */
export function canonicalRoles(roles: readonly Role[]): Role[] {
  return ROLES.filter((role) => roles.includes(role));
}
