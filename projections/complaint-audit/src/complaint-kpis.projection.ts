import type {
  CloseOutcome,
  ComplaintEvent,
  ComplaintReceived,
  ComplaintStatus,
  EscalationLevel,
  ServiceChannel,
  Severity,
  SlaMilestone,
} from '@crm/service/domain';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import type { RecordedOf } from '@crm/shared/read-model';
import { normalizePersian, zonedVersion } from '@crm/shared/kernel';
import { defineProjection, utcInstant } from '@crm/shared/read-model';
import { COMPLAINT_EVENT_TYPES, complaintDocumentId } from './complaint-audit.projection';
import { complaintEvolve, type FollowingComplaintEvent } from './complaint-fold';
import type { ComplaintAsOf } from './complaint-kpis';
import {
  complaintAsOfEach,
  complaintEventTime,
  complaintKpiCells,
  durationBucket,
  durationsOf,
  KPI_MONTHS,
  KPI_TOTAL,
  kpiNodeIds,
  kpiReceiptNodeIds,
  monthIndex,
  placeKpiCell,
} from './complaint-kpi-cells';

/**
 * One step of a complaint as the KPIs need it, at the time the step says it happened
 * (receivedAt, acknowledgedAt, closedAt, detectedAt, …), so any figure can be taken
 * as of a past instant by folding only the steps at or before it (docs/metrics.md).
 */
export type KpiStep =
  | {
      readonly kind: 'status';
      readonly at: string;
      readonly to: ComplaintStatus;
      readonly level: EscalationLevel;
      readonly severity?: Severity;
      /** The deadlines in force after the step (UTC). */
      readonly acknowledgeBy: string;
      readonly resolveBy: string;
    }
  | { readonly kind: 'acknowledged'; readonly at: string }
  | { readonly kind: 'closed'; readonly at: string; readonly outcome: CloseOutcome }
  | { readonly kind: 'reopened'; readonly at: string }
  | { readonly kind: 'satisfaction'; readonly at: string; readonly score: number }
  | { readonly kind: 'breached'; readonly at: string; readonly milestone: SlaMilestone }
  | { readonly kind: 'breachWithdrawn'; readonly at: string; readonly milestone: SlaMilestone };

/** A complaint reduced to what the KPIs aggregate; times in UTC so range filters compare as strings. */
export interface ComplaintKpiRow {
  readonly tenantId: string;
  readonly complaintId: string;
  readonly receivedAt: string;
  readonly channel: ServiceChannel;
  readonly category: string;
  /** The category as matched (Arabic ي/ك, ZWNJ, digits normalised), so spelling variants count together. */
  readonly categoryKey: string;
  /** The deadlines set at receipt (UTC). */
  readonly acknowledgeBy: string;
  readonly resolveBy: string;
  /** Every step after receipt, in stream order; the KPIs fold the ones at or before asOf. */
  readonly steps: readonly KpiStep[];
  readonly lastRevision: number;
  /** 1 when a duration had more stretches than it has slots: a median reads the complaint always, folded as of asOf. */
  readonly kMulti?: 1;
}

/**
 * The stretches of time over which one complaint had a time to acknowledge / to resolve, a document of their own
 * beside its row (`kpiSlotsId`): one slot each (DURATION_SLOTS), the value over [from, until), and its histogram
 * bucket (`durationBucket`; indexed with the receipt: a median reads the complaints of one bucket received in its
 * period, an index range as long as what it reads). Kept apart from the row so that what a median reads is a
 * document of a few hundred bytes, not the complaint's whole history of steps (about 2.3 KB in the demo data):
 * every one the range holds is decoded. Absent slots: no such stretch; no document: none at all, or a complaint
 * with more stretches than slots (its row says `kMulti`).
 */
export interface ComplaintKpiSlots {
  readonly tenantId: string;
  readonly complaintId: string;
  /** The complaint's receipt (UTC), named apart from a row's `receivedAt` so that finds of rows by receipt never meet it. */
  readonly kRecv: string;
  readonly kAckMs?: number;
  readonly kAckB?: number;
  readonly kAckFrom?: string;
  readonly kAckUntil?: string;
  readonly kResMs?: number;
  readonly kResB?: number;
  readonly kResFrom?: string;
  readonly kResUntil?: string;
  readonly kRes1Ms?: number;
  readonly kRes1B?: number;
  readonly kRes1From?: string;
  readonly kRes1Until?: string;
  readonly kRes2Ms?: number;
  readonly kRes2B?: number;
  readonly kRes2From?: string;
  readonly kRes2Until?: string;
}

