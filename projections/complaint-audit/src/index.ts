import type { AnyProjection } from '@crm/shared/read-model';
import { complaintAuditProjection } from './complaint-audit.projection';
import { complaintKpisProjection } from './complaint-kpis.projection';
import { satisfactionDaysProjection } from './satisfaction-days.projection';
import { satisfactionResponsesProjection } from './satisfaction-responses.projection';

export * from './audit-integrity';
export { EXCERPT_LENGTH, type StepDetail, type StepDetails } from './audit-step-text';
export * from './complaint-audit.projection';
export * from './complaint-kpis.projection';
export * from './complaint-kpis';
export * from './complaint-queries';
export * from './period';
export * from './satisfaction-responses.projection';
export * from './satisfaction-days.projection';
export * from './satisfaction';

/** Complaint audit trail, complaint KPIs and satisfaction read models. */
export const COMPLAINT_AUDIT_PROJECTIONS: readonly AnyProjection[] = [
  complaintAuditProjection,
  complaintKpisProjection,
  satisfactionResponsesProjection,
  satisfactionDaysProjection,
];
