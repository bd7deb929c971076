import { escalationRank, isBreached, type ComplaintStatus, type Severity } from '@crm/service/domain';
import type { ComplaintKpiRow, MilestoneRecord } from './complaint-kpis.projection';
import { hoursBetween, mean, median, ratio, round } from './numbers';

export type MilestoneOutcome = 'met' | 'missed' | 'pending' | 'void';

/**
 * A milestone as of `asOf`, on the domain's boundary rule (met exactly at the deadline
 * is met; late is strictly after): met or missed once settled or overdue, pending while
 * it can still be met, void when a withdrawal ended the handling before it fell due.
 * Settlements after `asOf` have not happened yet as far as the report is concerned.
 */
export function milestoneOutcome(milestone: MilestoneRecord, asOf: string): MilestoneOutcome {
  const now = Date.parse(asOf);
  const judged = (metAt?: string) =>
    isBreached({ milestone: milestone.milestone, deadline: milestone.deadline, breachRecorded: false, ...(metAt ? { metAt } : {}) }, asOf);
  if (milestone.metAt !== undefined && Date.parse(milestone.metAt) <= now) return judged(milestone.metAt) ? 'missed' : 'met';
  if (milestone.abandonedAt !== undefined && Date.parse(milestone.abandonedAt) <= now) {
    return judged(milestone.abandonedAt) ? 'missed' : 'void';
  }
  return judged() ? 'missed' : 'pending';
}

export interface Duration {
  readonly count: number;
  readonly meanHours: number | null;
  readonly medianHours: number | null;
}

export interface Compliance {
  /** Milestones met + missed: the ones whose outcome is known as of `asOf`. */
  readonly due: number;
  readonly met: number;
  readonly missed: number;
  readonly pending: number;
  /** met ÷ due, 0–1. */
  readonly rate: number | null;
}

export interface ComplaintKpis {
  readonly asOf: string;
  readonly complaints: number;
  readonly timeToAcknowledge: Duration;
  /** Receipt → the closing that left it resolved (complaints closed as resolved and not reopened since). */
  readonly timeToResolve: Duration;
  readonly slaCompliance: Compliance & {
    readonly byMilestone: { readonly acknowledge: Compliance; readonly resolve: Compliance };
    readonly breachesRecorded: number;
  };
  /** Per level above local: complaints that reached it or a level beyond (levels may be skipped), ÷ complaints. */
  readonly escalation: Readonly<
    Record<'head_office' | 'external_body' | 'legal', { readonly complaints: number; readonly rate: number | null }>
  >;
  /** Complaints reopened at least once ÷ complaints closed at least once. */
  readonly reopen: { readonly closed: number; readonly reopened: number; readonly reopenings: number; readonly rate: number | null };
  /** Satisfaction with the handling, 1–5, over every score recorded (one per closing). */
  readonly satisfaction: { readonly responses: number; readonly mean: number | null };
  readonly byStatus: Readonly<Record<ComplaintStatus, number>>;
  readonly bySeverity: Readonly<Record<Severity | 'unassessed', number>>;
  readonly byCategory: readonly { readonly category: string; readonly count: number }[];
}

const duration = (hours: readonly number[]): Duration => {
  const average = mean(hours);
  const middle = median(hours);
  return {
    count: hours.length,
    meanHours: average === null ? null : round(average, 2),
    medianHours: middle === null ? null : round(middle, 2),
  };
};

function compliance(outcomes: readonly MilestoneOutcome[]): Compliance {
  const count = (outcome: MilestoneOutcome) => outcomes.filter((o) => o === outcome).length;
  const met = count('met');
  const missed = count('missed');
  return { due: met + missed, met, missed, pending: count('pending'), rate: ratio(met, met + missed) };
}

function categories(rows: readonly ComplaintKpiRow[]): { category: string; count: number }[] {
  const groups = new Map<string, { category: string; count: number }>();
  // Rows arrive oldest first, so a group is shown as it was first spelled.
  for (const row of rows) {
    const group = groups.get(row.categoryKey) ?? { category: row.category, count: 0 };
    groups.set(row.categoryKey, { ...group, count: group.count + 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
}

/** The complaint KPIs of DESIGN.md "Analytics definitions" over the rows given (already filtered by period and tenant). */
export function complaintKpis(rows: readonly ComplaintKpiRow[], asOf: string): ComplaintKpis {
  const acknowledged = rows.flatMap((r) => (r.acknowledgedAt === undefined ? [] : [hoursBetween(r.receivedAt, r.acknowledgedAt)]));
  const resolved = rows.flatMap((r) =>
    r.status === 'closed' && r.outcome === 'resolved' && r.closedAt !== undefined ? [hoursBetween(r.receivedAt, r.closedAt)] : [],
  );
  const milestones = rows.flatMap((r) => r.milestones);
  const outcomesOf = (kind: MilestoneRecord['milestone']) =>
    milestones.filter((m) => m.milestone === kind).map((m) => milestoneOutcome(m, asOf));
  const ack = outcomesOf('acknowledge');
  const resolve = outcomesOf('resolve');
  const reached = (level: 'head_office' | 'external_body' | 'legal') => {
    const complaints = rows.filter((r) => escalationRank(r.escalationLevel) >= escalationRank(level)).length;
    return { complaints, rate: ratio(complaints, rows.length) };
  };
  const closed = rows.filter((r) => r.closings > 0).length;
  const reopened = rows.filter((r) => r.reopenCount > 0).length;
  const scores = rows.flatMap((r) => r.satisfactionScores);
  const average = mean(scores);
  const byStatus: Record<ComplaintStatus, number> = {
    received: 0,
    acknowledged: 0,
    investigating: 0,
    responded: 0,
    decision_communicated: 0,
    closed: 0,
  };
  const bySeverity: Record<Severity | 'unassessed', number> = { low: 0, medium: 0, high: 0, critical: 0, unassessed: 0 };
  for (const row of rows) {
    byStatus[row.status] += 1;
    bySeverity[row.severity ?? 'unassessed'] += 1;
  }
  return {
    asOf,
    complaints: rows.length,
    timeToAcknowledge: duration(acknowledged),
    timeToResolve: duration(resolved),
    slaCompliance: {
      ...compliance([...ack, ...resolve]),
      byMilestone: { acknowledge: compliance(ack), resolve: compliance(resolve) },
      breachesRecorded: rows.reduce((sum, r) => sum + r.breachesRecorded, 0),
    },
    escalation: { head_office: reached('head_office'), external_body: reached('external_body'), legal: reached('legal') },
    reopen: { closed, reopened, reopenings: rows.reduce((sum, r) => sum + r.reopenCount, 0), rate: ratio(reopened, closed) },
    satisfaction: { responses: scores.length, mean: average === null ? null : round(average, 2) },
    byStatus,
    bySeverity,
    byCategory: categories(rows),
  };
}