type SlotField = Exclude<keyof ComplaintKpiSlots, 'tenantId' | 'complaintId' | 'kRecv'>;
export interface DurationSlot {
  readonly ms: SlotField;
  readonly bucket: SlotField;
  readonly from: SlotField;
  readonly until: SlotField;
}

/** Where each duration's stretches are kept on a row, in time order; one stretch at most holds at any instant. */
export const DURATION_SLOTS: Readonly<Record<'ack' | 'resolve', readonly DurationSlot[]>> = {
  ack: [{ ms: 'kAckMs', bucket: 'kAckB', from: 'kAckFrom', until: 'kAckUntil' }],
  resolve: [
    { ms: 'kResMs', bucket: 'kResB', from: 'kResFrom', until: 'kResUntil' },
    { ms: 'kRes1Ms', bucket: 'kRes1B', from: 'kRes1From', until: 'kRes1Until' },
    { ms: 'kRes2Ms', bucket: 'kRes2B', from: 'kRes2From', until: 'kRes2Until' },
  ],
};
const SLOT_FIELDS: readonly SlotField[] = Object.values(DURATION_SLOTS).flatMap((slots) =>
  slots.flatMap((slot) => [slot.ms, slot.bucket, slot.from, slot.until]),
);

/** A complaint that changes in a month: the view reads it one by one for an asOf inside that month. */
export interface ComplaintKpiMonthMarker {
  readonly tenantId: string;
  readonly kpiMonth: number;
  readonly complaintId: string;
  /**
   * The month marked and the complaint's receipt month in one number (`kpiMarkedReceipt`), so a received period reads
   * only the markers of its receipt months (an index range). Absent for a step whose complaint has no receipt yet.
   */
  readonly kpiMonthRecv?: number;
}

/** The key of a marker of month `month` for a complaint received in month `receiptMonth` (both monthIndex). */
export const kpiMarkedReceipt = (month: number, receiptMonth: number) => month * (KPI_MONTHS + 1) + receiptMonth;

/** The spelling a category is shown in: that of its earliest complaint (receipt time, then document id). */
export interface ComplaintKpiCategory {
  readonly tenantId: string;
  readonly kpiCategory: string;
  readonly spelling: string;
  readonly firstReceivedAt: string;
  readonly firstId: string;
}

/** The same, among the complaints received in one month (`kpiCatMonth`, monthIndex): a received period's spelling. */
export interface ComplaintKpiMonthCategory {
  readonly tenantId: string;
  readonly kpiCatMonth: number;
  readonly key: string;
  readonly spelling: string;
  readonly firstReceivedAt: string;
  readonly firstId: string;
}

export type ComplaintKpiDoc =
  ComplaintKpiRow | ComplaintKpiSlots | ComplaintKpiMonthMarker | ComplaintKpiCategory | ComplaintKpiMonthCategory;
export const isComplaintKpiRow = (doc: object): doc is ComplaintKpiRow => 'steps' in doc;

export const COMPLAINT_KPIS = 'complaint-kpis';

function received(event: RecordedEvent<ComplaintReceived>): ComplaintKpiRow {
  const d = event.data;
  return withMultiFlag({
    tenantId: event.metadata.tenantId,
    complaintId: d.complaintId,
    receivedAt: utcInstant(d.receivedAt),
    channel: d.channel,
    category: d.category,
    categoryKey: normalizePersian(d.category),
    acknowledgeBy: utcInstant(d.deadlines.acknowledgeBy),
    resolveBy: utcInstant(d.deadlines.resolveBy),
    steps: [],
    lastRevision: event.revision,
  });
}

