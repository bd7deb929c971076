import { escalationRank, type ComplaintEvent } from '@crm/service/domain';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import { type RecordedOf, type SummaryCell, type SummaryDoc, utcInstant } from '@crm/shared/read-model';
import { afterStep, complaintAsOf, complaintAtReceipt, isOverdue, milestoneOutcome, type ComplaintAsOf } from './complaint-kpis';
import { complaintStepTime, type ComplaintKpiRow, type KpiStep } from './complaint-kpis.projection';

/**
 * Complaint KPIs as month cells in a prefix-sum tree, so a request reads a bounded number of
 * small documents whatever the length of the history (docs/views-at-scale.md). Months are business
 * months (BUSINESS_CALENDAR, `monthIndex`), so a received period of whole business months is whole months of the trees:
 *
 * - A complaint's **cells** are the changes of its additive figures (counts, sums of durations,
 *   a histogram of each duration, SLA outcomes, overdue, categories) between the ends of the
 *   months something about it can change: its receipt, each step, each deadline in force passing.
 *   Summing the cells dated up to month M gives the complaint's figures as of the end of M.
 * - An event changes its complaint's cells only from its own month on. The fold nets the old and
 *   new cells and adds the change to the nodes of a Fenwick tree over months (`kpiNodeIds`): node i
 *   holds the changes of the events dated in (i − lowbit(i), i]. A cell dated at or before i is kept
 *   there without its month (every query that reads node i counts it), so a node stays small.
 * - The figures as of the end of month M are the cells of the nodes M, M − lowbit(M), … dated up to
 *   M; as of an instant T inside month M: the end of M − 1, plus, for the complaints that change in
 *   month M (marker documents, `kpiMonthOf`), their figures as of T less those as of the end of M − 1.
 */
export const KPI_MONTHS = 4096;
const FIRST_YEAR = 2000;
const HOUR_MS = 3_600_000;
const LEVELS = ['head_office', 'external_body', 'legal'] as const;

/**
 * The business month (BUSINESS_CALENDAR: `CRM_BUSINESS_TIME_ZONE`, Asia/Tehran by default) of an instant: 1 for
 * 2000-01 … 4096 for 2341-04; months outside are clamped (the view then reads complaint by complaint).
 */
export function monthIndex(instant: string): number {
  return monthOfMs(Date.parse(instant));
}

/** The last millisecond of business month `index`. */
const monthEnds: string[] = [];

export function endOfMonthIndex(index: number): string {
  const known = monthEnds[index];
  if (known !== undefined) return known;
  const year = FIRST_YEAR + Math.floor((index - 1) / 12);
  const month = (((index - 1) % 12) + 12) % 12;
  // The wall clock's first instant of the next month, as an instant.
  const end = new Date(BUSINESS_CALENDAR.fromLocal(Date.UTC(year, month + 1, 1)) - 1).toISOString();
  if (Number.isInteger(index) && index >= 1 && index <= KPI_MONTHS) monthEnds[index] = end;
  return end;
}

// Durations are histogrammed in buckets of 1/16 octave from one minute, so a median's rank is
// placed in one bucket by counts, and only that bucket's complaints are read for the exact value.
const BUCKETS_PER_OCTAVE = 16;
const BUCKET_BASE_MS = 60_000;
const BOUNDS: readonly number[] = Array.from({ length: 40 * BUCKETS_PER_OCTAVE }, (_, b) =>
  Math.round(BUCKET_BASE_MS * 2 ** (b / BUCKETS_PER_OCTAVE)),
);

