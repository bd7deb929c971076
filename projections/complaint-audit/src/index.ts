import type { AnyProjection } from '@crm/shared/read-model';
import { complaintAuditProjection } from './complaint-audit.projection';
import { complaintKpisProjection } from './complaint-kpis.projection';

export * from './audit-integrity';
export { EXCERPT_LENGTH, type StepDetail, type StepDetails } from './audit-step-text';
export * from './complaint-audit.projection';
export * from './complaint-kpis.projection';
export * from './complaint-kpis';
export * from './complaint-queries';

/** Complaint audit trail and complaint KPI read models. */
export const COMPLAINT_AUDIT_PROJECTIONS: readonly AnyProjection[] = [complaintAuditProjection, complaintKpisProjection];