/** When the step happened, by the time the event itself records. */
export function complaintStepTime(event: FollowingComplaintEvent): string {
  const d = event.data as unknown as Record<string, unknown>;
  switch (event.type) {
    case 'ComplaintAcknowledged':
      return event.data.acknowledgedAt;
    case 'ComplaintAssessed':
      return event.data.assessedAt;
    case 'ComplaintAssigned':
      return event.data.assignedAt;
    case 'ComplaintInvestigationNoteAdded':
      return event.data.notedAt;
    case 'ComplaintResponded':
      return event.data.respondedAt;
    case 'ComplaintDecisionCommunicated':
      return event.data.communicatedAt;
    case 'ComplaintEscalated':
      return event.data.escalatedAt;
    case 'ComplaintClosed':
      return event.data.closedAt;
    case 'ComplaintReopened':
      return event.data.reopenedAt;
    case 'ComplaintHandlingSatisfactionRecorded':
      return event.data.recordedAt;
    case 'ComplaintSlaBreached':
      return event.data.detectedAt;
    case 'ComplaintSlaBreachWithdrawn':
      return event.data.withdrawnAt;
    default: {
      const _exhaustive: never = event;
      return String(d['at'] ?? _exhaustive);
    }
  }
}

function stepsOf(event: FollowingComplaintEvent): KpiStep[] {
  const at = complaintEventTime(event);
  const { to, escalationLevel: level, severity, deadlines } = event.data;
  const status: KpiStep = {
    kind: 'status',
    at,
    to,
    level,
    ...(severity === undefined ? {} : { severity }),
    acknowledgeBy: utcInstant(deadlines.acknowledgeBy),
    resolveBy: utcInstant(deadlines.resolveBy),
  };
  switch (event.type) {
    case 'ComplaintAcknowledged':
      return [status, { kind: 'acknowledged', at }];
    case 'ComplaintClosed':
      return [status, { kind: 'closed', at, outcome: event.data.outcome }];
    case 'ComplaintReopened':
      // The new cycle's milestones first, so the deadlines the reopening sets are theirs.
      return [{ kind: 'reopened', at }, status];
    case 'ComplaintHandlingSatisfactionRecorded':
      return [status, { kind: 'satisfaction', at, score: event.data.score }];
    case 'ComplaintSlaBreached':
      return [status, { kind: 'breached', at, milestone: event.data.milestone }];
    case 'ComplaintSlaBreachWithdrawn':
      return [status, { kind: 'breachWithdrawn', at, milestone: event.data.milestone }];
    default:
      return [status];
  }
}

function followed(row: ComplaintKpiRow, event: FollowingComplaintEvent): ComplaintKpiRow {
  const { kMulti: _, ...rest } = row;
  return withMultiFlag({ ...rest, steps: [...row.steps, ...stepsOf(event)], lastRevision: event.revision }, row);
}

const FOREVER = '9999-12-31T23:59:59.999Z';

interface Stretch {
  value: number;
  from: string;
  until?: string;
}

/** The stretches of both durations after observing a row's instants up to `lastMs` (see withDurationColumns). */
interface DurationScan {
  readonly receivedAt: string;
  readonly stretches: Readonly<Record<'ack' | 'resolve', readonly Readonly<Stretch>[]>>;
  /** The latest instant observed, in ms; NaN when an instant did not parse (then nothing is carried on). */
  readonly lastMs: number;
}
// By list of steps (each row has its own): the next row of the complaint copies the list and appends its event's steps.
const scansOfSteps = new WeakMap<readonly KpiStep[], DurationScan>();

/**
 * The scan of `row`, carried on from `previous` when the row's steps extend the previous row's and every new
 * step comes strictly after every instant observed there: a complaint as of an earlier instant folds only the
 * steps at or before it, so those observations are the same, and only the new instants are observed.
 * Otherwise every instant is observed afresh. Either way the stretches are those of observing every instant.
 */
