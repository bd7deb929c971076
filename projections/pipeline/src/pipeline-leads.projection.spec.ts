import { at, leadAssigned, leadCaptured, leadDisqualified, leadQualified } from '@crm/projections/testing';
import { projectionSpec } from '@crm/shared/testing';
import { pipelineLeads, type PipelineLead } from './pipeline-leads.projection';

const spec = projectionSpec(pipelineLeads);

const capturedLead: PipelineLead = {
  tenantId: 'default',
  leadId: 'l1',
  source: 'campaign',
  campaignId: 'c1',
  capturedAt: at(1),
  status: 'captured',
};

describe('pipeline-leads projection', () => {
  it('records where and when a lead came from, and who owns it', () => {
    spec
      .given([leadCaptured('l1', 'campaign', { campaignId: 'c1' }), leadAssigned('l1', 'u7')])
      .thenDocuments({ 'default:l1': { ...capturedLead, ownerId: 'u7' } });
  });

  it('links a qualified lead to the opportunity, account and contact it became', () => {
    spec
      .given([leadCaptured('l1', 'campaign', { campaignId: 'c1' }), leadQualified('l1', 'o1', { source: 'campaign', campaignId: 'c1' })])
      .thenDocument('default:l1', {
        ...capturedLead,
        status: 'qualified',
        qualifiedAt: at(3),
        opportunityId: 'o1',
        accountId: 'account-l1',
        contactId: 'contact-l1',
      });
  });

  it('marks a disqualified lead with the reason', () => {
    spec.given([leadCaptured('l2', 'web'), leadDisqualified('l2')]).thenDocuments({
      'default:l2': {
        tenantId: 'default',
        leadId: 'l2',
        source: 'web',
        capturedAt: at(1),
        status: 'disqualified',
        disqualifiedAt: at(4),
        disqualifyReason: 'no_budget',
      },
    });
  });

  it('counts a lead in its capture month in the business time zone (Asia/Tehran), not the UTC one', () => {
    const spec = projectionSpec(pipelineLeads).given([
      // 00:30 on 1 March in Tehran (+03:30): March's, though still 28 February in UTC.
      leadCaptured('l1', 'web', { capturedAt: '2025-02-28T21:00:00.000Z' }),
      // 23:30 on 28 February in Tehran: February's.
      leadCaptured('l2', 'web', { capturedAt: '2025-02-28T20:00:00.000Z' }),
      // Summer 2021, when Tehran kept +04:30: 00:15 on 1 July there, in July.
      leadCaptured('l3', 'phone', { capturedAt: '2021-06-30T19:45:00.000Z' }),
    ]);
    const captured = { status: 'captured' };
    spec.thenSummary('default:~summary:sourceMonths:2025', [
      { dims: { kind: 'source', source: 'web', ...captured, year: '2025' }, values: { '02|count': 1, '03|count': 1 } },
    ]);
    spec.thenSummary('default:~summary:sourceMonths:2021', [
      { dims: { kind: 'source', source: 'phone', ...captured, year: '2021' }, values: { '07|count': 1 } },
    ]);
  });

  it('keys leads by tenant and ignores a lead it never saw captured', () => {
    spec
      .given([{ ...leadCaptured('l1', 'web'), metadata: { tenantId: 'acme' } }, leadAssigned('l9', 'u1')])
      .thenDocuments({ 'acme:l1': { tenantId: 'acme', leadId: 'l1', source: 'web', capturedAt: at(1), status: 'captured' } });
  });
});
