import { escalationRank, type ComplaintEvent, type SlaMilestone } from '@crm/service/domain';
import { type RecordedOf, type SummaryCell, utcInstant } from '@crm/shared/read-model';
import {
  afterStep,
  complaintAsOf,
  complaintAtReceipt,
  isOverdue,
  milestoneOutcome,
  type ComplaintAsOf,
  type ComplaintKpis,
} from './complaint-kpis';
import { complaintStepTime, type ComplaintKpiRow, type KpiStep } from './complaint-kpis.projection';
import { mean, ratio, round } from './numbers';

/**
 * Complaint KPIs as period aggregates: what one complaint adds to the totals, as changes
 * dated by the UTC day they take effect. Summing the cells of the days up to D gives every
 * additive figure of docs/metrics.md as of the end of D, for the complaints received on the
 * days selected — without reading a complaint. The cells are the differences between the
 * complaint folded at the end of each day something about it can change (a step, or a
 * deadline in force passing), so they agree with `complaintAsOf` by construction.
 *
 * Dimensions: `r` received day, `d` day the change takes effect, `f` figure (and `c`/`s`,
 * the category key and spelling, for `category`). Value `n`: the change (integer; durations in ms).
 */
export interface KpiCellDims {
  readonly r: string;
  readonly d: string;
  readonly f: string;
  readonly c?: string;
  readonly s?: string;
}

const HOUR_MS = 3_600_000;
const LEVELS = ['head_office', 'external_body', 'legal'] as const;
const day = (instant: string) => instant.slice(0, 10);
export const endOfUtcDay = (d: string) => `${d}T23:59:59.999Z`;

/** The additive figures of one complaint as of `asOf`, keyed by figure (category keyed by key and spelling). */
function figures(c: ComplaintAsOf | undefined, asOf: string): Map<string, number> {
  const out = new Map<string, number>();
  if (c === undefined) return out;
  const add = (key: string, value: number) => {
    if (value !== 0) out.set(key, (out.get(key) ?? 0) + value);
  };
  add('complaints', 1);
  if (c.acknowledgedAt !== undefined) {
    add('ack.count', 1);
    add('ack.ms', Date.parse(c.acknowledgedAt) - Date.parse(c.receivedAt));
  }
  if (c.status === 'closed' && c.outcome === 'resolved' && c.closedAt !== undefined) {
    add('resolve.count', 1);
    add('resolve.ms', Date.parse(c.closedAt) - Date.parse(c.receivedAt));
  }
  for (const m of c.milestones) {
    add(`sla.${m.milestone}.${milestoneOutcome(m)}`, 1);
    if (isOverdue(m, asOf)) add(`sla.${m.milestone}.overdue`, 1);
  }
  add('breachesRecorded', c.breachesRecorded);
  add('breachesWithdrawn', c.breachesWithdrawn);
  for (const level of LEVELS) if (escalationRank(c.escalationLevel) >= escalationRank(level)) add(`escalation.${level}`, 1);
  if (c.closings > 0) add('closed', 1);
  if (c.reopenings > 0) add('reopened', 1);
  add('reopenings', c.reopenings);
  add('satisfaction.count', c.scores.length);
  add(
    'satisfaction.sum',
    c.scores.reduce((sum, score) => sum + score, 0),
  );
  add(`status.${c.status}`, 1);
  add(`severity.${c.severity ?? 'unassessed'}`, 1);
  add(`category\u0000${c.categoryKey}\u0000${c.category}`, 1);
  return out;
}

/** The days at whose end something about the complaint can have changed: receipt, each step, each deadline in force. */
function changeDays(row: ComplaintKpiRow): string[] {
  const days = new Set([day(row.receivedAt), day(row.acknowledgeBy), day(row.resolveBy)]);
  for (const step of row.steps) {
    days.add(day(step.at));
    if (step.kind === 'status') {
      days.add(day(step.acknowledgeBy));
      days.add(day(step.resolveBy));
    }
  }
  return [...days].filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
}

/**
 * The complaint as of the end of each day asked, days in ascending order. When its steps are
 * dated in stream order (the usual case) the steps at or before a day's end are a prefix, so
 * one pass folds them all; otherwise each day is folded afresh. Either way `complaintAsOf`.
 */
function complaintAsOfDayEnds(row: ComplaintKpiRow): (d: string) => ComplaintAsOf | undefined {
  const inOrder = row.steps.every((step, i) => i === 0 || (row.steps[i - 1] as KpiStep).at <= step.at);
  if (!inOrder) return (d) => complaintAsOf(row, endOfUtcDay(d));
  let state = complaintAtReceipt(row);
  let next = 0;
  return (d) => {
    const end = endOfUtcDay(d);
    while (next < row.steps.length && Date.parse((row.steps[next] as KpiStep).at) <= Date.parse(end)) {
      state = afterStep(state, row.steps[next] as KpiStep);
      next += 1;
    }
    return Date.parse(row.receivedAt) > Date.parse(end) ? undefined : state;
  };
}

