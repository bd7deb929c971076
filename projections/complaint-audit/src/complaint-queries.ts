import { SERVICE_PERSONAL_FIELDS, type ComplaintEvent } from '@crm/service/domain';
import { omitFields } from '@crm/shared/personal-data';
import { canonicalJson, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { isSummaryDoc, type FieldCondition, type FindQuery, type ReadStore, type RecordedOf } from '@crm/shared/read-model';
import { auditIntegrity, type AuditIntegrity } from './audit-integrity';
import type { StepDetails } from './audit-step-text';
import { complaintAuditProjection, complaintDocumentId, type ComplaintAuditDoc } from './complaint-audit.projection';
import { complaintAsOf, complaintKpis, type ComplaintKpis, type Compliance } from './complaint-kpis';
import {
  addCells,
  bucketRange,
  complaintFigures,
  durationsOf,
  endOfMonthIndex,
  KPI_HOUR_MS,
  KPI_MONTHS,
  kpiNodeId,
  firstMonthOfYear,
  kpiReceiptNodeId,
  kpiReceiptYearNodeId,
  monthIndex,
  nodesOfPrefix,
  yearOfMonth,
} from './complaint-kpi-cells';
import {
  DURATION_SLOTS,
  type DurationSlot,
  isComplaintKpiRow,
  kpiMarkedReceipt,
  kpiMarkerId,
  type ComplaintKpiCategory,
  type ComplaintKpiMonthCategory,
  type ComplaintKpiMonthMarker,
  type ComplaintKpiRow,
  type ComplaintKpiSlots,
} from './complaint-kpis.projection';
import { ratio, round } from './numbers';

export type AuditTrail = Omit<ComplaintAuditDoc, 'tenantId'> & { readonly integrity: AuditIntegrity };

/**
 * The trail from the read model, and its integrity from the event store at the
 * moment of asking: a trail is only as good as the record it claims to show.
 * Undefined for a complaint the read model does not know.
 */
export async function readAuditTrail(
  store: Pick<ReadStore, 'get'>,
  collection: string,
  events: Pick<EventStore, 'readStream'>,
  tenantId: string,
  complaintId: string,
): Promise<AuditTrail | undefined> {
  const record = await store.get<ComplaintAuditDoc>(collection, complaintDocumentId(tenantId, complaintId));
  if (record === undefined) return undefined;
  const { tenantId: _tenant, ...doc } = record.doc;
  const stream = await events.readStream(doc.streamId, { tenantId });
  const integrity = auditIntegrity(doc.steps, stream);
  // A build of another version (served while this version's rebuild runs) was folded by other code: not compared.
  if (!integrity.ok || builtByOtherCode(collection)) return { ...doc, integrity };
  // What is shown must be what the verified stream says, not only its hashes: the trail folded again from the events
  // it has reached (an outside audit edited a step's actor and status in the read model, and the trail said ok).
  const differsAt = firstDifference(record.doc, foldTrail(stream, record.doc.lastRevision, record.id));
  return {
    ...doc,
    integrity:
      differsAt === undefined
        ? integrity
        : { ok: false, checked: integrity.checked, brokenAtRevision: differsAt, reason: 'read_model_mismatch' },
  };
}

/**
 * The trail as a caller whose role reads no personal data gets it (an analyst; API.md "Personal data"): each step's
 * details without the fields its event holds as personal data (SERVICE_PERSONAL_FIELDS: the complainant's name, phone
 * and email, and every text written about the complaint). Steps, times, statuses, deadlines, breaches and the
 * integrity are the full trail's.
 */
export function auditTrailWithoutPersonalData(trail: AuditTrail): AuditTrail {
  return {
    ...trail,
    steps: trail.steps.map((step) => ({
      ...step,
      details: omitFields(step.details, SERVICE_PERSONAL_FIELDS[step.type] ?? []) as StepDetails,
    })),
  };
}

/** A build of this projection by another version of its code (`<collection>_v<version>_<generation>`). */
function builtByOtherCode(collection: string): boolean {
  const prefix = `${complaintAuditProjection.collection}_v`;
  const version = collection.startsWith(prefix) ? /^(\d+)_\d+$/.exec(collection.slice(prefix.length))?.[1] : undefined;
  return version !== undefined && Number(version) !== complaintAuditProjection.version;
}

/** The trail as the projection folds it from the stream's events up to `lastRevision`. */
function foldTrail(stream: readonly RecordedEvent[], lastRevision: number, documentId: string): ComplaintAuditDoc | null {
  let doc: ComplaintAuditDoc | null = null;
  for (const event of stream) {
    if (event.revision > lastRevision) break;
    doc = complaintAuditProjection.evolve(doc, event as RecordedOf<ComplaintEvent>, documentId);
  }
  return doc;
}

/** The revision of the first step shown that differs from the fold, or the last one when only the summary does. */
function firstDifference(shown: ComplaintAuditDoc, folded: ComplaintAuditDoc | null): number | undefined {
  if (folded === null) return 0;
  if (canonicalJson(shown) === canonicalJson(folded)) return undefined;
  const index = shown.steps.findIndex((step, i) => canonicalJson(step) !== canonicalJson(folded.steps[i]));
  return index === -1 ? shown.lastRevision : (shown.steps[index]?.revision ?? index);
}

export interface KpiQuery {
  readonly tenantId: string;
  readonly receivedAt?: FieldCondition;
  readonly asOf: string;
}

// Medians need every value, so rows are read in pages rather than grouped in the store.
const PAGE = 1000;

/**
 * Every row of the tenant and period, oldest first, paged by key (receivedAt, then the
 * document id the store breaks ties on) rather than by OFFSET, so each page costs the same.
 */
export async function readComplaintKpis(
  store: Pick<ReadStore, 'find' | 'getMany'>,
  collection: string,
  query: KpiQuery,
  answers?: ComplaintKpiAnswers,
): Promise<ComplaintKpis> {
  if (query.receivedAt === undefined) {
    const fast = answers
      ? await answers.read(store, collection, query.tenantId, query.asOf)
      : await readComplaintKpisFromTree(store, collection, query.tenantId, query.asOf);
    if (fast !== undefined) return fast;
  } else {
    const period = answers
      ? await answers.read(store, collection, query.tenantId, query.asOf, query.receivedAt)
      : await readComplaintKpisOfPeriod(store, collection, query.tenantId, query.receivedAt, query.asOf);
    if (period !== undefined) return period;
  }
  return readComplaintKpisRowByRow(store, collection, query);
}

/**
 * The same figures complaint by complaint: every row of the tenant and period received by asOf, oldest first,
 * paged by key (receivedAt, then the document id the store breaks ties on) rather than by OFFSET, so each page
 * costs the same. Serves a period (`from`/`to`), an asOf outside 2000–2341, and a build without the tree.
 */
export async function readComplaintKpisRowByRow(
  store: Pick<ReadStore, 'find'>,
  collection: string,
  query: KpiQuery,
): Promise<ComplaintKpis> {
  return complaintKpis(await rowsReceived(store, collection, query.tenantId, withUpper(query.receivedAt ?? {}, query.asOf)), query.asOf);
}

/** Every row of the tenant received in `range`, oldest first (receivedAt, then the document id the store breaks ties on). */
async function rowsReceived(
  store: Pick<ReadStore, 'find'>,
  collection: string,
  tenantId: string,
  range: FieldCondition,
): Promise<ComplaintKpiRow[]> {
  const rows: ComplaintKpiRow[] = [];
  let lower: string | undefined;
  // Rows already read at `lower`: the next page starts at `lower` again and skips them (they sort first among equals).
  let seenAtLower = 0;
  for (;;) {
    const gte = lower !== undefined && (range.gte === undefined || String(range.gte) < lower) ? lower : range.gte;
    const receivedAt = { ...range, ...(gte === undefined ? {} : { gte }) };
    const where = { tenantId, ...(Object.keys(receivedAt).length > 0 ? { receivedAt } : {}) };
    const page = await store.find<ComplaintKpiRow>(collection, { where, orderBy: [{ field: 'receivedAt' }], limit: PAGE + seenAtLower });
    const fresh = page
      .slice(seenAtLower)
      .map((record) => record.doc)
      .filter(isComplaintKpiRow);
    rows.push(...fresh);
    if (page.length < PAGE + seenAtLower) break;
    const last = (fresh.at(-1) as ComplaintKpiRow).receivedAt;
    seenAtLower = last === lower ? seenAtLower + fresh.length : fresh.filter((row) => row.receivedAt === last).length;
    lower = last;
  }
  return rows;
}

/** The first instant of business month `index` (monthIndex). */
const startOfMonthIndex = (index: number) => new Date(Date.parse(endOfMonthIndex(index - 1)) + 1).toISOString();

/**
 * The KPIs of the complaints of the tenant received in a period and by asOf, from the trees of their receipt years
 * and months (complaint-kpi-cells.ts, `kpiReceiptYearNodeId`, `kpiReceiptNodeId`): for each whole year of the period
 * before asOf's month, the nodes of its year's tree up to the month before asOf's, and the same of the month trees of
 * the whole months around them (or the tenant's own tree, when those months hold every complaint received before
 * asOf's month: `tenantTree`); the complaints of those whole months that change in asOf's month one by one
 * (their markers carry the receipt month); the complaints
 * of the partial months at the period's edges one by one; each median exact (the histogram, then a window of one
 * bucket, limited to the whole months, with the edges' values); each category spelled as the period's earliest
 * complaint of it. Undefined when the period has no whole month before asOf's, when asOf is outside the trees'
 * months, or when the build has no receipt trees (an older build still serving): the caller reads row by row.
 */
export async function readComplaintKpisOfPeriod(
  store: Pick<ReadStore, 'find' | 'getMany'>,
  collection: string,
  tenantId: string,
  period: FieldCondition,
  asOf: string,
): Promise<ComplaintKpis | undefined> {
  return (await settled(store, collection, tenantId, () => periodAnswer(store, collection, tenantId, period, asOf)))?.kpis;
}

/**
 * `readComplaintKpisOfPeriod`'s answer with what tells when it holds (`TreeAnswer`): the root's position, read before
 * anything else, and the open interval around asOf, within its month, free of the instants of every complaint that
 * changes in the month (each is marked in it, whatever its receipt: all are read), of the edges' complaints and of
 * the period's own bounds (the period ends at asOf when `to` is later).
 */
async function periodAnswer(
  store: Pick<ReadStore, 'find' | 'getMany'>,
  collection: string,
  tenantId: string,
  period: FieldCondition,
  asOf: string,
): Promise<TreeAnswer | TornAnswer | undefined> {
  const month = monthIndex(asOf);
  if (month <= 2 || month >= KPI_MONTHS || Date.parse(endOfMonthIndex(month - 1)) >= Date.parse(asOf)) return undefined;
  const rootId = kpiNodeId(tenantId, KPI_MONTHS);
  const rootPosition = (await store.getMany(collection, [rootId])).get(rootId)?.position;
  const range = withUpper(period, asOf);
  let lower = range.gte === undefined ? undefined : Date.parse(String(range.gte));
  if (lower === undefined) {
    const first = await firstReceipt(store, collection, tenantId);
    if (first === '') return undefined;
    lower = Date.parse(first);
  }
  if (Number.isNaN(lower)) return undefined;
  const lowerAt = new Date(lower).toISOString();
  let firstWhole = monthIndex(lowerAt);
  // Without a lower bound the first complaint's month is whole: none was received before it.
  if (range.gte !== undefined && startOfMonthIndex(firstWhole) !== lowerAt) firstWhole += 1;
  const upper =
    range.lt !== undefined ? { at: Date.parse(String(range.lt)), open: true } : { at: Date.parse(String(range.lte)), open: false };
  if (Number.isNaN(upper.at)) return undefined;
  let lastWhole = Math.min(month - 1, monthIndex(new Date(upper.at).toISOString()));
  const endsWithin = (m: number) => (upper.open ? Date.parse(endOfMonthIndex(m)) < upper.at : Date.parse(endOfMonthIndex(m)) <= upper.at);
  if (!endsWithin(lastWhole)) lastWhole -= 1;
  if (firstWhole <= 1 || firstWhole > lastWhole) return undefined;
  const whole = { gte: startOfMonthIndex(firstWhole), lte: endOfMonthIndex(lastWhole) };
  const previousEnd = endOfMonthIndex(month - 1);
  const { gte: _gte, ...upperRange } = range;
  const firstAt = range.gte === undefined ? lowerAt : await firstReceipt(store, collection, tenantId);
  const everything = lastWhole === month - 1 && firstAt >= whole.gte;
  const [read, lowerRows, upperRows] = await Promise.all([
    everything
      ? tenantTree(store, collection, tenantId, month)
      : receiptYearsAndMonths(store, collection, tenantId, month, firstWhole, lastWhole, whole),
    range.gte === undefined ? [] : rowsReceived(store, collection, tenantId, { gte: range.gte, lt: whole.gte }),
    rowsReceived(store, collection, tenantId, { ...upperRange, gt: whole.lte }),
  ]);
  if (read === undefined) return undefined;
  const { nodeIds, nodes, markers, categories } = read;
  const totals = new Map<string, number>();
  for (const id of nodeIds) {
    const doc = nodes.get(id)?.doc;
    if (isSummaryDoc(doc)) addCells(totals, Object.values(doc.cells), month - 1);
  }
  const add = (figures: ReadonlyMap<string, number>, sign: 1 | -1) => {
    for (const [f, n] of figures) totals.set(f, (totals.get(f) ?? 0) + sign * n);
  };
  // The whole months' complaints that change in asOf's month: as of asOf, less what their trees counted.
  const rowIds = [...new Set(markers.map((record) => `${tenantId}:${record.doc.complaintId}`))];
  const changing = rowIds.length === 0 ? new Map() : await store.getMany<ComplaintKpiRow>(collection, rowIds);
  const changingRows = [...changing.values()].map((record) => record.doc as ComplaintKpiRow);
  for (const row of changingRows) {
    if (row.receivedAt < whole.gte || row.receivedAt > whole.lte) continue;
    add(complaintFigures(complaintAsOf(row, asOf), asOf), 1);
    add(complaintFigures(complaintAsOf(row, previousEnd), previousEnd), -1);
  }
  // The edges' complaints, whole.
  const edges = [...lowerRows, ...upperRows];
  const extra: Record<'ack' | 'resolve', number[]> = { ack: [], resolve: [] };
  for (const row of edges) {
    const state = complaintAsOf(row, asOf);
    add(complaintFigures(state, asOf), 1);
    if (state === undefined) continue;
    const { ack, resolve } = durationsOf(state);
    if (ack !== undefined) extra.ack.push(ack);
    if (resolve !== undefined) extra.resolve.push(resolve);
  }
  // The whole months' complaints with more stretches than slots: every median reads them, folded as of asOf.
  const multiRows = () =>
    store
      .find<ComplaintKpiRow>(collection, { where: { tenantId, kMulti: { gte: 1, lte: 1 } } })
      .then((records) => records.map((record) => record.doc).filter((row) => row.receivedAt >= whole.gte && row.receivedAt <= whole.lte));
  const medians = await mediansOf(store, collection, { tenantId, asOf, totals, multiRows, received: whole, extra }).catch(
    tornAt(rootPosition),
  );
  if (isTorn(medians)) return medians;
  // Each category as its earliest complaint of the period spells it: the lower edge, the whole months, the upper edge.
  const firsts = new Map<string, { at: string; id: string; spelling: string }>();
  const offer = (key: string, at: string, id: string, spelling: string) => {
    const known = firsts.get(key);
    if (known === undefined || at < known.at || (at === known.at && id < known.id)) firsts.set(key, { at, id, spelling });
  };
  for (const { doc } of categories) offer(doc.key, doc.firstReceivedAt, doc.firstId, doc.spelling);
  for (const row of edges) offer(row.categoryKey, row.receivedAt, complaintDocumentId(tenantId, row.complaintId), row.category);
  const kpis = kpisOf(
    asOf,
    totals,
    medians,
    [...firsts].map(([key, first]) => ({ key, spelling: first.spelling })),
  );
  return {
    kpis,
    rootPosition,
    ...holdsAround(asOf, Date.parse(previousEnd), Date.parse(endOfMonthIndex(month)), [...changingRows, ...edges, period]),
  };
}

/**
 * When the tenant's first complaint was received ('' for none). A range rather than `exists`: the documents without a
 * receipt (markers, tree nodes) come first in the index, and SQLite would read each of them to skip it (0.18 s at 1M).
 */
async function firstReceipt(store: Pick<ReadStore, 'find'>, collection: string, tenantId: string): Promise<string> {
  const first = await store.find<ComplaintKpiRow>(collection, {
    where: { tenantId, receivedAt: { gte: '' } },
    orderBy: [{ field: 'receivedAt' }],
    limit: 1,
  });
  return (first[0]?.doc as ComplaintKpiRow | undefined)?.receivedAt ?? '';
}

/** What a received period's whole months are read from: tree nodes (by id), the markers of asOf's month and the categories' first complaints. */
interface PeriodSources {
  readonly nodeIds: readonly string[];
  readonly nodes: ReadonlyMap<string, { readonly doc: unknown }>;
  readonly markers: readonly { readonly doc: ComplaintKpiMonthMarker }[];
  readonly categories: readonly { readonly doc: Pick<ComplaintKpiMonthCategory, 'key' | 'spelling' | 'firstReceivedAt' | 'firstId'> }[];
  /** The position of the tenant's tree root, when read (`tenantTree`). */
  readonly rootPosition?: string;
}

/**
 * Every complaint received before asOf's month: the tenant's own tree (its nodes up to the month before asOf's), its
 * markers of asOf's month and its categories. What the view without a period reads, and a received period whose whole
 * months hold every such complaint (it starts at or before the tenant's first complaint and reaches asOf's month),
 * rather than a year tree for every year of the history (25 at 1M events). Undefined for a build without the tree
 * that holds complaints (an older build still serving); a tenant without complaints has no tree and no figures.
 */
async function tenantTree(
  store: Pick<ReadStore, 'find' | 'getMany'>,
  collection: string,
  tenantId: string,
  month: number,
): Promise<PeriodSources | undefined> {
  const nodeIds = nodesOfPrefix(month - 1).map((node) => kpiNodeId(tenantId, node));
  const root = kpiNodeId(tenantId, KPI_MONTHS);
  // The nodes and the root first: the root's position, read before the other reads, is what `settled` checks the
  // answer against (a commit of the tenant's documents after it moves the root).
  const nodes = await store.getMany(collection, [...nodeIds, root]);
  const [markers, categories] = await Promise.all([
    // Ranges rather than equalities: SQLite without statistics would otherwise walk the collection in id order.
    store.find<ComplaintKpiMonthMarker>(collection, { where: { tenantId, kpiMonth: { gte: month, lte: month } } }),
    store.find<ComplaintKpiCategory>(collection, { where: { tenantId, kpiCategory: { gte: '' } } }),
  ]);
  const rootRecord = nodes.get(root);
  if (!isSummaryDoc(rootRecord?.doc)) {
    const any = await store.find(collection, { where: { tenantId, receivedAt: { exists: true } }, limit: 1 });
    if (any.length > 0) return undefined;
  }
  return {
    nodeIds,
    nodes,
    markers,
    categories: categories.map(({ doc }) => ({
      doc: { key: doc.kpiCategory, spelling: doc.spelling, firstReceivedAt: doc.firstReceivedAt, firstId: doc.firstId },
    })),
    ...(rootRecord?.position === undefined ? {} : { rootPosition: rootRecord.position }),
  };
}

/**
 * The whole months of a period from the trees of their receipt years and months: for each whole year, the nodes of its
 * year's tree up to the month before asOf's, and the same of the month trees of the whole months around them; the
 * markers of asOf's month carrying those receipt months; the categories' first complaints of those months. Undefined
 * for a build without receipt trees that holds complaints in those months (an older build still serving).
 */
async function receiptYearsAndMonths(
  store: Pick<ReadStore, 'find' | 'getMany'>,
  collection: string,
  tenantId: string,
  month: number,
  firstWhole: number,
  lastWhole: number,
  whole: { readonly gte: string; readonly lte: string },
): Promise<PeriodSources | undefined> {
  // A receipt tree holds no change dated before its first month: its nodes below it are empty.
  const prefix = nodesOfPrefix(month - 1);
  const nodeIds: string[] = [];
  for (let r = firstWhole; r <= lastWhole;) {
    const year = yearOfMonth(r);
    const first = firstMonthOfYear(year);
    if (r === first && first + 11 <= lastWhole) {
      for (const node of prefix) if (node >= first) nodeIds.push(kpiReceiptYearNodeId(tenantId, year, node));
      r += 12;
    } else {
      for (const node of prefix) if (node >= r) nodeIds.push(kpiReceiptNodeId(tenantId, r, node));
      r += 1;
    }
  }
  const marked = { gte: kpiMarkedReceipt(month, firstWhole), lte: kpiMarkedReceipt(month, lastWhole) };
  const [nodes, markers, categories] = await Promise.all([
    store.getMany(collection, nodeIds),
    store.find<ComplaintKpiMonthMarker>(collection, { where: { tenantId, kpiMonthRecv: marked } }),
    store.find<ComplaintKpiMonthCategory>(collection, { where: { tenantId, kpiCatMonth: { gte: firstWhole, lte: lastWhole } } }),
  ]);
  if (categories.length === 0) {
    // No receipt trees: an older build, or no complaint received in the whole months (then they add nothing).
    const any = await store.find(collection, { where: { tenantId, receivedAt: whole }, limit: 1 });
    if (any.length > 0) return undefined;
  } else if (markers.length === 0) {
    // None marked, or a build of version 4 still serving (no year trees, markers without their receipt month): the
    // marker of a month's first complaint for its receipt month says which, read by id (a range over every marker
    // would be a walk of the collection on SQLite).
    const { kpiCatMonth, firstId } = (categories[0] as { doc: ComplaintKpiMonthCategory }).doc;
    const id = kpiMarkerId(tenantId, kpiCatMonth, firstId.slice(tenantId.length + 1));
    const marker = (await store.getMany(collection, [id])).get(id)?.doc;
    if (typeof marker !== 'object' || marker === null || !('kpiMonthRecv' in marker)) return undefined;
  }
  return { nodeIds, nodes, markers, categories };
}

/** Complaints received after asOf never count: the range stops there, so a past asOf reads no later rows. */
function withUpper(range: FieldCondition, asOf: string): FieldCondition {
  const upper =
    range.lte !== undefined && String(range.lte) <= asOf ? {} : range.lt !== undefined && String(range.lt) <= asOf ? {} : { lte: asOf };
  if (Object.keys(upper).length === 0) return range;
  const { lt: _lt, lte: _lte, ...rest } = range;
  return { ...rest, ...upper };
}

/**
 * The KPIs of every complaint of the tenant received by asOf, from the prefix-sum tree (complaint-kpi-cells.ts):
 * the nodes of the months before asOf's, the complaints that change in asOf's month one by one, and for each
 * median the complaints of the one duration bucket its rank falls in. Undefined when the build has no tree
 * (an older build still serving) or asOf is outside the tree's months: the caller reads row by row.
 */
export async function readComplaintKpisFromTree(
  store: Pick<ReadStore, 'find' | 'getMany'>,
  collection: string,
  tenantId: string,
  asOf: string,
): Promise<ComplaintKpis | undefined> {
  return (await settled(store, collection, tenantId, () => treeAnswer(store, collection, tenantId, asOf)))?.kpis;
}

/**
 * The tree's answer as of asOf, with what says how long it holds: the position of the tree's root (rewritten with
 * every event that changes one of the tenant's documents, since every event's month reaches the root) and the open
 * interval of instants around asOf in which no figure can change. Every figure compares asOf with instants of the
 * complaints it reads (a step dated at or before asOf, a deadline passed before it, a receipt after it), and every
 * complaint with such an instant in asOf's month is marked for that month and read here; so between two
 * consecutive instants of those complaints, within the month, the answer is the same but for `asOf` itself.
 */
interface TreeAnswer {
  readonly kpis: ComplaintKpis;
  readonly rootPosition: string | undefined;
  /** Exclusive bounds in ms; undefined when asOf falls on an instant of the month (the answer holds at asOf only). */
  readonly holds?: { readonly afterMs: number; readonly beforeMs: number };
}

async function treeAnswer(
  store: Pick<ReadStore, 'find' | 'getMany'>,
  collection: string,
  tenantId: string,
  asOf: string,
): Promise<TreeAnswer | TornAnswer | undefined> {
  const month = monthIndex(asOf);
  if (month <= 1 || month >= KPI_MONTHS || Date.parse(endOfMonthIndex(month - 1)) >= Date.parse(asOf)) return undefined;
  const previousEnd = endOfMonthIndex(month - 1);
  const tree = await tenantTree(store, collection, tenantId, month);
  if (tree === undefined) return undefined;
  const { nodeIds, nodes, markers, categories } = tree;
  const totals = new Map<string, number>();
  for (const id of nodeIds) {
    const doc = nodes.get(id)?.doc;
    if (isSummaryDoc(doc)) addCells(totals, Object.values(doc.cells), month - 1);
  }
  // The complaints that change in asOf's month: as of asOf, less what the tree counted for them.
  const rowIds = [...new Set(markers.map((record) => `${tenantId}:${record.doc.complaintId}`))];
  const changing = rowIds.length === 0 ? new Map() : await store.getMany<ComplaintKpiRow>(collection, rowIds);
  const changingRows = [...changing.values()].map((record) => record.doc as ComplaintKpiRow);
  for (const row of changingRows) {
    for (const [f, n] of complaintFigures(complaintAsOf(row, asOf), asOf)) totals.set(f, (totals.get(f) ?? 0) + n);
    for (const [f, n] of complaintFigures(complaintAsOf(row, previousEnd), previousEnd)) totals.set(f, (totals.get(f) ?? 0) - n);
  }
  // Complaints whose durations had several values or stretches: every median reads them, folded as of asOf.
  const multiRows = () =>
    store
      .find<ComplaintKpiRow>(collection, { where: { tenantId, kMulti: { gte: 1, lte: 1 } } })
      .then((records) => records.map((record) => record.doc).filter((row) => row.receivedAt <= asOf));
  const medians = await mediansOf(store, collection, { tenantId, asOf, totals, multiRows, extra: NO_EXTRA }).catch(
    tornAt(tree.rootPosition),
  );
  if (isTorn(medians)) return medians;
  const kpis = kpisOf(
    asOf,
    totals,
    medians,
    categories.map((record) => ({ key: record.doc.key, spelling: record.doc.spelling })),
  );
  return {
    kpis,
    rootPosition: tree.rootPosition,
    ...holdsAround(asOf, Date.parse(previousEnd), Date.parse(endOfMonthIndex(month)), changingRows),
  };
}

/**
 * A median's window that does not hold what the histogram says: the histogram (tree nodes, marked complaints) and the
 * bucket's values (slots) are separate reads, and a commit between them (a reopening that ends a resolution's
 * stretch, a resolution that starts one) leaves one more or one fewer value in the bucket than counted.
 */
class TornKpiRead extends Error {}

/** An answer whose reads took a commit between them (`TornKpiRead`), with the root's position read first. */
interface TornAnswer {
  readonly torn: TornKpiRead;
  readonly rootPosition: string | undefined;
}

const isTorn = (value: object | undefined): value is TornAnswer => value !== undefined && 'torn' in value;

const tornAt =
  (rootPosition: string | undefined) =>
  (error: unknown): TornAnswer => {
    if (error instanceof TornKpiRead) return { torn: error, rootPosition };
    throw error;
  };

/** How many times an answer is read again when a commit lands among its reads, before the complaints are read one by one. */
const SETTLE_ATTEMPTS = 3;

/**
 * The answer of `read` as of one commit of the tenant's documents: the tree's root moves with every change of them
 * (`marks`), and its position is read before anything else; read again after the last read, the same position says
 * that no commit came between, so every read saw the same documents. Otherwise (a median's window found short or
 * long, `TornKpiRead`, or figures that may mix two commits) the answer is read again; after SETTLE_ATTEMPTS,
 * undefined, and the caller reads the complaints one by one (`readComplaintKpisRowByRow`, which never mixes a
 * complaint's figures with another commit's medians). A window that does not hold what the histogram says with the
 * root unmoved is no commit's doing: it is answered the same way, from the complaints one by one.
 */
async function settled(
  store: Pick<ReadStore, 'getMany'>,
  collection: string,
  tenantId: string,
  read: () => Promise<TreeAnswer | TornAnswer | undefined>,
): Promise<TreeAnswer | undefined> {
  const rootId = kpiNodeId(tenantId, KPI_MONTHS);
  for (let attempt = 1; attempt <= SETTLE_ATTEMPTS; attempt += 1) {
    const answer = await read();
    if (answer === undefined) return undefined;
    const now = (await store.getMany(collection, [rootId])).get(rootId)?.position;
    if (now === answer.rootPosition) {
      // A window that does not hold what the histogram says with the root unmoved is no commit's doing (a tree
      // wrong against its slots, which no test has made): answered from the complaints one by one, not a 500.
      if (isTorn(answer)) return undefined;
      return answer;
    }
  }
  return undefined;
}

interface MedianScope {
  readonly tenantId: string;
  readonly asOf: string;
  /** The figures of the complaints counted, histograms included. */
  readonly totals: ReadonlyMap<string, number>;
  /** The complaints counted with more stretches than slots (`kMulti`), read when a median needs them. */
  readonly multiRows: () => Promise<ComplaintKpiRow[]>;
  /** Counted complaints received in this range only are read through the slots (a received period's whole months). */
  readonly received?: { readonly gte: string; readonly lte: string };
  /** The durations held at asOf of counted complaints read one by one (a period's edge months), by kind. */
  readonly extra: Readonly<Record<'ack' | 'resolve', readonly number[]>>;
}
const NO_EXTRA = { ack: [], resolve: [] } as const;

/** Each median in hours (null: no value), exact: the histogram places its rank in a bucket, a window of that bucket is read. */
async function mediansOf(
  store: Pick<ReadStore, 'find'>,
  collection: string,
  scope: MedianScope,
): Promise<Readonly<Record<'ack' | 'resolve', number | null>>> {
  let multi: Promise<ComplaintKpiRow[]> | undefined;
  const median = async (kind: 'ack' | 'resolve') => {
    const count = scope.totals.get(`${kind}.count`) ?? 0;
    if (count === 0) return null;
    const ranks = count % 2 === 1 ? [(count - 1) / 2] : [count / 2 - 1, count / 2];
    const values = await valuesAtRanks(store, collection, scope, kind, ranks, await (multi ??= scope.multiRows()));
    const hours = values.map((ms) => ms / KPI_HOUR_MS);
    return hours.length === 1 ? (hours[0] as number) : ((hours[0] as number) + (hours[1] as number)) / 2;
  };
  const [ack, resolve] = await Promise.all([median('ack'), median('resolve')]);
  return { ack, resolve };
}

/** The view's answer from the figures by key, the medians and the categories' spellings (by category key). */
function kpisOf(
  asOf: string,
  totals: ReadonlyMap<string, number>,
  medians: Readonly<Record<'ack' | 'resolve', number | null>>,
  categories: readonly { readonly key: string; readonly spelling: string }[],
): ComplaintKpis {
  const get = (f: string) => totals.get(f) ?? 0;
  const ackMedian = medians.ack;
  const resolveMedian = medians.resolve;
  const duration = (kind: 'ack' | 'resolve', median: number | null) => {
    const count = get(`${kind}.count`);
    return {
      count,
      meanHours: count === 0 ? null : round(get(`${kind}.ms`) / KPI_HOUR_MS / count, 2),
      medianHours: median === null ? null : round(median, 2),
    };
  };
  const compliance = (milestones: readonly ('acknowledge' | 'resolve')[]): Compliance => {
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
  const complaints = get('complaints');
  const reached = (level: 'head_office' | 'external_body' | 'legal') => ({
    complaints: get(`escalation.${level}`),
    rate: ratio(get(`escalation.${level}`), complaints),
  });
  const responses = get('satisfaction.count');
  const byCategory = categories
    .map((category) => ({ category: category.spelling, count: get(`category.${category.key}`) }))
    .filter((group) => group.count > 0)
    .sort((a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
  return {
    asOf,
    complaints,
    timeToAcknowledge: duration('ack', ackMedian),
    timeToResolve: duration('resolve', resolveMedian),
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
    satisfaction: { responses, mean: responses === 0 ? null : round(get('satisfaction.sum') / responses, 2) },
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

const INSTANT = /^\d{4}-\d{2}-\d{2}T/;

/** The open interval around asOf, within its month, holding none of the instants the rows carry; none if asOf is one. */
function holdsAround(asOf: string, previousEndMs: number, monthEndMs: number, rows: readonly object[]): Pick<TreeAnswer, 'holds'> {
  const at = Date.parse(asOf);
  let afterMs = previousEndMs;
  let beforeMs = monthEndMs + 1;
  const visit = (value: unknown): boolean => {
    if (typeof value === 'string') {
      if (!INSTANT.test(value)) return true;
      const ms = Date.parse(value);
      if (ms === at) return false;
      if (ms < at && ms > afterMs) afterMs = ms;
      if (ms > at && ms < beforeMs) beforeMs = ms;
      return true;
    }
    if (Array.isArray(value)) return value.every(visit);
    if (typeof value === 'object' && value !== null) return Object.values(value).every(visit);
    return true;
  };
  return rows.every(visit) ? { holds: { afterMs, beforeMs } } : {};
}

/**
 * Answers kept between requests (the view's "now" moves on every request, the figures do not): the last answer per
 * tenant, collection and received period (none: the whole history) serves another asOf while the tree's root is at
 * the same position and asOf lies in the same interval without instants (`TreeAnswer`). Identical figures, checked
 * against the complaint-by-complaint fold in complaint-kpi-cells.seeded.spec.ts ("answers kept between requests").
 */
export class ComplaintKpiAnswers {
  private readonly kept = new Map<string, TreeAnswer>();

  constructor(private readonly capacity = 64) {}

  async read(
    store: Pick<ReadStore, 'find' | 'getMany'>,
    collection: string,
    tenantId: string,
    asOf: string,
    /** A received period (from/to): its answers are kept apart from the whole history's, by period. */
    receivedAt?: FieldCondition,
  ): Promise<ComplaintKpis | undefined> {
    const key = `${collection}\u0000${tenantId}\u0000${receivedAt === undefined ? '' : JSON.stringify(receivedAt)}`;
    const at = Date.parse(asOf);
    const kept = this.kept.get(key);
    if (kept?.holds && kept.rootPosition !== undefined && at > kept.holds.afterMs && at < kept.holds.beforeMs) {
      const root = (await store.getMany(collection, [kpiNodeId(tenantId, KPI_MONTHS)])).get(kpiNodeId(tenantId, KPI_MONTHS));
      if (root?.position === kept.rootPosition) return { ...kept.kpis, asOf };
    }
    const answer = await settled(store, collection, tenantId, () =>
      receivedAt === undefined
        ? treeAnswer(store, collection, tenantId, asOf)
        : periodAnswer(store, collection, tenantId, receivedAt, asOf),
    );
    if (answer === undefined) return undefined;
    if (answer.holds && answer.rootPosition !== undefined) {
      this.kept.delete(key);
      this.kept.set(key, answer);
      if (this.kept.size > this.capacity) this.kept.delete(this.kept.keys().next().value as string);
    }
    return answer.kpis;
  }
}

/**
 * The durations at `ranks` (0-based, ascending) among the complaints' values as of asOf: the histogram as of asOf
 * places each rank in one bucket; that bucket's complaints are read through the duration column's index (those
 * with one value, held at asOf) and added to those with several values that fall in it as of asOf, and sorted.
 * Ranks in the same bucket (a median of an even count, most often) share one read of it.
 */
async function valuesAtRanks(
  store: Pick<ReadStore, 'find'>,
  collection: string,
  scope: MedianScope,
  kind: 'ack' | 'resolve',
  ranks: readonly number[],
  multi: readonly ComplaintKpiRow[],
): Promise<number[]> {
  const prefix = `${kind}.h.`;
  const buckets = [...scope.totals]
    .filter(([f, n]) => f.startsWith(prefix) && n !== 0)
    .map(([f, n]) => [Number(f.slice(prefix.length)), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const placed = new Map<number, { below: number; ranks: number[] }>();
  for (const rank of ranks) {
    let below = 0;
    const bucket = buckets.find(([, n]) => {
      if (rank < below + n) return true;
      below += n;
      return false;
    });
    if (bucket === undefined) throw new Error(`complaint KPIs: rank ${rank} of ${kind} is beyond the histogram`);
    const group = placed.get(bucket[0]) ?? placed.set(bucket[0], { below, ranks: [] }).get(bucket[0]);
    group?.ranks.push(rank);
  }
  const found = new Map<number, number>();
  for (const [b, group] of placed) {
    const others = await otherValues(store, collection, scope, kind, b, multi);
    const within = group.ranks.map((rank) => rank - group.below);
    const size = scope.totals.get(`${prefix}${b}`) ?? 0;
    const values = await seekRanks(store, collection, scope, DURATION_SLOTS[kind][0] as DurationSlot, b, size, within, others);
    group.ranks.forEach((rank, i) => found.set(rank, values[i] as number));
  }
  return ranks.map((rank) => found.get(rank) as number);
}

/**
 * The values at `ranks` (0-based, ascending) within bucket b among the first slot's values held at asOf and
 * `others` (the few from the other slots and the complaints beyond them, ascending). Ordered by value, `others`
 * first on a tie, the value at a rank r is either one of `others` or the first slot's value at an index in
 * [r − others, r]: one window from the first rank's lower end to the last rank is read through the slot's (bucket,
 * receipt) index (the bucket's complaints received in the period, sorted by value in the store, OFFSET over them),
 * merged with `others`, and ranked. The first slot's values before the window all come before its first value.
 */
async function seekRanks(
  store: Pick<ReadStore, 'find'>,
  collection: string,
  scope: MedianScope,
  slot: DurationSlot,
  b: number,
  /** How many values the histogram counts in bucket b. */
  size: number,
  ranks: readonly number[],
  others: readonly number[],
): Promise<number[]> {
  const first = ranks[0] as number;
  const last = ranks.at(-1) as number;
  const skipped = Math.max(0, first - others.length);
  const limit = last - skipped + 1;
  const window = await store.find<ComplaintKpiSlots>(collection, {
    ...slotFind(scope, slot, b),
    orderBy: [{ field: slot.ms }],
    offset: skipped,
    limit,
  });
  // The first slot holds the bucket's values less `others`: the window is that many past the offset, up to the limit.
  // Any other length is a commit between the histogram's reads and these (settled reads the answer again).
  const held = size - others.length;
  if (held < 0 || window.length !== Math.min(limit, Math.max(0, held - skipped))) {
    throw new TornKpiRead(`complaint KPIs: bucket ${b} holds ${skipped + window.length}+ values where the histogram says ${size}`);
  }
  const merged = [
    ...window.map((record) => ({ value: record.doc[slot.ms] as number, first: true })),
    ...others.map((value) => ({ value, first: false })),
  ].sort((x, y) => x.value - y.value || Number(x.first) - Number(y.first));
  // Ranks are known from the window's first value on (or from the start when nothing was skipped): the entry at
  // index i from there has rank skipped + i.
  const start = skipped === 0 ? 0 : merged.findIndex((entry) => entry.first);
  if (start < 0) throw new TornKpiRead(`complaint KPIs: bucket ${b} holds fewer values than the histogram says`);
  return ranks.map((rank) => {
    const entry = rank - skipped >= start ? merged[rank - skipped] : undefined;
    if (entry === undefined) throw new TornKpiRead(`complaint KPIs: rank ${rank} not found in bucket ${b}`);
    return entry.value;
  });
}

/** The bucket's values as of asOf other than the first slot's, ascending: the later slots and the complaints beyond them. */
async function otherValues(
  store: Pick<ReadStore, 'find'>,
  collection: string,
  scope: MedianScope,
  kind: 'ack' | 'resolve',
  b: number,
  multi: readonly ComplaintKpiRow[],
): Promise<number[]> {
  const range = bucketRange(b);
  // A stretch starts at or after its complaint's receipt, so one held at asOf belongs to a complaint received by then;
  // a complaint holds one stretch at most at asOf, so none is counted twice.
  const slots = await Promise.all(
    DURATION_SLOTS[kind].slice(1).map(async (slot) => {
      const found = await store.find<ComplaintKpiSlots>(collection, slotFind(scope, slot, b));
      return found.map((record) => record.doc[slot.ms] as number);
    }),
  );
  const inBucket = (ms: number) => (range.gte === undefined || ms >= range.gte) && (range.lt === undefined || ms < range.lt);
  const values = slots.flat();
  for (const row of multi) {
    const state = complaintAsOf(row, scope.asOf);
    const value = state === undefined ? undefined : durationsOf(state)[kind];
    if (value !== undefined && inBucket(value)) values.push(value);
  }
  for (const value of scope.extra[kind]) if (inBucket(value)) values.push(value);
  return values.sort((x, y) => x - y);
}

/**
 * The slots documents whose value in `slot` lies in bucket b and is held at asOf (within the scope's receipt range,
 * if any). A received period's find walks the (tenant, bucket, receipt) index over the period's range: SQLite has no
 * statistics, and PostgreSQL's estimate for these ranges over JSON is a row or two whichever index it weighs.
 */
function slotFind(scope: MedianScope, slot: DurationSlot, b: number): Pick<FindQuery, 'where' | 'through'> {
  const { tenantId, asOf, received } = scope;
  const where = { tenantId, [slot.bucket]: b, [slot.from]: { lte: asOf }, [slot.until]: { gt: asOf } };
  return received === undefined ? { where } : { where: { ...where, kRecv: { gte: received.gte, lte: received.lte } }, through: 'kRecv' };
}
