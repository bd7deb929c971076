import type { OpportunityReopened, OpportunityWon } from '@crm/sales/domain';
import { defineProjection } from '@crm/shared/read-model';
import { documentKey, LOYALTY_PROJECTION_NAMES, tenantOf, utc, type WonDealDoc, tenantChangeMarker, stampChanges } from './documents';

/**
 * Won deals by opportunity, every win kept with the reopening that ended it (v4: before, a second win overwrote the
 * first); whether one counts as a purchase is decided at query time (see customer-history.ts).
 */
export const wonDealsProjection = stampChanges(
  defineProjection<WonDealDoc, OpportunityWon | OpportunityReopened>({
    name: LOYALTY_PROJECTION_NAMES.wonDeals,
    version: 4,
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
          // Won again after a reopening: the win before stays, with the reopening that ended it, so a figure as of
          // an instant then still sees it. A win with no reopening since the last (not something the domain
          // decides) replaces it, as it always did.
          const earlierWins =
            doc?.reopenedAt === undefined
              ? doc?.earlierWins
              : [...(doc.earlierWins ?? []), { amount: doc.amount, wonAt: doc.wonAt, reopenedAt: doc.reopenedAt }];
          return {
            tenantId: tenantOf(event),
            opportunityId,
            accountId,
            amount,
            wonAt: utc(wonAt),
            ...(earlierWins === undefined ? {} : { earlierWins }),
          };
        }
        case 'OpportunityReopened':
          // A deal reopened before it was ever won (lost, then reopened) is none of our business; nor is one reopened
          // again after a loss: its win ended at the first reopening after it.
          if (doc === null || doc.reopenedAt !== undefined) return doc;
          return { ...doc, reopenedAt: utc(event.data.reopenedAt) };
        default: {
          const _exhaustive: never = event;
          return _exhaustive;
        }
      }
    },
  }),
);