/** What one complaint adds to the complaint-KPI totals, as changes dated by the day they take effect. */
export function complaintKpiCells(row: ComplaintKpiRow): SummaryCell[] {
  const r = day(row.receivedAt);
  const cells: SummaryCell[] = [];
  let before = new Map<string, number>();
  const asOf = complaintAsOfDayEnds(row);
  for (const d of changeDays(row)) {
    const after = figures(asOf(d), endOfUtcDay(d));
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const change = (after.get(key) ?? 0) - (before.get(key) ?? 0);
      if (change === 0) continue;
      const [f, c, s] = key.split('\u0000') as [string, string?, string?];
      cells.push({ dims: { r, d, f, ...(c === undefined ? {} : { c, s }) }, values: { n: change } });
    }
    before = after;
  }
  return cells;
}

/** The KPIs whose figures are sums: every figure of `ComplaintKpis` but the medians, which need each value. */
export type SummedDuration = { readonly count: number; readonly meanHours: number | null };
export type SummedComplaintKpis = Omit<ComplaintKpis, 'timeToAcknowledge' | 'timeToResolve'> & {
  readonly timeToAcknowledge: SummedDuration;
  readonly timeToResolve: SummedDuration;
};

export interface CellRange {
  /** Received days selected, inclusive (YYYY-MM-DD). */
  readonly fromDay?: string;
  readonly toDay?: string;
}

/** The KPIs as of the end of UTC day `asOfDay`, from the cells of the complaints received in the range. */
export function kpisFromCells(cells: Iterable<SummaryCell>, asOfDay: string, range: CellRange = {}): SummedComplaintKpis {
  const totals = new Map<string, number>();
  const spelling = new Map<string, { s: string; r: string; n: number }[]>();
  for (const { dims, values } of cells) {
    const { r, d, f, c, s } = dims as unknown as KpiCellDims;
    if (d > asOfDay || (range.fromDay !== undefined && r < range.fromDay) || (range.toDay !== undefined && r > range.toDay)) continue;
    const n = values['n'] ?? 0;
    if (f === 'category' && c !== undefined && s !== undefined) {
      const list = spelling.get(c) ?? [];
      const found = list.find((x) => x.s === s && x.r === r);
      if (found) found.n += n;
      else list.push({ s, r, n });
      spelling.set(c, list);
      continue;
    }
    totals.set(f, (totals.get(f) ?? 0) + n);
  }
  const get = (f: string) => totals.get(f) ?? 0;
  const complaints = get('complaints');
  const summed = (prefix: string): SummedDuration => {
    const count = get(`${prefix}.count`);
    return { count, meanHours: count === 0 ? null : round(get(`${prefix}.ms`) / HOUR_MS / count, 2) };
  };
  const compliance = (milestones: readonly SlaMilestone[]) => {
    const sum = (outcome: string) => milestones.reduce((total, m) => total + get(`sla.${m}.${outcome}`), 0);
    const met = sum('met');
    const missed = sum('missed');
    return {
      due: met + missed,
      met,
      missed,
      pending: sum('pending'),
      overdue: sum('overdue'),
      void: sum('void'),
      rate: ratio(met, met + missed),
    };
  };
  const reached = (level: (typeof LEVELS)[number]) => ({
    complaints: get(`escalation.${level}`),
    rate: ratio(get(`escalation.${level}`), complaints),
  });
  const responses = get('satisfaction.count');
  const average = responses === 0 ? null : mean([get('satisfaction.sum') / responses]);
  const byCategory = [...spelling.values()]
    .map((list) => {
      const live = list.filter((x) => x.n !== 0).sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0));
      return { category: live[0]?.s ?? '', count: live.reduce((sum, x) => sum + x.n, 0) };
    })
    .filter((group) => group.count > 0)
    .sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
  return {
    asOf: endOfUtcDay(asOfDay),
    complaints,
    timeToAcknowledge: summed('ack'),
    timeToResolve: summed('resolve'),
    slaCompliance: {
      ...compliance(['acknowledge', 'resolve']),
      byMilestone: { acknowledge: compliance(['acknowledge']), resolve: compliance(['resolve']) },
      breachesRecorded: get('breachesRecorded'),
      breachesWithdrawn: get('breachesWithdrawn'),
    },
    escalation: { head_office: reached('head_office'), external_body: reached('external_body'), legal: reached('legal') },
    reopen: {
      closed: get('closed'),
      reopened: get('reopened'),
      reopenings: get('reopenings'),
      rate: ratio(get('reopened'), get('closed')),
    },
    satisfaction: { responses, mean: average === null ? null : round(average, 2) },
    byStatus: {
      received: get('status.received'),
      acknowledged: get('status.acknowledged'),
      investigating: get('status.investigating'),
      responded: get('status.responded'),
      decision_communicated: get('status.decision_communicated'),
      closed: get('status.closed'),
    },
    bySeverity: {
      low: get('severity.low'),
      medium: get('severity.medium'),
      high: get('severity.high'),
      critical: get('severity.critical'),
      unassessed: get('severity.unassessed'),
    },
    byCategory,
  };
}

/**
 * Where a complaint event's cells go: the summary of the tenant and the UTC month the step is
 * dated in. An event changes only the figures from its own day on, so every cell dated up to a
 * day D is in a summary of D's month or earlier: summing the summaries of the months up to D's
 * (cells dated after D left out) gives the figures at the end of D. A month's summary may hold
 * corrections (negative changes) to cells first put in an earlier month's.
 */
export function complaintKpiSummaryId(event: RecordedOf<ComplaintEvent>): string {
  const at = event.type === 'ComplaintReceived' ? event.data.receivedAt : complaintStepTime(event);
  return `${event.metadata.tenantId}:~kpis:${utcInstant(at).slice(0, 7)}`;
}
