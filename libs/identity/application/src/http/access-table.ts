import type { Role } from '@crm/identity/domain';
import { DEFAULT_TENANT } from '@crm/shared/event-sourcing';
import type { Principal } from '@crm/shared/http';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AccessRule {
  /** The row as API.md words it; shown in each operation's OpenAPI description. */
  readonly routes: string;
  readonly methods: readonly HttpMethod[];
  /** Route templates or their prefixes (on segment boundaries), as the router knows them (`/api/v1/leads/:id/qualify`). */
  readonly paths: readonly string[];
  /** Who may call besides admin; `anyone` needs no credentials at all. */
  readonly roles: readonly Role[] | 'anyone';
  /**
   * The route shows the whole process, every tenant's traffic in its figures (health details, metrics): only the
   * operator's principals may read it, those of the tenant the bootstrap key belongs to (`OPERATOR_TENANT`), not an
   * admin or ops key of another tenant.
   */
  readonly operatorsOnly?: true;
}

/** The tenant of the bootstrap key and of whoever runs the installation: process-wide routes are theirs. */
export const OPERATOR_TENANT = DEFAULT_TENANT;

const COMMANDS: readonly HttpMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
const READS: readonly HttpMethod[] = ['GET'];
const ALL: readonly HttpMethod[] = [...READS, ...COMMANDS];
const v1 = (...paths: string[]) => paths.map((path) => `/api/v1${path}`);

/**
 * The one table of who may call what (API.md "Authentication, roles and
 * tenants"). Admin may do everything within its tenant. The longest matching
 * path decides; a route no row covers is admin-only (fail closed), and a
 * test lists every such route so the table keeps up with the API.
 */
export const ACCESS_TABLE: readonly AccessRule[] = [
  {
    routes: 'commands on /leads, /contacts, /accounts, /opportunities, /quotes',
    methods: COMMANDS,
    paths: v1('/leads', '/contacts', '/accounts', '/opportunities', '/quotes'),
    roles: ['sales'],
  },
  {
    routes: 'commands on /marketing-lists, /campaigns',
    methods: COMMANDS,
    paths: v1('/marketing-lists', '/campaigns'),
    roles: ['marketing'],
  },
  {
    routes: '/activities, /interactions',
    methods: ALL,
    paths: v1('/activities', '/interactions'),
    roles: ['sales', 'marketing', 'service'],
  },
  {
    routes: 'commands on /complaints, /feedback, /surveys',
    methods: COMMANDS,
    paths: v1('/complaints', '/feedback', '/surveys'),
    roles: ['service'],
  },
  {
    routes: 'GET /views/pipeline…, /views/funnel, /views/campaigns/…',
    methods: READS,
    paths: v1('/views/pipeline', '/views/funnel', '/views/campaigns'),
    roles: ['sales', 'marketing', 'analyst'],
  },
  {
    routes: 'GET /views/complaints/…, /views/satisfaction',
    methods: READS,
    paths: v1('/views/complaints', '/views/satisfaction'),
    roles: ['service', 'analyst', 'auditor'],
  },
  {
    routes: 'GET /views/customers/…, /views/churn',
    methods: READS,
    paths: v1('/views/customers', '/views/churn'),
    roles: ['sales', 'analyst'],
  },
  // API.md's "integrity verification" is each stream's reply (its hash chain verified): no route of its own.
  { routes: 'GET /streams/… (each with its integrity verification)', methods: READS, paths: v1('/streams'), roles: ['auditor'] },
  { routes: '/admin/…, /data-subjects/…', methods: ALL, paths: v1('/admin', '/data-subjects'), roles: [] },
  {
    routes: "GET /health, GET /metrics (the operator's tenant only)",
    methods: READS,
    paths: ['/health', '/metrics'],
    roles: ['ops'],
    operatorsOnly: true,
  },
  { routes: 'GET /health/live, GET /health/ready', methods: READS, paths: ['/health/live', '/health/ready'], roles: 'anyone' },
  { routes: 'the OpenAPI document and its UI', methods: READS, paths: ['/api/docs', '/api/docs-json', '/api/docs-yaml'], roles: 'anyone' },
];

const covers = (path: string, template: string) => template === path || template.startsWith(`${path}/`);

/** The row for a route (HEAD reads as GET), or undefined when no row covers it. */
export function accessRuleFor(method: string, template: string, table: readonly AccessRule[] = ACCESS_TABLE): AccessRule | undefined {
  const verb = (method === 'HEAD' ? 'GET' : method) as HttpMethod;
  let best: { rule: AccessRule; length: number } | undefined;
  for (const rule of table) {
    if (!rule.methods.includes(verb)) continue;
    for (const path of rule.paths) {
      if (covers(path, template) && (best === undefined || path.length > best.length)) best = { rule, length: path.length };
    }
  }
  return best?.rule;
}

/** The roles a route admits, admin always among them. */
export function rolesAllowed(rule: AccessRule | undefined): readonly Role[] | 'anyone' {
  if (rule?.roles === 'anyone') return 'anyone';
  return [...(rule?.roles ?? []), 'admin'];
}

export function mayCall(principal: Principal, rule: AccessRule | undefined): boolean {
  const allowed = rolesAllowed(rule);
  if (allowed === 'anyone') return true;
  return principal.roles.some((role) => (allowed as readonly string[]).includes(role)) && isOperatorIfNeeded(principal, rule);
}

/** Whether a principal may read a route that shows every tenant (`operatorsOnly`): the bootstrap key, or one of its tenant. */
export function isOperatorIfNeeded(principal: Principal, rule: AccessRule | undefined): boolean {
  return rule?.operatorsOnly !== true || principal.allTenants === true || principal.tenantId === OPERATOR_TENANT;
}
