import type { AnyProjection } from '@crm/shared/read-model';
import { COMPLAINT_AUDIT_PROJECTIONS } from '@crm/projections/complaint-audit';
import { LOYALTY_CHURN_PROJECTIONS } from '@crm/projections/loyalty-churn';
import { PIPELINE_PROJECTIONS } from '@crm/projections/pipeline';

/** Every read model the API serves, by projection name. */
export const ALL_PROJECTIONS: readonly AnyProjection[] = [
  ...PIPELINE_PROJECTIONS,
  ...COMPLAINT_AUDIT_PROJECTIONS,
  ...LOYALTY_CHURN_PROJECTIONS,
];