function scanDurations(row: ComplaintKpiRow, previous: ComplaintKpiRow | undefined): DurationScan {
  // The same list of steps scanned already (the row's fold, then its slots document): the scan depends on it and the receipt alone.
  const known = scansOfSteps.get(row.steps);
  if (known !== undefined && known.receivedAt === row.receivedAt) return known;
  const prior = previous === undefined || previous.receivedAt !== row.receivedAt ? undefined : scansOfSteps.get(previous.steps);
  let from = 0;
  if (prior !== undefined && previous !== undefined && row.steps.length >= previous.steps.length) {
    from = previous.steps.length;
    for (let i = 0; i < from; i += 1) if (row.steps[i] !== previous.steps[i]) from = -1;
  }
  const parsed = new Map<string, number>();
  const carried = prior !== undefined && from >= 0 ? prior : undefined;
  if (carried === undefined) parsed.set(row.receivedAt, Date.parse(row.receivedAt));
  for (let i = carried === undefined ? 0 : from; i < row.steps.length; i += 1) {
    const at = (row.steps[i] as KpiStep).at;
    if (!parsed.has(at)) parsed.set(at, Date.parse(at));
  }
  // Carried on only past every instant observed before (NaN compares false: observed afresh).
  const carry = carried !== undefined && [...parsed.values()].every((ms) => ms > carried.lastMs) ? carried : undefined;
  if (carried !== undefined && carry === undefined) return scanDurations(row, undefined);
  const stretches: Record<'ack' | 'resolve', Stretch[]> = {
    ack: carry ? carry.stretches.ack.map((stretch) => ({ ...stretch })) : [],
    resolve: carry ? carry.stretches.resolve.map((stretch) => ({ ...stretch })) : [],
  };
  const observe = (state: ComplaintAsOf | undefined, at: string) => {
    const now = state === undefined ? {} : durationsOf(state);
    for (const kind of ['ack', 'resolve'] as const) {
      const list = stretches[kind];
      const open = list.at(-1);
      const current = open && open.until === undefined ? open : undefined;
      const value = now[kind];
      if (current && current.value !== value) current.until = at;
      if (value !== undefined && (!current || current.value !== value)) list.push({ value, from: at });
    }
  };
  // The durations can change only at a step's instant: observe the complaint as of each, in time order.
  const instants = [...parsed.keys()].sort((a, b) => (parsed.get(a) as number) - (parsed.get(b) as number));
  const asOf = complaintAsOfEach(row);
  let lastMs = carry ? carry.lastMs : -Infinity;
  for (const at of instants) {
    observe(asOf(at), at);
    const ms = parsed.get(at) as number;
    lastMs = Number.isNaN(ms) || Number.isNaN(lastMs) ? NaN : Math.max(lastMs, ms);
  }
  const scan: DurationScan = { receivedAt: row.receivedAt, stretches, lastMs };
  scansOfSteps.set(row.steps, scan);
  return scan;
}

/** Whether a duration had more stretches than it has slots. */
const beyondSlots = ({ stretches }: DurationScan): boolean =>
  stretches.ack.length > DURATION_SLOTS.ack.length || stretches.resolve.length > DURATION_SLOTS.resolve.length;

/** The row with `kMulti` when a duration has more stretches than slots; `previous`: the row it follows, if any. */
function withMultiFlag(row: ComplaintKpiRow, previous?: ComplaintKpiRow): ComplaintKpiRow {
  return beyondSlots(scanDurations(row, previous)) ? { ...row, kMulti: 1 } : row;
}

/** The duration columns of a row (see ComplaintKpiSlots), from its steps (scanned by its fold); undefined: more stretches than slots. */
function durationColumns(row: ComplaintKpiRow): Record<string, string | number> | undefined {
  const scan = scanDurations(row, undefined);
  if (beyondSlots(scan)) return undefined;
  const { stretches } = scan;
  const columns: Record<string, string | number> = {};
  for (const kind of ['ack', 'resolve'] as const) {
    for (const [i, stretch] of stretches[kind].entries()) {
      const slot = DURATION_SLOTS[kind][i] as DurationSlot;
      columns[slot.ms] = stretch.value;
      columns[slot.bucket] = durationBucket(stretch.value);
      columns[slot.from] = stretch.from;
      columns[slot.until] = stretch.until ?? FOREVER;
    }
  }
  return columns;
}

/** The slots document of a row (undefined when it has none), or `kept` itself when it holds the same. */
function slotsOf(row: ComplaintKpiRow, kept: ComplaintKpiSlots | null): ComplaintKpiSlots | undefined {
  const columns = durationColumns(row);
  if (columns === undefined || Object.keys(columns).length === 0) return undefined;
  const slots = { tenantId: row.tenantId, complaintId: row.complaintId, kRecv: row.receivedAt, ...columns } as ComplaintKpiSlots;
  const same =
    kept !== null &&
    kept.tenantId === slots.tenantId &&
    kept.complaintId === slots.complaintId &&
    kept.kRecv === slots.kRecv &&
    SLOT_FIELDS.every((field) => kept[field] === slots[field]);
  return same ? kept : slots;
}

