import {
  escalationRank,
  type CloseOutcome,
  type ComplaintStatus,
  type EscalationLevel,
  type Severity,
  type SlaMilestone,
} from '@crm/service/domain';
import type { ComplaintKpiRow, KpiStep } from './complaint-kpis.projection';
import { hoursBetween, mean, median, ratio, round } from './numbers';

export type MilestoneOutcome = 'met' | 'missed' | 'pending' | 'void';

/** One SLA milestone of one handling cycle, as recorded by asOf. */
export interface MilestoneState {
  readonly milestone: SlaMilestone;
  /** Acknowledged, or closed as resolved / unresolved. */
  readonly met: boolean;
  /** Closed as withdrawn before the milestone was met. */
  readonly withdrawn: boolean;
  /** A ComplaintSlaBreached for it stands (recorded, and not withdrawn by a deadline extension). */
  readonly breached: boolean;
  /** The deadline in force for it (frozen once it is met or withdrawn). */
  readonly deadline: string;
}

/**
 * The recorded outcome, never re-derived from deadlines (docs/metrics.md "SLA compliance"):
 * missed while a breach stands; otherwise met once met; void when a withdrawal ended the
 * handling before it was met (withdrawals are outside the SLA); otherwise pending.
 */
export function milestoneOutcome(milestone: MilestoneState): MilestoneOutcome {
  if (milestone.breached) return 'missed';
  if (milestone.met) return 'met';
  if (milestone.withdrawn) return 'void';
  return 'pending';
}

/** One complaint as it stood at asOf: the fold of its steps dated at or before asOf. */
export interface ComplaintAsOf {
  readonly receivedAt: string;
  readonly categoryKey: string;
  readonly category: string;
  readonly status: ComplaintStatus;
  readonly severity?: Severity;
  readonly escalationLevel: EscalationLevel;
  readonly acknowledgedAt?: string;
  readonly closedAt?: string;
  readonly outcome?: CloseOutcome;
  readonly closings: number;
  readonly reopenings: number;
  readonly scores: readonly number[];
  readonly breachesRecorded: number;
  readonly breachesWithdrawn: number;
  readonly milestones: readonly MilestoneState[];
}

const open = (milestone: SlaMilestone, deadline: string): MilestoneState => ({
  milestone,
  met: false,
  withdrawn: false,
  breached: false,
  deadline,
});
const settled = (m: MilestoneState) => m.met || m.withdrawn;

/** Pending, and its deadline in force has passed: a breach the deadline watcher has yet to record. */
export const isOverdue = (m: MilestoneState, asOf: string): boolean =>
  milestoneOutcome(m) === 'pending' && Date.parse(m.deadline) < Date.parse(asOf);

/** Undefined for a complaint received after asOf. */
export function complaintAsOf(row: ComplaintKpiRow, asOf: string): ComplaintAsOf | undefined {
  const until = Date.parse(asOf);
  if (Date.parse(row.receivedAt) > until) return undefined;
  let state = complaintAtReceipt(row);
  for (const step of row.steps) if (Date.parse(step.at) <= until) state = afterStep(state, step);
  return state;
}

/** The complaint as received, before any step. */
export function complaintAtReceipt(row: ComplaintKpiRow): ComplaintAsOf {
  return {
    receivedAt: row.receivedAt,
    categoryKey: row.categoryKey,
    category: row.category,
    status: 'received',
    escalationLevel: 'local',
    closings: 0,
    reopenings: 0,
    scores: [],
    breachesRecorded: 0,
    breachesWithdrawn: 0,
    milestones: [open('acknowledge', row.acknowledgeBy), open('resolve', row.resolveBy)],
  };
}

// The current milestone of a kind is the latest one: each reopening starts a new cycle.
const update = (milestones: readonly MilestoneState[], kind: SlaMilestone, change: (m: MilestoneState) => MilestoneState) => {
  const index = milestones.map((m) => m.milestone).lastIndexOf(kind);
  return milestones.map((m, i) => (i === index ? change(m) : m));
};

/** The complaint after one more step (the caller decides which steps count as of when). */
export function afterStep(before: ComplaintAsOf, step: KpiStep): ComplaintAsOf {
  let state = before;
  switch (step.kind) {
    case 'status': {
      const inForce = { acknowledge: step.acknowledgeBy, resolve: step.resolveBy };
      let milestones = state.milestones;
      for (const kind of ['acknowledge', 'resolve'] as const) {
        milestones = update(milestones, kind, (m) => (settled(m) ? m : { ...m, deadline: inForce[kind] }));
      }
      state = {
        ...state,
        status: step.to,
        escalationLevel: step.level,
        ...(step.severity === undefined ? {} : { severity: step.severity }),
        milestones,
      };
      break;
    }
    case 'acknowledged':
      state = { ...state, acknowledgedAt: step.at, milestones: update(state.milestones, 'acknowledge', (m) => ({ ...m, met: true })) };
      break;
    case 'closed': {
      const withdrawn = step.outcome === 'withdrawn';
      let milestones = update(state.milestones, 'resolve', (m) => (withdrawn ? { ...m, withdrawn: true } : { ...m, met: true }));
      milestones = update(milestones, 'acknowledge', (m) => (m.met ? m : { ...m, withdrawn: true }));
      state = { ...state, closedAt: step.at, outcome: step.outcome, closings: state.closings + 1, milestones };
      break;
    }
    case 'reopened': {
      const ack = [...state.milestones].reverse().find((m) => m.milestone === 'acknowledge');
      // Deadlines come with the reopening's own status step, which follows.
      const restarted = ack?.met ? [open('resolve', '')] : [open('acknowledge', ''), open('resolve', '')];
      state = { ...state, reopenings: state.reopenings + 1, milestones: [...state.milestones, ...restarted] };
      break;
    }
    case 'satisfaction':
      state = { ...state, scores: [...state.scores, step.score] };
      break;
    case 'breached':
      state = {
        ...state,
        breachesRecorded: state.breachesRecorded + 1,
        milestones: update(state.milestones, step.milestone, (m) => ({ ...m, breached: true })),
      };
      break;
    case 'breachWithdrawn':
      state = {
        ...state,
        breachesWithdrawn: state.breachesWithdrawn + 1,
        milestones: update(state.milestones, step.milestone, (m) => ({ ...m, breached: false })),
      };
      break;
  }
  return state;
}

