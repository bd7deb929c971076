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

  it('keys leads by tenant and ignores a lead it never saw captured', () => {
    spec
      .given([{ ...leadCaptured('l1', 'web'), metadata: { tenantId: 'acme' } }, leadAssigned('l9', 'u1')])
      .thenDocuments({ 'acme:l1': { tenantId: 'acme', leadId: 'l1', source: 'web', capturedAt: at(1), status: 'captured' } });
  });
});
