import { DomainError, requireText } from '@crm/shared/event-sourcing';
import { dueBreaches, type MilestoneDeadline } from '../sla/sla-breaches';
import { assertValidPolicy, type Severity, type SlaPolicy } from '../sla/sla-policy';
import { instantOf } from '../shared/time';
import type { ComplaintEvent, ComplaintSlaBreached } from './complaint.events';
import { evolveComplaint, milestonesOf, type ComplaintInProgress, type ComplaintState, type ExistingComplaint } from './complaint.state';
import type { ComplaintStatus, ComplaintTrail } from './complaint.types';
import { COMPLAINT_REFUSALS } from './complaint.refusals';
import { NOT_FOUND } from '@crm/shared/kernel';

export interface Config {
  readonly slaPolicy: SlaPolicy;
  readonly provisionalSeverity: Severity;
}

export const TEXT_REQUIRED = COMPLAINT_REFUSALS.TEXT_REQUIRED;

/**
 * The text a step requires, as its event's field: `{}` when the text is left out and the command says the complaint's
 * personal data is erased (`PersonalDataErased`), so the step is recorded without it and the ISO 10002 handling goes
 * on. A text given is checked as ever, erased or not (the personal-data layer then refuses to seal it, 409
 * PERSONAL_DATA.ERASED); one left out of a complaint not erased is refused as a blank one is, 400 naming the field.
 */
export function textUnlessErased<F extends string>(
  text: string | undefined,
  field: F,
  erased: boolean | undefined,
): Partial<Record<F, string>> {
  if (text !== undefined) return { [field]: requireText(text, field, TEXT_REQUIRED) } as Record<F, string>;
  if (erased === true) return {};
  throw new DomainError(TEXT_REQUIRED, `${field} is required unless the complaint's personal data is erased`, { fields: [field] });
}

export function policyOf(config: Config, override: SlaPolicy | undefined): SlaPolicy {
  if (override === undefined) return config.slaPolicy;
  assertValidPolicy(override);
  return override;
}

export function existing(state: ComplaintState): ExistingComplaint {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.complaint, 'No complaint has been received on this stream');
  return state;
}

/** A closed complaint accepts only reopening and the complainant's satisfaction with the handling. */
export function inProgress(state: ComplaintState): ComplaintInProgress {
  const complaint = existing(state);
  if (complaint.status === 'closed') {
    throw new DomainError(COMPLAINT_REFUSALS.CLOSED, `Complaint ${complaint.complaint.complaintId} is closed; reopen it first`, {
      complaintId: complaint.complaint.complaintId,
    });
  }
  return complaint;
}

/** Steps dated before receipt would give negative handling times in every KPI. */
export function checkedTime(state: ExistingComplaint, at: string, field: string): string {
  if (instantOf(at, field) < instantOf(state.complaint.receivedAt, 'receivedAt')) {
    throw new DomainError(COMPLAINT_REFUSALS.TIME_BEFORE_RECEIPT, `${field} ${at} is before receipt at ${state.complaint.receivedAt}`, {
      fields: [field],
      receivedAt: state.complaint.receivedAt,
    });
  }
  return at;
}

export function trail(state: ExistingComplaint, to: ComplaintStatus = state.status): ComplaintTrail {
  const { complaint } = state;
  return {
    complaintId: complaint.complaintId,
    from: state.status,
    to,
    escalationLevel: complaint.escalationLevel,
    deadlines: complaint.deadlines,
    ...(complaint.severity === undefined ? {} : { severity: complaint.severity }),
  };
}

export function breachEvent(state: ExistingComplaint, milestone: MilestoneDeadline, detectedAt: string): ComplaintSlaBreached {
  return {
    type: 'ComplaintSlaBreached',
    data: {
      ...trail(state),
      milestone: milestone.milestone,
      deadline: milestone.deadline,
      detectedAt,
      ...(milestone.metAt === undefined ? {} : { metAt: milestone.metAt }),
    },
  };
}

/**
 * Every step on a complaint in progress records any breach it reveals in the same decision (a milestone met late, a
 * deadline passed before the step's time, one passed before a re-assessment moves it), so the trail is complete even
 * when the scheduler was down or lagging; the scheduler is only needed for complaints nobody touches.
 */
export function withRevealedBreaches(state: ComplaintState, decided: readonly ComplaintEvent[], at: string): ComplaintEvent[] {
  const after = decided.reduce(evolveComplaint, state);
  if (after.status === 'none') return [...decided];
  return [...decided, ...dueBreaches(milestonesOf(after), at).map((milestone) => breachEvent(after, milestone, at))];
}