const MARKER = ':~kpim:';
const SLOTS = ':~kpid:';
const CATEGORY = ':~kpic:';
const MONTH_CATEGORY = ':~kpcm:';
export const kpiSlotsId = (tenantId: string, complaintId: string) => `${tenantId}${SLOTS}${complaintId}`;
export const kpiMarkerId = (tenantId: string, month: number, complaintId: string) => `${tenantId}${MARKER}${month}:${complaintId}`;
export const kpiCategoryId = (tenantId: string, key: string) => `${tenantId}${CATEGORY}${key}`;
export const kpiMonthCategoryId = (tenantId: string, month: number, key: string) => `${tenantId}${MONTH_CATEGORY}${month}:${key}`;

/** A category's first complaint (receipt time, then document id): `known` unless the event's complaint comes first. */
function earlierFirst(known: { firstReceivedAt: string; firstId: string } | null, event: RecordedEvent<ComplaintReceived>) {
  const receivedAt = utcInstant(event.data.receivedAt);
  const id = complaintDocumentId(event.metadata.tenantId, event.data.complaintId);
  if (known && (known.firstReceivedAt < receivedAt || (known.firstReceivedAt === receivedAt && known.firstId <= id))) return undefined;
  return { spelling: event.data.category, firstReceivedAt: receivedAt, firstId: id };
}

/** The months an event can change its complaint's figures in: its own, and those in which the deadlines it carries pass. */
function monthsMarked(event: RecordedOf<ComplaintEvent>): number[] {
  const { deadlines } = event.data;
  const instants = [complaintEventTime(event), deadlines.acknowledgeBy, deadlines.resolveBy].map((at, i) =>
    i === 0 ? at : new Date(Date.parse(at) + 1).toISOString(),
  );
  return [...new Set(instants.filter((at) => !Number.isNaN(Date.parse(at))).map(monthIndex))];
}

const rowEvolve = complaintEvolve(received, followed);
// The row each event made of the row before it: the slots document of the same event reads it instead of folding again.
const rowFolds = new WeakMap<object, { readonly before: ComplaintKpiRow | null; readonly after: ComplaintKpiRow | null }>();

function foldRow(before: ComplaintKpiRow | null, event: RecordedOf<ComplaintEvent>): ComplaintKpiRow | null {
  const kept = rowFolds.get(event);
  if (kept !== undefined && kept.before === before) return kept.after;
  const after = rowEvolve(before, event);
  rowFolds.set(event, { before, after });
  return after;
}

/**
 * Per-complaint step rows that the complaint KPIs (docs/metrics.md) fold as of the date asked; beside
 * them, month markers and category spellings, and the KPI cells in a prefix-sum tree over months
 * (complaint-kpi-cells.ts), so the view reads what its answer needs rather than every complaint.
 */
