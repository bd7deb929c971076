import type { Severity, SlaDeadlines } from '../sla/sla-policy';

/** ISO 10002 handling steps; `closed` is the only state that is not in progress. */
export type OpenComplaintStatus = 'received' | 'acknowledged' | 'investigating' | 'responded' | 'decision_communicated';
export type ComplaintStatus = OpenComplaintStatus | 'closed';

/** Local handling, then head office, then an external (ISO 10003) body, then the courts. */
export const ESCALATION_LEVELS = ['local', 'head_office', 'external_body', 'legal'] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

export type Urgency = 'normal' | 'urgent' | 'immediate';
export type CloseOutcome = 'resolved' | 'unresolved' | 'withdrawn';
export type Assignee = { readonly userId: string } | { readonly teamId: string };

/**
 * What every complaint event after receipt carries, so an auditor reading one event
 * alone sees the step (from → to; equal when the step changes no status), the level
 * the complaint was handled at and the deadlines in force.
 */
export interface ComplaintTrail {
  readonly complaintId: string;
  readonly from: ComplaintStatus;
  readonly to: ComplaintStatus;
  readonly escalationLevel: EscalationLevel;
  readonly deadlines: SlaDeadlines;
  /** Absent until assessed: the deadlines then come from the provisional severity. */
  readonly severity?: Severity;
}

export function escalationRank(level: EscalationLevel): number {
  return ESCALATION_LEVELS.indexOf(level);
}
