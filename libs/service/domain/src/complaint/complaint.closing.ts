import { DomainError } from '@crm/shared/event-sourcing';
import { assertGivenBy, instantOf } from '../shared/time';
import { isBreached, sameInstant } from '../sla/sla-breaches';
import { deadlineFor, type SlaMilestone } from '../sla/sla-policy';
import type * as C from './complaint.commands';
import type { ComplaintEvent } from './complaint.events';
import {
  breachEvent,
  checkedTime,
  existing,
  inProgress,
  policyOf,
  textUnlessErased,
  trail,
  withRevealedBreaches,
  type Config,
} from './complaint.guards';
import { milestonesOf, type ComplaintState } from './complaint.state';
import { COMPLAINT_REFUSALS } from './complaint.refusals';

const SATISFACTION_SCALE = { min: 1, max: 5 } as const;

export function close({ data }: C.CloseComplaint, state: ComplaintState): ComplaintEvent[] {
  const complaint = inProgress(state);
  const at = checkedTime(complaint, data.at, 'at');
  if (data.outcome !== 'withdrawn' && complaint.status !== 'decision_communicated') {
    throw new DomainError(COMPLAINT_REFUSALS.DECISION_NOT_COMMUNICATED, 'Communicate a decision before closing, unless withdrawn', {
      status: complaint.status,
      outcome: data.outcome,
    });
  }
  const note = data.note === undefined ? {} : { note: data.note };
  const closed: ComplaintEvent = {
    type: 'ComplaintClosed',
    data: { ...trail(complaint, 'closed'), outcome: data.outcome, ...note, closedAt: at },
  };
  return withRevealedBreaches(state, [closed], at);
}

/**
 * Reopening means the earlier response did not settle the matter: the complaint goes
 * back to investigation (or to `received` if it was withdrawn unacknowledged) and
 * needs a new response and decision before it can close again. The clocks of unmet
 * milestones restart now; an earlier breach stays on record. The reason may be left out only once the complaint's
 * personal data is erased.
 */
export function reopen({ data }: C.ReopenComplaint, state: ComplaintState, config: Config): ComplaintEvent[] {
  const complaint = existing(state);
  if (complaint.status !== 'closed') {
    throw new DomainError(COMPLAINT_REFUSALS.NOT_CLOSED, 'Only a closed complaint can be reopened', { status: complaint.status });
  }
  const at = checkedTime(complaint, data.at, 'at');
  const reason = textUnlessErased(data.reason, 'reason', data.personalDataErased);
  const policy = policyOf(config, data.slaPolicy);
  const { acknowledgedAt, deadlines: previousDeadlines, reopenCount } = complaint.complaint;
  const severity = complaint.complaint.severity ?? complaint.complaint.provisionalSeverity;
  // After a withdrawal the clocks resume with the time they had left at it (none when overdue): the handling was
  // never finished, and withdrawing and reopening must not buy time (an outside probe turned a late acknowledgement
  // into a met one that way). A milestone whose breach is already recorded starts again as in a new cycle: its miss
  // is on record, and a clock resumed with no time left would record it a second time at once. After a resolved or
  // unresolved closing the resolution starts again, as a new cycle. A resumed clock is recorded as started later by
  // the time the complaint stood withdrawn, so that a re-assessment after the reopening dates its deadlines from it
  // too, not from the reopening (an outside probe re-assessed at the same severity and had a late acknowledgement
  // counted as met).
  const { outcome, closedAt } = complaint.closing;
  const withdrawnFor = instantOf(at, 'at') - instantOf(closedAt, 'closedAt');
  const resumes = (milestone: SlaMilestone) => outcome === 'withdrawn' && complaint.complaint.breaches[milestone] === undefined;
  const resumed = (deadline: string) =>
    new Date(instantOf(at, 'at') + Math.max(0, instantOf(deadline, 'deadline') - instantOf(closedAt, 'closedAt'))).toISOString();
  const fresh = (milestone: SlaMilestone) =>
    resumes(milestone) ? resumed(previousDeadlines[`${milestone}By`]) : deadlineFor(policy, severity, milestone, at);
  const clockOf = (milestone: SlaMilestone) =>
    resumes(milestone) ? new Date(instantOf(complaint.complaint.clocks[milestone], 'clock') + withdrawnFor).toISOString() : at;
  const open = acknowledgedAt === undefined;
  const deadlines = {
    acknowledgeBy: open ? fresh('acknowledge') : previousDeadlines.acknowledgeBy,
    resolveBy: fresh('resolve'),
  };
  const clocks = { acknowledge: open ? clockOf('acknowledge') : complaint.complaint.clocks.acknowledge, resolve: clockOf('resolve') };
  const to = open ? 'received' : 'investigating';
  return [
    {
      type: 'ComplaintReopened',
      data: { ...trail(complaint, to), deadlines, ...reason, reopenedAt: at, reopenCount: reopenCount + 1, previousDeadlines, clocks },
    },
  ];
}

