import type { AnyProjection } from '@crm/shared/read-model';
import { ACTIVITY_PROJECTIONS } from '@crm/projections/activities';
import { COMPLAINT_AUDIT_PROJECTIONS } from '@crm/projections/complaint-audit';
import { LOYALTY_CHURN_PROJECTIONS } from '@crm/projections/loyalty-churn';
import { MARKETING_PROJECTIONS } from '@crm/projections/marketing';
import { PIPELINE_PROJECTIONS } from '@crm/projections/pipeline';
import { SATISFACTION_PROJECTIONS } from '@crm/projections/satisfaction';

/** Every read model the API serves, by projection name. */
export const ALL_PROJECTIONS: readonly AnyProjection[] = [
  ...PIPELINE_PROJECTIONS,
  ...MARKETING_PROJECTIONS,
  ...COMPLAINT_AUDIT_PROJECTIONS,
  ...SATISFACTION_PROJECTIONS,
  ...LOYALTY_CHURN_PROJECTIONS,
  ...ACTIVITY_PROJECTIONS,
];
