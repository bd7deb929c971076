import type { LeadQualified, OpportunityOpened } from '@crm/sales/domain';
import { defineProjection } from '@crm/shared/read-model';
import { documentKey, LOYALTY_PROJECTION_NAMES, tenantOf, type OpportunityLinkDoc, tenantChangeMarker, stampChanges } from './documents';

/**
 * Opportunity → account, so an activity or interaction regarding a deal counts
 * for the customer it is with. The qualification names the account before the
 * deal is opened; an opening (direct or from the lead) confirms it.
 */
export const opportunityAccountsProjection = stampChanges(
  defineProjection<OpportunityLinkDoc, LeadQualified | OpportunityOpened>({
    name: LOYALTY_PROJECTION_NAMES.opportunityLinks,
    version: 3,
    collection: 'loyalty_opportunity_accounts',
    readsPersonalData: false,
    eventTypes: ['LeadQualified', 'OpportunityOpened'],
    indexes: [['tenantId', 'accountId']],
    summary: tenantChangeMarker,
    documentId: (event) =>
      documentKey(event, event.type === 'LeadQualified' ? event.data.opportunity.opportunityId : event.data.opportunityId),
    evolve(_doc, event) {
      if (event.type === 'LeadQualified') {
        const { opportunity, account } = event.data;
        return { tenantId: tenantOf(event), opportunityId: opportunity.opportunityId, accountId: account.accountId };
      }
      const { opportunityId, accountId } = event.data;
      return { tenantId: tenantOf(event), opportunityId, accountId };
    },
  }),
);
