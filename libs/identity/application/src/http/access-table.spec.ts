import type { Principal } from '@crm/shared/http';
import { ACCESS_TABLE, accessRuleFor, mayCall, rolesAllowed } from './access-table';

const as = (...roles: string[]): Principal => ({ id: 'k', kind: 'api-key', roles, tenantId: 'acme' });
const allowed = (method: string, template: string) => rolesAllowed(accessRuleFor(method, template));

describe('the access table', () => {
  it("gives each route family API.md's roles, admin always among them", () => {
    expect(allowed('POST', '/api/v1/leads/:id/qualify')).toEqual(['sales', 'admin']);
    expect(allowed('POST', '/api/v1/campaigns/:id/start')).toEqual(['marketing', 'admin']);
    expect(allowed('POST', '/api/v1/activities/:id/complete')).toEqual(['sales', 'marketing', 'service', 'admin']);
    expect(allowed('POST', '/api/v1/surveys/responses')).toEqual(['service', 'admin']);
    expect(allowed('GET', '/api/v1/views/pipeline/opportunities')).toEqual(['sales', 'marketing', 'analyst', 'admin']);
    expect(allowed('GET', '/api/v1/views/complaints/:id/audit-trail')).toEqual(['service', 'analyst', 'auditor', 'admin']);
    expect(allowed('GET', '/api/v1/views/churn')).toEqual(['sales', 'analyst', 'admin']);
    expect(allowed('GET', '/api/v1/streams/:streamId')).toEqual(['auditor', 'admin']);
    expect(allowed('POST', '/api/v1/admin/api-keys/:id/revoke')).toEqual(['admin']);
    expect(allowed('GET', '/metrics')).toEqual(['ops', 'admin']);
  });

  it('lets the longest matching path decide: the probes are open, the health details are not', () => {
    expect(allowed('GET', '/health')).toEqual(['ops', 'admin']);
    expect(allowed('GET', '/health/live')).toBe('anyone');
    expect(allowed('HEAD', '/health/ready')).toBe('anyone');
    // A prefix matches on a segment boundary only.
    expect(accessRuleFor('POST', '/api/v1/leadsX')).toBeUndefined();
  });

  it('reads commands and reads apart: reading /leads is not a sales command', () => {
    expect(accessRuleFor('GET', '/api/v1/leads/:id')).toBeUndefined();
    expect(accessRuleFor('POST', '/api/v1/views/churn')).toBeUndefined();
  });

  it('fails closed: a route no row covers is for admins only', () => {
    expect(allowed('GET', '/api/v1/something-new')).toEqual(['admin']);
    expect(mayCall(as('sales', 'analyst', 'auditor', 'ops'), accessRuleFor('GET', '/api/v1/something-new'))).toBe(false);
    expect(mayCall(as('admin'), accessRuleFor('GET', '/api/v1/something-new'))).toBe(true);
  });

  it('decides by role: one fitting role is enough, none is a refusal', () => {
    const rule = accessRuleFor('GET', '/api/v1/views/satisfaction');
    expect(mayCall(as('sales', 'auditor'), rule)).toBe(true);
    expect(mayCall(as('sales', 'marketing', 'ops'), rule)).toBe(false);
    expect(mayCall(as(), rule)).toBe(false);
  });

  it('has no two rows claiming the same method and path', () => {
    const claims = ACCESS_TABLE.flatMap((rule) => rule.methods.flatMap((method) => rule.paths.map((path) => `${method} ${path}`)));
    expect(claims.length).toBe(new Set(claims).size);
  });

  it("keeps process-wide routes (health details, metrics) to the operator's tenant: another tenant's ops or admin is refused", () => {
    const rule = accessRuleFor('GET', '/metrics');
    const of = (tenantId: string, ...roles: string[]): Principal => ({ id: 'k', kind: 'api-key', roles, tenantId });
    expect(mayCall(of('default', 'ops'), rule)).toBe(true);
    expect(mayCall(of('default', 'admin'), rule)).toBe(true);
    expect(mayCall(of('acme', 'ops'), rule)).toBe(false);
    expect(mayCall(of('acme', 'admin'), accessRuleFor('GET', '/health'))).toBe(false);
    expect(mayCall({ ...of('acme', 'admin'), allTenants: true }, rule)).toBe(true);
    expect(mayCall(of('default', 'sales'), rule)).toBe(false);
    // Its own tenant's routes stay the tenant admin's.
    expect(mayCall(of('acme', 'admin'), accessRuleFor('GET', '/api/v1/admin/api-keys'))).toBe(true);
    expect(mayCall(of('acme', 'ops'), accessRuleFor('GET', '/health/ready'))).toBe(true);
  });
});