/** -1 below one minute (negative included); otherwise the largest b with bound(b) ≤ ms. */
export function durationBucket(ms: number): number {
  if (ms < (BOUNDS[0] as number)) return -1;
  let lo = 0;
  let hi = BOUNDS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((BOUNDS[mid] as number) <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The ms range [gte, lt) of a bucket; open-ended at either end. */
export function bucketRange(b: number): { gte?: number; lt?: number } {
  if (b < 0) return { lt: BOUNDS[0] as number };
  return { gte: BOUNDS[b] as number, ...(b + 1 < BOUNDS.length ? { lt: BOUNDS[b + 1] as number } : {}) };
}

export const durationMs = (from: string, to: string) => Date.parse(to) - Date.parse(from);

/** Time to acknowledge and to resolve of one complaint as it stood (docs/metrics.md "Durations"), in ms. */
export function durationsOf(c: ComplaintAsOf): { ack?: number; resolve?: number } {
  return {
    ...(c.acknowledgedAt === undefined ? {} : { ack: durationMs(c.receivedAt, c.acknowledgedAt) }),
    ...(c.status === 'closed' && c.outcome === 'resolved' && c.closedAt !== undefined
      ? { resolve: durationMs(c.receivedAt, c.closedAt) }
      : {}),
  };
}

/** The additive figures of one complaint as of `asOf`, by figure key. */
export function complaintFigures(c: ComplaintAsOf | undefined, asOf: string): Map<string, number> {
  const out = new Map<string, number>();
  if (c === undefined) return out;
  const add = (key: string, value: number) => {
    if (value !== 0) out.set(key, (out.get(key) ?? 0) + value);
  };
  add('complaints', 1);
  const { ack, resolve } = durationsOf(c);
  if (ack !== undefined) {
    add('ack.count', 1);
    add('ack.ms', ack);
    add(`ack.h.${durationBucket(ack)}`, 1);
  }
  if (resolve !== undefined) {
    add('resolve.count', 1);
    add('resolve.ms', resolve);
    add(`resolve.h.${durationBucket(resolve)}`, 1);
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
  add(`category.${c.categoryKey}`, 1);
  return out;
}

/** The business month of an instant given as milliseconds (clamped as monthIndex; 1 for no instant). */
function monthOfMs(ms: number): number {
  if (!Number.isFinite(ms)) return 1;
  // The wall-clock reading written as UTC: its UTC year and month are the business day's.
  const at = new Date(BUSINESS_CALENDAR.toLocal(ms));
  const index = (at.getUTCFullYear() - FIRST_YEAR) * 12 + at.getUTCMonth() + 1;
  return Number.isFinite(index) ? Math.min(KPI_MONTHS, Math.max(1, index)) : 1;
}

/** The months of a complaint's change instants, ascending: its receipt, each step, each deadline in force passing. */
export function changeMonths(row: ComplaintKpiRow): number[] {
  let months = new Set<number>();
  const add = (instant: string, after = 0) => {
    const ms = Date.parse(instant);
    if (!Number.isNaN(ms)) months.add(monthOfMs(ms + after));
  };
  add(row.receivedAt);
  add(row.acknowledgeBy, 1);
  add(row.resolveBy, 1);
  for (const step of row.steps) {
    let ofStep = monthsOfStep.get(step);
    if (ofStep === undefined) {
      const before = months;
      months = new Set<number>();
      add(step.at);
      if (step.kind === 'status') {
        add(step.acknowledgeBy, 1);
        add(step.resolveBy, 1);
      }
      ofStep = [...months];
      monthsOfStep.set(step, ofStep);
      months = before;
    }
    for (const month of ofStep) months.add(month);
  }
  return [...months].sort((a, b) => a - b);
}
// A step's months, from its instants alone (steps are never mutated): parsed once, not for every later event of its complaint.
const monthsOfStep = new WeakMap<KpiStep, readonly number[]>();

/**
 * A step's instant in ms, and the complaint after it: steps are never mutated and a complaint's list of steps
 * only grows (each event's row copies the previous row's steps and appends), so the state after a step, once
 * folded, serves every later row of the complaint, and each event folds only its own new steps. An entry is
 * used only for the very step before it and the same receipt, so a step object seen in any other list is
 * folded afresh.
 */
type Receipt = Pick<ComplaintKpiRow, 'receivedAt' | 'acknowledgeBy' | 'resolveBy' | 'categoryKey' | 'category'>;

interface StepFold {
  readonly ms: number;
  readonly previous: KpiStep | undefined;
  /** What complaintAtReceipt reads of the row it was folded for (not the row: that would keep every past row alive). */
  readonly receipt: Receipt;
  readonly state: ComplaintAsOf;
}
const foldedSteps = new WeakMap<KpiStep, StepFold>();

/** A copy of what the receipt's fold reads, so a kept fold does not hold the row. */
const receiptOf = (row: ComplaintKpiRow): Receipt => ({
  receivedAt: row.receivedAt,
  acknowledgeBy: row.acknowledgeBy,
  resolveBy: row.resolveBy,
  categoryKey: row.categoryKey,
  category: row.category,
});

const sameReceipt = (a: Receipt, b: Receipt) =>
  a.receivedAt === b.receivedAt &&
  a.acknowledgeBy === b.acknowledgeBy &&
  a.resolveBy === b.resolveBy &&
  a.categoryKey === b.categoryKey &&
  a.category === b.category;

/** The complaint after each prefix of its steps (`states[i]`: after i steps), and each step's instant in ms. */
function foldedPrefixes(row: ComplaintKpiRow): { states: ComplaintAsOf[]; times: number[] } {
  // The same list of steps is asked twice for each new row (its duration columns, then its cells).
  const known = prefixesOfSteps.get(row.steps);
  if (known !== undefined && sameReceipt(known.receipt, row)) return known;
  const folded = foldPrefixes(row);
  prefixesOfSteps.set(row.steps, folded);
  return folded;
}
const prefixesOfSteps = new WeakMap<readonly KpiStep[], { receipt: Receipt; states: ComplaintAsOf[]; times: number[] }>();

function foldPrefixes(row: ComplaintKpiRow): { receipt: Receipt; states: ComplaintAsOf[]; times: number[] } {
  const states: ComplaintAsOf[] = [complaintAtReceipt(row)];
  const times: number[] = [];
  let receipt: Receipt | undefined;
  let previous: KpiStep | undefined;
  for (const step of row.steps) {
    let fold = foldedSteps.get(step);
    if (fold !== undefined && fold.previous === previous && (fold.receipt === receipt || sameReceipt(fold.receipt, row))) {
      receipt = fold.receipt;
    } else {
      receipt ??= receiptOf(row);
      fold = { ms: Date.parse(step.at), previous, receipt, state: afterStep(states[states.length - 1] as ComplaintAsOf, step) };
      foldedSteps.set(step, fold);
    }
    states.push(fold.state);
    times.push(fold.ms);
    previous = step;
  }
  receipt ??= receiptOf(row);
  return { receipt, states, times };
}

/**
 * The complaint as of ascending instants (each asked once, in order). With its steps dated in stream order (the
 * usual case) the steps up to an instant are a prefix, so the states after each prefix serve (folded once per
 * step, see foldedPrefixes); otherwise each instant is folded afresh. Either way `complaintAsOf`.
 */
export function complaintAsOfEach(row: ComplaintKpiRow): (asOf: string) => ComplaintAsOf | undefined {
  const { states, times } = foldedPrefixes(row);
  for (let i = 1; i < times.length; i += 1) {
    // NaN compares false either way, as Date.parse did in the fold this replaces: such a list is folded afresh.
    if (!((times[i - 1] as number) <= (times[i] as number))) return (asOf) => complaintAsOf(row, asOf);
  }
  const received = Date.parse(row.receivedAt);
  let next = 0;
  return (asOf) => {
    const until = Date.parse(asOf);
    while (next < times.length && (times[next] as number) <= until) next += 1;
    return received > until ? undefined : states[next];
  };
}

// Rows are never mutated (a projection returns new documents), so a row's cells can be kept by identity: the row an
// event leaves is the row the next event of the same complaint takes out, and its cells need not be computed twice.
const cellsOfRow = new WeakMap<ComplaintKpiRow, SummaryCell[]>();

/** What one complaint adds to the totals: dims `d` (month index the change takes effect) and `f` (figure); value `n`. */
export function complaintKpiCells(row: ComplaintKpiRow): SummaryCell[] {
  const known = cellsOfRow.get(row);
  if (known) return known;
  const cells = computeCells(row);
  cellsOfRow.set(row, cells);
  return cells;
}

// The figures as of the end of month d of one folded state (shared by the complaint's rows, see foldedPrefixes),
// and the cells between two such figures: a row after an event dated in month k differs from the row before it
// only from month k on, so its earlier months give the very figures and cell objects of the row before, which
// the fold's netting then passes over without computing their keys (netCells).
const figuresOfState = new WeakMap<ComplaintAsOf, Map<number, ReadonlyMap<string, number>>>();
const cellsBetween = new WeakMap<ReadonlyMap<string, number>, { before: ReadonlyMap<string, number>; d: number; cells: SummaryCell[] }>();
const NO_FIGURES: ReadonlyMap<string, number> = new Map();

function figuresAtEndOf(state: ComplaintAsOf | undefined, d: number): ReadonlyMap<string, number> {
  if (state === undefined) return NO_FIGURES;
  let byMonth = figuresOfState.get(state);
  if (byMonth === undefined) figuresOfState.set(state, (byMonth = new Map()));
  let figures = byMonth.get(d);
  if (figures === undefined) byMonth.set(d, (figures = complaintFigures(state, endOfMonthIndex(d))));
  return figures;
}

// One dimensions object per month and figure, so a cell's key (summaryCellKey keeps it by dimensions object) is built
// once, not for every event that nets the cell; with it the last cell made for them, handed out again for the same
// value (cells are never mutated), so a complaint's old and new cells are mostly the very same objects and the
// fold's netting passes them over (netCells). As many as the cells the tree's nodes hold.
interface Slot {
  readonly dims: Readonly<Record<string, string | number>>;
  last: SummaryCell | undefined;
}
const slotsByMonth = new Map<number, Map<string, Slot>>();
/**
 * The months whose slots are kept, the most recently first seen: a month holds a few hundred figures (histogram
 * buckets), and a replay of 10M demo events spans 250 years, whose slots outgrew a rebuild worker's heap. A replay
 * moves forward in time, so the months it left are seldom asked again; one asked again gets fresh slots, whose cells
 * net by key instead of by identity (the same sums).
 */
export const KPI_SLOT_MONTHS_KEPT = 240;

/** How many months' slots are kept now (at most KPI_SLOT_MONTHS_KEPT). */
export const keptSlotMonths = () => slotsByMonth.size;

function cellFor(d: number, f: string, n: number): SummaryCell {
  let byFigure = slotsByMonth.get(d);
  if (byFigure === undefined) {
    if (slotsByMonth.size >= KPI_SLOT_MONTHS_KEPT) slotsByMonth.delete(slotsByMonth.keys().next().value as number);
    slotsByMonth.set(d, (byFigure = new Map()));
  }
  let slot = byFigure.get(f);
  if (slot === undefined) byFigure.set(f, (slot = { dims: { d, f }, last: undefined }));
  if (slot.last !== undefined && slot.last.values['n'] === n) return slot.last;
  return (slot.last = { dims: slot.dims, values: { n } });
}

function cellsOf(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, d: number): SummaryCell[] {
  const known = cellsBetween.get(after);
  if (known !== undefined && known.before === before && known.d === d) return known.cells;
  const cells: SummaryCell[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const change = (after.get(key) ?? 0) - (before.get(key) ?? 0);
    if (change !== 0) cells.push(cellFor(d, key, change));
  }
  if (after !== NO_FIGURES) cellsBetween.set(after, { before, d, cells });
  return cells;
}

function computeCells(row: ComplaintKpiRow): SummaryCell[] {
  const cells: SummaryCell[] = [];
  let before = NO_FIGURES;
  const asOf = complaintAsOfEach(row);
  for (const d of changeMonths(row)) {
    const after = figuresAtEndOf(asOf(endOfMonthIndex(d)), d);
    for (const cell of cellsOf(before, after, d)) cells.push(cell);
    before = after;
  }
  return cells;
}

const lowbit = (i: number) => i & -i;

/** The tree nodes an event dated in month `k` adds to: k, k + lowbit(k), … up to KPI_MONTHS. */
export function nodesUpdated(k: number): number[] {
  const nodes: number[] = [];
  for (let i = k; i <= KPI_MONTHS; i += lowbit(i)) nodes.push(i);
  return nodes;
}

/** The nodes whose sum is every event dated up to month `m`: m, m − lowbit(m), … */
export function nodesOfPrefix(m: number): number[] {
  const nodes: number[] = [];
  for (let i = m; i > 0; i -= lowbit(i)) nodes.push(i);
  return nodes;
}

export const kpiNodeId = (tenantId: string, node: number) => `${tenantId}:~kpis:${node}`;
const nodeOf = (summaryId: string) => Number(summaryId.slice(summaryId.lastIndexOf(':') + 1));

/** When an event's step happened (its receipt for a ComplaintReceived). */
export function complaintEventTime(event: RecordedOf<ComplaintEvent>): string {
  // Asked of one event several times in a fold (its documents, its tree nodes, its steps): kept by event, which never changes.
  let time = eventTimes.get(event);
  if (time === undefined) {
    time = utcInstant(event.type === 'ComplaintReceived' ? event.data.receivedAt : complaintStepTime(event));
    eventTimes.set(event, time);
  }
  return time;
}
const eventTimes = new WeakMap<object, string>();

/** The summary documents an event's change goes to: the tree nodes above its month. */
export function kpiNodeIds(event: RecordedOf<ComplaintEvent>): readonly string[] {
  let ids = nodeIdsOfEvent.get(event);
  if (ids === undefined) {
    ids = nodesUpdated(monthIndex(complaintEventTime(event))).map((node) => kpiNodeId(event.metadata.tenantId, node));
    nodeIdsOfEvent.set(event, ids);
  }
  return ids;
}
// The fold asks for them twice per event (the ids it loads, then where the change goes).
const nodeIdsOfEvent = new WeakMap<object, readonly string[]>();

/** Node `node` of the tree of the complaints received in month `receiptMonth` (same months, same nodes). */
export const kpiReceiptNodeId = (tenantId: string, receiptMonth: number, node: number) => `${tenantId}:~kpir:${receiptMonth}:${node}`;

/** The receipt year of a month index (0 for 2000), and the first month of a receipt year. */
export const yearOfMonth = (month: number) => Math.floor((month - 1) / 12);
export const firstMonthOfYear = (year: number) => year * 12 + 1;

/** Node `node` of the tree of the complaints received in receipt year `year` (yearOfMonth; same months, same nodes). */
export const kpiReceiptYearNodeId = (tenantId: string, year: number, node: number) => `${tenantId}:~kpiy:${year}:${node}`;

/**
 * The nodes of a receipt tree (of a month or a year starting at month `first`) that an event dated in month `k` adds
 * to. The tree holds no cell dated before `first` (a complaint has no figures before its receipt), so an event dated
 * earlier goes where one dated in `first` would: a read skips the nodes below `first`. A read's asOf month is below
 * KPI_MONTHS, so it never reads the root: left out.
 */
function receiptNodesUpdated(k: number, first: number): number[] {
  const nodes = nodesUpdated(Math.max(k, first));
  return nodes.at(-1) === KPI_MONTHS ? nodes.slice(0, -1) : nodes;
}

/**
 * The nodes of the trees of its complaint's receipt month and receipt year that an event's change goes to: a
 * received period reads whole years from the year trees, the whole months at its edges from the month trees.
 */
export function kpiReceiptNodeIds(event: RecordedOf<ComplaintEvent>, receiptMonth: number): readonly string[] {
  const known = receiptNodeIdsOfEvent.get(event);
  if (known !== undefined && known.receiptMonth === receiptMonth) return known.ids;
  const { tenantId } = event.metadata;
  const k = monthIndex(complaintEventTime(event));
  const year = yearOfMonth(receiptMonth);
  const ids = [
    ...receiptNodesUpdated(k, receiptMonth).map((node) => kpiReceiptNodeId(tenantId, receiptMonth, node)),
    ...receiptNodesUpdated(k, firstMonthOfYear(year)).map((node) => kpiReceiptYearNodeId(tenantId, year, node)),
  ];
  receiptNodeIdsOfEvent.set(event, { receiptMonth, ids });
  return ids;
}
const receiptNodeIdsOfEvent = new WeakMap<object, { receiptMonth: number; ids: readonly string[] }>();

// One dimensions object per figure without a month, so their keys are built once (summaryCellKey keeps them).
const undated = new Map<string, Readonly<Record<string, string | number>>>();

/**
 * A cell as node `summaryId` keeps it: dated at or before the node's month, without its month (d = 0). The same
 * undated cell for the same cell (cells are never mutated), so the nodes above an event's months get the very
 * same cells and the fold nets them once (foldEvents).
 */
export function placeKpiCell(cell: SummaryCell, summaryId: string): SummaryCell {
  const d = cell.dims['d'] as number;
  // The fold places every cell of a change in one node before the next: its month is read once per node.
  if (summaryId !== lastNode.id) lastNode = { id: summaryId, node: nodeOf(summaryId) };
  if (d > lastNode.node) return cell;
  let placed = undatedCells.get(cell);
  if (placed === undefined) {
    const f = cell.dims['f'] as string;
    let dims = undated.get(f);
    if (dims === undefined) undated.set(f, (dims = { d: 0, f }));
    placed = { dims, values: cell.values };
    undatedCells.set(cell, placed);
  }
  return placed;
}
const undatedCells = new WeakMap<SummaryCell, SummaryCell>();
let lastNode = { id: '', node: 0 };

/** Totals by figure of the cells given, dated up to month `m` (cells without a month always count). */
export function addCells(totals: Map<string, number>, cells: Iterable<SummaryCell>, m: number): void {
  for (const { dims, values } of cells) {
    const d = dims['d'] as number;
    if (d !== 0 && d > m) continue;
    const f = dims['f'] as string;
    totals.set(f, (totals.get(f) ?? 0) + (values['n'] ?? 0));
  }
}

/** The grand total of the tree (the root node holds every event), by figure: what projectionSpec compares. */
export const KPI_TOTAL = {
  of(summaries: ReadonlyMap<string, SummaryDoc>): SummaryCell[] {
    const cells = [...summaries]
      .filter(([id]) => id.includes(':~kpis:') && nodeOf(id) === KPI_MONTHS)
      .flatMap(([, doc]) => Object.values(doc.cells));
    return byFigure(cells);
  },
  ofCells(cells: readonly SummaryCell[]): SummaryCell[] {
    return byFigure(cells);
  },
};

function byFigure(cells: readonly SummaryCell[]): SummaryCell[] {
  const totals = new Map<string, number>();
  addCells(totals, cells, KPI_MONTHS);
  return [...totals].filter(([, n]) => n !== 0).map(([f, n]) => ({ dims: { f }, values: { n } }));
}

export { HOUR_MS as KPI_HOUR_MS };
