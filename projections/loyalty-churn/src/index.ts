import type { AnyProjection } from '@crm/shared/read-model';
import { contactAccountsProjection } from './contact-accounts.projection';
import { customerActivityProjection } from './customer-activity.projection';
import { customerInteractionsProjection } from './customer-interactions.projection';
import { opportunityAccountsProjection } from './opportunity-accounts.projection';
import { wonDealsProjection } from './won-deals.projection';

export * from './documents';
export * from './days';
export * from './customer-history';
export * from './activity-timeline';
export * from './rfm';
export * from './churn';
export * from './churn-risk';
export * from './customer-value';
export * from './tier';
export * from './loyalty-profile';
export * from './churn-report';
export * from './loyalty-population';
export * from './kept-population';
export * from './loyalty-reads';
export { CUSTOMER_FACING_ACTIVITIES } from './customer-interactions.projection';
export {
  contactAccountsProjection,
  customerActivityProjection,
  customerInteractionsProjection,
  opportunityAccountsProjection,
  wonDealsProjection,
};

/** Loyalty (RFM, tier) and churn read models. */
export const LOYALTY_CHURN_PROJECTIONS: readonly AnyProjection[] = [
  customerActivityProjection,
  wonDealsProjection,
  customerInteractionsProjection,
  contactAccountsProjection,
  opportunityAccountsProjection,
];
export * from './view-schemas';