/** A score given by phone and noted later is dated when given: after the closing it rates, never after it is recorded. */
function ratedAfterClosing(closedAt: string, respondedAt: string, recordedAt: string): string {
  if (instantOf(respondedAt, 'respondedAt') < instantOf(closedAt, 'closedAt')) {
    throw new DomainError(COMPLAINT_REFUSALS.RATED_BEFORE_CLOSING, `respondedAt ${respondedAt} is before the closing at ${closedAt}`, {
      fields: ['respondedAt'],
      closedAt,
    });
  }
  assertGivenBy('respondedAt', respondedAt, recordedAt, COMPLAINT_REFUSALS.TIME_IN_FUTURE);
  return respondedAt;
}

/** One score per closing: a second one would double-count in the mean satisfaction KPI. */
export function recordSatisfaction({ data }: C.RecordHandlingSatisfaction, state: ComplaintState): ComplaintEvent[] {
  const complaint = existing(state);
  if (complaint.status !== 'closed') {
    throw new DomainError(COMPLAINT_REFUSALS.NOT_CLOSED, 'Satisfaction with the handling is asked after closing', {
      status: complaint.status,
    });
  }
  const at = checkedTime(complaint, data.at, 'at');
  if (!Number.isInteger(data.score) || data.score < SATISFACTION_SCALE.min || data.score > SATISFACTION_SCALE.max) {
    throw new DomainError(COMPLAINT_REFUSALS.SCORE_OUT_OF_RANGE, `score must be an integer from 1 to 5, got ${data.score}`, {
      fields: ['score'],
      ...SATISFACTION_SCALE,
    });
  }
  if (complaint.closing.satisfactionRecorded) {
    throw new DomainError(COMPLAINT_REFUSALS.SATISFACTION_ALREADY_RECORDED, 'Satisfaction was already recorded for this closing');
  }
  const comment = data.comment === undefined ? {} : { comment: data.comment };
  const given = data.respondedAt === undefined ? {} : { respondedAt: ratedAfterClosing(complaint.closing.closedAt, data.respondedAt, at) };
  return [
    {
      type: 'ComplaintHandlingSatisfactionRecorded',
      data: { ...trail(complaint), score: data.score, ...comment, outcome: complaint.closing.outcome, ...given, recordedAt: at },
    },
  ];
}

/**
 * The scheduler works from a read model that may lag, so every way its view can be
 * stale is a quiet no-op rather than a refusal: the complaint was closed meanwhile
 * (closing settled the breaches), the deadline was moved by a re-assessment or
 * reopening, the milestone was met in time, or the breach is already recorded.
 * Only a request that contradicts the boundary rule (not past the deadline yet) is refused.
 */
export function recordSlaBreach({ data }: C.RecordSlaBreach, state: ComplaintState): ComplaintEvent[] {
  const complaint = existing(state);
  instantOf(data.deadline, 'deadline');
  if (complaint.status === 'closed') return [];
  const detectedAt = checkedTime(complaint, data.detectedAt, 'detectedAt');
  const milestone = milestonesOf(complaint).find((m) => m.milestone === data.milestone);
  if (milestone === undefined || !sameInstant(milestone.deadline, data.deadline) || milestone.breachRecorded) return [];
  if (milestone.metAt !== undefined && !isBreached(milestone, detectedAt)) return [];
  if (!isBreached(milestone, detectedAt)) {
    throw new DomainError(
      COMPLAINT_REFUSALS.SLA_NOT_BREACHED,
      `The ${data.milestone} deadline ${milestone.deadline} has not passed at ${detectedAt}`,
      {
        milestone: data.milestone,
        deadline: milestone.deadline,
        detectedAt,
      },
    );
  }
  return [breachEvent(complaint, milestone, detectedAt)];
}
