import type { AnyProjection } from '@crm/shared/read-model';

/** Loyalty (RFM, tier) and churn read models. */
export const LOYALTY_CHURN_PROJECTIONS: readonly AnyProjection[] = [];
