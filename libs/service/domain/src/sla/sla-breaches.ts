import { instantOf } from '../shared/time';
import type { SlaMilestone } from './sla-policy';

/** One milestone as a scheduler or the complaint decider sees it. */
export interface MilestoneDeadline {
  readonly milestone: SlaMilestone;
  readonly deadline: string;
  /** When the milestone was met (acknowledged, closed); absent while still open. */
  readonly metAt?: string;
  /** A ComplaintSlaBreached for this milestone and deadline is already on the stream. */
  readonly breachRecorded: boolean;
}

/**
 * The boundary rule: a deadline is the last instant that still counts as in time.
 * Met at exactly the deadline is met; a breach exists only strictly after it. A
 * promise of "within 24 hours" is kept by an answer at the 24th hour, and the
 * scheduler and the decider must agree to the millisecond, so both use this function.
 */
export function isBreached(milestone: MilestoneDeadline, now: string): boolean {
  const deadline = instantOf(milestone.deadline, 'deadline');
  const reference = milestone.metAt ?? now;
  return instantOf(reference, milestone.metAt === undefined ? 'now' : 'metAt') > deadline;
}

/**
 * Milestones to record a breach for at `now`: past their deadline and unmet, or met
 * late, and not recorded yet. Met late is included because a breach is a fact about
 * the deadline, not about whether anybody was watching when it passed.
 */
export function dueBreaches(openDeadlines: readonly MilestoneDeadline[], now: string): MilestoneDeadline[] {
  return openDeadlines.filter((milestone) => !milestone.breachRecorded && isBreached(milestone, now));
}

export function sameInstant(a: string, b: string): boolean {
  return instantOf(a, 'deadline') === instantOf(b, 'deadline');
}