export const complaintKpisProjection = defineProjection<ComplaintKpiDoc, ComplaintEvent>({
  name: COMPLAINT_KPIS,
  // 8: months (tree nodes, cells, markers, receipt trees, month categories) are business months (Asia/Tehran by
  // default, monthIndex), not UTC months.
  version: zonedVersion(8), // in another zone than Asia/Tehran, a version of that zone's own (business-time.ts)
  readsOwnBuildsOnly: true, // its days are business days: another version's may be other days
  collection: 'complaint_kpis',
  readsPersonalData: false,
  eventTypes: COMPLAINT_EVENT_TYPES,
  indexes: [
    ['tenantId', 'receivedAt'],
    ['tenantId', 'kpiMonth'],
    ['tenantId', 'kpiMonthRecv'],
    ['tenantId', 'kpiCategory'],
    ['tenantId', 'kpiCatMonth'],
    ...Object.values(DURATION_SLOTS).flatMap((slots) => slots.map((slot) => ['tenantId', slot.bucket, 'kRecv'])),
    ['tenantId', 'kMulti'],
  ],
  documentId: (event) => {
    const { tenantId } = event.metadata;
    const { complaintId } = event.data;
    const ids = [
      complaintDocumentId(tenantId, complaintId),
      kpiSlotsId(tenantId, complaintId),
      ...monthsMarked(event).map((m) => kpiMarkerId(tenantId, m, complaintId)),
    ];
    if (event.type === 'ComplaintReceived') {
      const key = normalizePersian(event.data.category);
      ids.push(kpiCategoryId(tenantId, key), kpiMonthCategoryId(tenantId, monthIndex(utcInstant(event.data.receivedAt)), key));
    }
    return ids;
  },
  evolve: (doc, event, id, peer) => {
    const { tenantId } = event.metadata;
    if (id.startsWith(`${tenantId}${MARKER}`)) {
      if (doc !== null) return doc;
      const month = Number(id.slice(tenantId.length + MARKER.length, id.lastIndexOf(':')));
      const { complaintId } = event.data;
      // The receipt from the event itself, or from the complaint's row (one of the event's documents) as it stood before it.
      const receivedAt =
        event.type === 'ComplaintReceived'
          ? utcInstant(event.data.receivedAt)
          : (peer?.(complaintDocumentId(tenantId, complaintId)) as ComplaintKpiRow | null | undefined)?.receivedAt;
      return {
        tenantId,
        kpiMonth: month,
        complaintId,
        ...(receivedAt === undefined ? {} : { kpiMonthRecv: kpiMarkedReceipt(month, monthIndex(receivedAt)) }),
      };
    }
    if (id.startsWith(`${tenantId}${CATEGORY}`)) {
      if (event.type !== 'ComplaintReceived') return doc;
      const first = earlierFirst(doc as ComplaintKpiCategory | null, event);
      return first === undefined ? doc : { tenantId, kpiCategory: id.slice(tenantId.length + CATEGORY.length), ...first };
    }
    if (id.startsWith(`${tenantId}${MONTH_CATEGORY}`)) {
      if (event.type !== 'ComplaintReceived') return doc;
      const first = earlierFirst(doc as ComplaintKpiMonthCategory | null, event);
      if (first === undefined) return doc;
      const rest = id.slice(tenantId.length + MONTH_CATEGORY.length);
      const colon = rest.indexOf(':');
      return { tenantId, kpiCatMonth: Number(rest.slice(0, colon)), key: rest.slice(colon + 1), ...first };
    }
    if (id.startsWith(`${tenantId}${SLOTS}`)) {
      // The slots follow the row as it is after the event: `peer` gives the row as it stood before it, and folding
      // that again reuses the row's own fold of this event (`foldRow`; the row's id comes first).
      if (peer === undefined) throw new Error(`${COMPLAINT_KPIS}: the slots document ${id} is folded from its row (peer)`);
      const row = foldRow(peer(complaintDocumentId(tenantId, event.data.complaintId)) as ComplaintKpiRow | null, event);
      return (row === null ? undefined : slotsOf(row, doc as ComplaintKpiSlots | null)) ?? null;
    }
    return foldRow(doc as ComplaintKpiRow | null, event);
  },
  // Each event recomputes its complaint's month cells and adds the change to up to 13 tree nodes: parts of 250
  // events keep one fold well inside a lease renewal and let the event loop turn between them (a read-side worker
  // answers status during a rebuild; a part of 500 held it 0.7-0.9 s on a loaded 2-core machine).
  maxBatch: 250,
  summary: {
    documentId: (event) => kpiNodeIds(event),
    // The complaint's own receipt month's tree too: only its row (or its first event) knows that month.
    documentIdOf: (event, doc, id) => {
      if (doc !== null && !isComplaintKpiRow(doc)) return undefined;
      if (id !== complaintDocumentId(event.metadata.tenantId, event.data.complaintId)) return undefined;
      const receivedAt = doc?.receivedAt ?? (event.type === 'ComplaintReceived' ? utcInstant(event.data.receivedAt) : undefined);
      return receivedAt === undefined ? undefined : kpiReceiptNodeIds(event, monthIndex(receivedAt));
    },
    cells: (doc) => (isComplaintKpiRow(doc) ? complaintKpiCells(doc) : []),
    place: (cell, summaryId) => placeKpiCell(cell, summaryId),
    // The root moves with every change of the tenant's documents: kept answers (ComplaintKpiAnswers) are checked against it.
    marks: (summaryId) => summaryId.endsWith(`:~kpis:${KPI_MONTHS}`),
    total: { of: (summaries) => KPI_TOTAL.of(summaries), ofCells: (cells) => KPI_TOTAL.ofCells(cells) },
  },
});
