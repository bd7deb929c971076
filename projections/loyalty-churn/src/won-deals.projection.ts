import type { OpportunityReopened, OpportunityWon } from '@crm/sales/domain';
import { defineProjection } from '@crm/shared/read-model';
import { documentKey, LOYALTY_PROJECTION_NAMES, tenantOf, utc, type WonDealDoc, tenantChangeMarker, stampChanges } from './documents';

/** Won deals by opportunity; whether one counts as a purchase is decided at query time (see customer-history.ts). */
export const wonDealsProjection = stampChanges(
  defineProjection<WonDealDoc, OpportunityWon | OpportunityReopened>({
    name: LOYALTY_PROJECTION_NAMES.wonDeals,
    version: 3,
    collection: 'loyalty_won_deals',
    readsPersonalData: false,
    eventTypes: ['OpportunityWon', 'OpportunityReopened'],
    indexes: [['tenantId', 'accountId']],
    summary: tenantChangeMarker,
    documentId: (event) => documentKey(event, event.data.opportunityId),
    evolve(doc, event) {
      switch (event.type) {
        case 'OpportunityWon': {
          const { opportunityId, accountId, amount, wonAt } = event.data;
          return { tenantId: tenantOf(event), opportunityId, accountId, amount, wonAt: utc(wonAt) };
        }
        case 'OpportunityReopened':
          // A deal reopened before it was ever won (lost, then reopened) is none of our business.
          return doc && { ...doc, reopenedAt: utc(event.data.reopenedAt) };
        default: {
          const _exhaustive: never = event;
          return _exhaustive;
        }
      }
    },
  }),
);