export interface Duration {
  readonly count: number;
  readonly meanHours: number | null;
  readonly medianHours: number | null;
}

export interface Compliance {
  /** Milestones met + missed: the ones whose outcome is recorded as of `asOf`. */
  readonly due: number;
  readonly met: number;
  readonly missed: number;
  readonly pending: number;
  /** Of the pending, those whose deadline in force has passed by asOf: a breach not recorded yet (not in the rate). */
  readonly overdue: number;
  /** Ended by a withdrawal before being met and without a breach: outside the SLA, in neither met nor missed. */
  readonly void: number;
  /** met ÷ due, 0–1. */
  readonly rate: number | null;
}

export interface ComplaintKpis {
  readonly asOf: string;
  readonly complaints: number;
  readonly timeToAcknowledge: Duration;
  /** Receipt → the closing that left it resolved (complaints closed as resolved at asOf). */
  readonly timeToResolve: Duration;
  readonly slaCompliance: Compliance & {
    readonly byMilestone: { readonly acknowledge: Compliance; readonly resolve: Compliance };
    readonly breachesRecorded: number;
    readonly breachesWithdrawn: number;
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

function compliance(milestones: readonly MilestoneState[], asOf: string): Compliance {
  const outcomes = milestones.map(milestoneOutcome);
  const count = (outcome: MilestoneOutcome) => outcomes.filter((o) => o === outcome).length;
  const met = count('met');
  const missed = count('missed');
  const overdue = milestones.filter((m) => isOverdue(m, asOf)).length;
  return { due: met + missed, met, missed, pending: count('pending'), overdue, void: count('void'), rate: ratio(met, met + missed) };
}

function categories(complaints: readonly ComplaintAsOf[]): { category: string; count: number }[] {
  const groups = new Map<string, { category: string; count: number }>();
  // Complaints arrive oldest first, so a group is shown as it was first spelled.
  for (const complaint of complaints) {
    const group = groups.get(complaint.categoryKey) ?? { category: complaint.category, count: 0 };
    groups.set(complaint.categoryKey, { ...group, count: group.count + 1 });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
}

/** The complaint KPIs of docs/metrics.md over the rows given (already filtered by period and tenant), as of `asOf`. */
export function complaintKpis(rows: readonly ComplaintKpiRow[], asOf: string): ComplaintKpis {
  const complaints = rows.flatMap((row) => complaintAsOf(row, asOf) ?? []);
  const acknowledged = complaints.flatMap((c) => (c.acknowledgedAt === undefined ? [] : [hoursBetween(c.receivedAt, c.acknowledgedAt)]));
  const resolved = complaints.flatMap((c) =>
    c.status === 'closed' && c.outcome === 'resolved' && c.closedAt !== undefined ? [hoursBetween(c.receivedAt, c.closedAt)] : [],
  );
  const milestones = complaints.flatMap((c) => c.milestones);
  const ack = milestones.filter((m) => m.milestone === 'acknowledge');
  const resolve = milestones.filter((m) => m.milestone === 'resolve');
  const reached = (level: 'head_office' | 'external_body' | 'legal') => {
    const count = complaints.filter((c) => escalationRank(c.escalationLevel) >= escalationRank(level)).length;
    return { complaints: count, rate: ratio(count, complaints.length) };
  };
  const closed = complaints.filter((c) => c.closings > 0).length;
  const reopened = complaints.filter((c) => c.reopenings > 0).length;
  const scores = complaints.flatMap((c) => c.scores);
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
  for (const complaint of complaints) {
    byStatus[complaint.status] += 1;
    bySeverity[complaint.severity ?? 'unassessed'] += 1;
  }
  return {
    asOf,
    complaints: complaints.length,
    timeToAcknowledge: duration(acknowledged),
    timeToResolve: duration(resolved),
    slaCompliance: {
      ...compliance([...ack, ...resolve], asOf),
      byMilestone: { acknowledge: compliance(ack, asOf), resolve: compliance(resolve, asOf) },
      breachesRecorded: complaints.reduce((sum, c) => sum + c.breachesRecorded, 0),
      breachesWithdrawn: complaints.reduce((sum, c) => sum + c.breachesWithdrawn, 0),
    },
    escalation: { head_office: reached('head_office'), external_body: reached('external_body'), legal: reached('legal') },
    reopen: { closed, reopened, reopenings: complaints.reduce((sum, c) => sum + c.reopenings, 0), rate: ratio(reopened, closed) },
    satisfaction: { responses: scores.length, mean: average === null ? null : round(average, 2) },
    byStatus,
    bySeverity,
    byCategory: categories(complaints),
  };
}
