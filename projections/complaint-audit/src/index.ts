import type { AnyProjection } from '@crm/shared/read-model';

/** Complaint audit trail, complaint KPIs and satisfaction read models. */
export const COMPLAINT_AUDIT_PROJECTIONS: readonly AnyProjection[] = [];
