import {
  isCsatSatisfied,
  npsCategory,
  SERVQUAL_DIMENSIONS,
  servqualGaps,
  type ServqualDimension,
  type ServqualScores,
} from '@crm/service/domain';
import { BUSINESS_CALENDAR, roundHalfEven } from '@crm/shared/kernel';
import {
  ledgerPrefix,
  loadLedgerTotals,
  type AggregateRow,
  type FieldCondition,
  type ReadStore,
  type SummaryCell,
  type Where,
} from '@crm/shared/read-model';
import { NO_SCORE, type SatisfactionDayDoc, type SatisfactionMonthDoc } from './satisfaction-days.projection';
import type { SatisfactionMeasure } from './satisfaction-responses.projection';
import { splitDaysByMonth, type MonthDaySplit } from './month-split';

export type SatisfactionBucket = 'month' | 'jalali';

export interface CsatFigure {
  readonly responses: number;
  readonly satisfied: number;
  /** % of answers 4–5. */
  readonly percent: number | null;
}
export interface NpsFigure {
  readonly responses: number;
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
  /** % promoters − % detractors, −100…100. */
  readonly score: number | null;
}
export interface MeanFigure {
  readonly responses: number;
  readonly mean: number | null;
}
export interface ServqualDimensionFigure {
  readonly expectation: number;
  readonly perception: number;
  /** Mean perception − mean expectation: negative where expectations were not met. */
  readonly gap: number;
}
export interface ServqualFigure {
  readonly responses: number;
  readonly dimensions: Readonly<Record<ServqualDimension, ServqualDimensionFigure>> | null;
}
export interface SatisfactionFigures {
  readonly csat: CsatFigure;
  readonly nps: NpsFigure;
  /** 1–7. */
  readonly ces: MeanFigure;
  readonly servqual: ServqualFigure;
  /** Complainants' satisfaction with the handling of their complaint, 1–5. */
  readonly complaintHandling: MeanFigure;
  readonly feedback: { readonly opinion: number; readonly idea: number; readonly praise: number; readonly total: number };
}
export interface SatisfactionReport {
  readonly bucket: SatisfactionBucket;
  readonly periods: readonly (SatisfactionFigures & { readonly period: string })[];
  readonly overall: SatisfactionFigures;
}

const PERIOD_FIELD: Readonly<Record<SatisfactionBucket, string>> = { month: 'month', jalali: 'jalaliMonth' };
/** Each dimension's expectation, then its perception. */
const SERVQUAL_FIELDS = SERVQUAL_DIMENSIONS.flatMap((d) => [`expectations.${d}`, `perceptions.${d}`]);

/** Counts per (measure, score) and SERVQUAL sums, of one period or of all of them. */
class Tally {
  readonly scores = new Map<string, Map<number | null, number>>();
  servqualResponses = 0;
  /** In SERVQUAL_FIELDS' order. */
  readonly servqualSums: number[] = SERVQUAL_FIELDS.map(() => 0);

  count(measure: string, score: number | null, count: number): void {
    let byScore = this.scores.get(measure);
    if (byScore === undefined) this.scores.set(measure, (byScore = new Map<number | null, number>()));
    byScore.set(score, (byScore.get(score) ?? 0) + count);
  }

  addServqual(responses: number, sums: Readonly<Record<string, number>>): void {
    this.servqualResponses += responses;
    for (let i = 0; i < SERVQUAL_FIELDS.length; i += 1)
      this.servqualSums[i] = (this.servqualSums[i] as number) + (sums[SERVQUAL_FIELDS[i] as string] ?? 0);
  }
}

/** A measure's answers, and the sum of their scores (an answer without a score adds 0). */
function answersOf(tally: Tally, measure: SatisfactionMeasure): { readonly n: number; readonly total: number } {
  let n = 0;
  let total = 0;
  for (const [score, count] of tally.scores.get(measure) ?? []) {
    n += count;
    total += (score ?? 0) * count;
  }
  return { n, total };
}

function figures(tally: Tally): SatisfactionFigures {
  const meanOf = (measure: SatisfactionMeasure): MeanFigure => {
    const { n, total } = answersOf(tally, measure);
    return { responses: n, mean: n === 0 ? null : roundHalfEven(total / n, 2) };
  };
  let csatN = 0;
  let satisfied = 0;
  for (const [score, count] of tally.scores.get('csat') ?? []) {
    csatN += count;
    if (score !== null && isCsatSatisfied(score)) satisfied += count;
  }
  let npsN = 0;
  const nps = { promoter: 0, passive: 0, detractor: 0 };
  for (const [score, count] of tally.scores.get('nps') ?? []) {
    npsN += count;
    if (score !== null) nps[npsCategory(score)] += count;
  }
  const feedback = { opinion: answersOf(tally, 'opinion').n, idea: answersOf(tally, 'idea').n, praise: answersOf(tally, 'praise').n };
  return {
    csat: { responses: csatN, satisfied, percent: csatN === 0 ? null : roundHalfEven((100 * satisfied) / csatN, 2) },
    nps: {
      responses: npsN,
      promoters: nps.promoter,
      passives: nps.passive,
      detractors: nps.detractor,
      score: npsN === 0 ? null : roundHalfEven((100 * (nps.promoter - nps.detractor)) / npsN, 2),
    },
    ces: meanOf('ces'),
    servqual: { responses: tally.servqualResponses, dimensions: servqualDimensions(tally) },
    complaintHandling: meanOf('handling'),
    feedback: { ...feedback, total: feedback.opinion + feedback.idea + feedback.praise },
  };
}

function servqualDimensions(tally: Tally): Record<ServqualDimension, ServqualDimensionFigure> | null {
  const n = tally.servqualResponses;
  if (n === 0) return null;
  const means = (side: 'expectations' | 'perceptions') => {
    const scores = {} as Record<ServqualDimension, number>;
    SERVQUAL_DIMENSIONS.forEach((d, i) => (scores[d] = (tally.servqualSums[2 * i + (side === 'expectations' ? 0 : 1)] as number) / n));
    return scores as ServqualScores;
  };
  const expectations = means('expectations');
  const perceptions = means('perceptions');
  const gaps = servqualGaps({ expectations, perceptions });
  const dimensions = {} as Record<ServqualDimension, ServqualDimensionFigure>;
  for (const d of SERVQUAL_DIMENSIONS) {
    dimensions[d] = {
      expectation: roundHalfEven(expectations[d], 2),
      perception: roundHalfEven(perceptions[d], 2),
      gap: roundHalfEven(gaps[d], 2),
    };
  }
  return dimensions;
}

/** Tallies per period, and overall: what a report is made of. */
class PeriodTallies {
  private readonly periods = new Map<string, Tally>();
  readonly overall = new Tally();

  of(period: string): Tally {
    let tally = this.periods.get(period);
    if (tally === undefined) this.periods.set(period, (tally = new Tally()));
    return tally;
  }

  count(period: string, measure: string, score: number | null, count: number): void {
    this.of(period).count(measure, score, count);
    this.overall.count(measure, score, count);
  }

  addServqual(period: string, responses: number, sums: Readonly<Record<string, number>>): void {
    this.of(period).addServqual(responses, sums);
    this.overall.addServqual(responses, sums);
  }

  report(bucket: SatisfactionBucket): SatisfactionReport {
    const ordered = [...this.periods.keys()].sort();
    return {
      bucket,
      periods: ordered.map((period) => ({ period, ...figures(this.periods.get(period) as Tally) })),
      overall: figures(this.overall),
    };
  }
}

/** At most this many periods in one report, as in the churn view (its MAX_PERIODS): ten years of months. */
export const MAX_SATISFACTION_PERIODS = 120;

/** The period of the bucket an instant falls in: its business month, Gregorian or Jalali (as each answer's is). */
export function satisfactionPeriodOf(bucket: SatisfactionBucket, instant: string | number): string {
  return bucket === 'month' ? BUSINESS_CALENDAR.month(instant) : BUSINESS_CALENDAR.jalaliMonth(instant);
}

/** The first and last period a report lists, inclusive ('YYYY-MM' of the bucket's calendar). */
export interface SatisfactionSpan {
  readonly first: string;
  readonly last: string;
}

/**
 * The periods a report over `at` (timeRange's, on the answer's time) lists: from the one holding its first instant to
 * the one holding its last, or, without an end, the one holding `now`. Without a start there is no first period to list
 * from (the answers begin wherever they begin): undefined, and the report lists the periods with answers, as without an
 * end and no `now`.
 */
export function satisfactionSpan(bucket: SatisfactionBucket, at: FieldCondition | undefined, now?: number): SatisfactionSpan | undefined {
  if (typeof at?.gte !== 'string') return undefined;
  const last = typeof at.lt === 'string' ? Date.parse(at.lt) - 1 : typeof at.lte === 'string' ? Date.parse(at.lte) : now;
  if (last === undefined) return undefined;
  return { first: satisfactionPeriodOf(bucket, at.gte), last: satisfactionPeriodOf(bucket, last) };
}

/** Both calendars' periods are 'YYYY-MM' of twelve months a year: counted on the label. */
const monthIndex = (period: string): number => Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1;
const periodLabel = (index: number): string =>
  `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;

/** How many periods a span lists (0 when it ends before it starts). */
export function spanLength(span: SatisfactionSpan): number {
  return Math.max(0, monthIndex(span.last) - monthIndex(span.first) + 1);
}

/**
 * The report with every period of `span` listed, in order: one without answers carries the figures of none (counts 0,
 * percentages, means, scores and SERVQUAL dimensions null), as the overall figures of a period without answers do.
 * Periods with answers outside the span stay as they are.
 */
export function withEveryPeriod(report: SatisfactionReport, span: SatisfactionSpan | undefined): SatisfactionReport {
  if (span === undefined || spanLength(span) === 0) return report;
  const answered = new Map(report.periods.map((period) => [period.period, period]));
  const listed = new Set(answered.keys());
  for (let index = monthIndex(span.first); index <= monthIndex(span.last); index += 1) listed.add(periodLabel(index));
  const none = figures(new Tally());
  return { ...report, periods: [...listed].sort().map((period) => answered.get(period) ?? { period, ...none }) };
}

const text = (value: unknown) => (typeof value === 'string' ? value : String(value));
const score = (value: unknown) => (typeof value === 'number' ? value : null);

/**
 * ISO 10004 figures per period (DESIGN.md "Analytics definitions") from the read
 * store's groupings: `counts` grouped by period, measure and score; `servqual` grouped
 * by period with the sums of every expectation and perception.
 */
export function satisfactionReport(
  bucket: SatisfactionBucket,
  counts: readonly AggregateRow[],
  servqual: readonly AggregateRow[],
): SatisfactionReport {
  const tallies = new PeriodTallies();
  addRows(tallies, bucket, counts, servqual);
  return tallies.report(bucket);
}

function addRows(tallies: PeriodTallies, bucket: SatisfactionBucket, counts: readonly AggregateRow[], servqual: readonly AggregateRow[]) {
  const field = PERIOD_FIELD[bucket];
  for (const row of counts) {
    const measure = text(row.group['measure']);
    if (measure === 'servqual') continue;
    tallies.count(text(row.group[field]), measure, score(row.group['score']), row.count);
  }
  for (const row of servqual) tallies.addServqual(text(row.group[field]), row.count, row.sums);
}

export interface SatisfactionQuery {
  readonly tenantId: string;
  readonly bucket: SatisfactionBucket;
  /** On the answer's time (UTC ISO; timeRange reads date-only bounds as business days). */
  readonly at?: FieldCondition;
}

/** The two groupings satisfactionReport takes, over the answers `where` selects. */
async function answerRows(store: Pick<ReadStore, 'aggregate'>, collection: string, where: Where, bucket: SatisfactionBucket) {
  const period = PERIOD_FIELD[bucket];
  const [counts, servqual] = await Promise.all([
    store.aggregate(collection, { where, groupBy: [period, 'measure', 'score'] }),
    store.aggregate(collection, { where: { ...where, measure: 'servqual' }, groupBy: period, sum: SERVQUAL_FIELDS }),
  ]);
  return { counts, servqual };
}

/** From one document per answer (satisfaction-responses): reads every answer of the period. */
export async function readSatisfaction(store: Pick<ReadStore, 'aggregate'>, collection: string, query: SatisfactionQuery) {
  const where = { tenantId: query.tenantId, ...(query.at ? { at: query.at } : {}) };
  const { counts, servqual } = await answerRows(store, collection, where, query.bucket);
  return satisfactionReport(query.bucket, counts, servqual);
}

const DAY_MS = 86_400_000;
/** The business day (BUSINESS_CALENDAR, Asia/Tehran by default) of a UTC ISO instant. */
const dayOf = (instant: string) => BUSINESS_CALENDAR.day(instant);
/** The first instant of a business day, UTC ISO (as the stored times and timeRange's bounds are written). */
const startOfDay = (day: string) => new Date(BUSINESS_CALENDAR.dayStart(day)).toISOString();
/** The calendar day after `day` (arithmetic on the label). */
const nextDayOf = (day: string) => new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);
const isMidnight = (instant: string) => startOfDay(dayOf(instant)) === instant;

/**
 * How a period splits: the whole business days [firstDay, endDay) read from day sums, and the part-days at its edges
 * read answer by answer.
 */
export interface SatisfactionSplit {
  readonly firstDay?: string;
  /** Exclusive. */
  readonly endDay?: string;
  readonly edges: readonly FieldCondition[];
}

/** Splits a period on answer times (timeRange's `gte` and `lt` or `lte`, UTC ISO) into whole days and part-days. */
export function splitPeriod(at: FieldCondition | undefined): SatisfactionSplit {
  const lower = typeof at?.gte === 'string' ? at.gte : undefined;
  const upper: FieldCondition = typeof at?.lt === 'string' ? { lt: at.lt } : typeof at?.lte === 'string' ? { lte: at.lte } : {};
  // The first instant after the period, to the millisecond the stored times carry.
  const end =
    upper.lt !== undefined
      ? String(upper.lt)
      : upper.lte !== undefined
        ? new Date(Date.parse(String(upper.lte)) + 1).toISOString()
        : undefined;
  const firstDay = lower === undefined ? undefined : isMidnight(lower) ? dayOf(lower) : nextDayOf(dayOf(lower));
  const endDay = end === undefined ? undefined : dayOf(end);
  const edges: FieldCondition[] = [];
  if (lower !== undefined && end !== undefined && end <= startOfDay(firstDay as string)) {
    // The whole period lies within one part-day.
    return { firstDay, endDay: firstDay, edges: lower < end ? [{ gte: lower, ...upper }] : [] };
  }
  if (lower !== undefined && !isMidnight(lower)) edges.push({ gte: lower, lt: startOfDay(firstDay as string) });
  if (end !== undefined && !isMidnight(end)) edges.push({ gte: startOfDay(endDay as string), ...upper });
  return { ...(firstDay === undefined ? {} : { firstDay }), ...(endDay === undefined ? {} : { endDay }), edges };
}

/** A period split into whole days and part-days (splitPeriod), and its whole days into whole months and part-months. */
function monthsAndEdges(bucket: SatisfactionBucket, at: FieldCondition | undefined) {
  const split = splitPeriod(at);
  const wholeDays = split.firstDay === undefined || split.endDay === undefined || split.firstDay < split.endDay;
  const byMonth: MonthDaySplit = wholeDays ? splitDaysByMonth(bucket, split.firstDay, split.endDay) : { days: [] };
  return { split, byMonth };
}

type Sums = Pick<SatisfactionDayDoc, 'counts' | 'servqual'>;

/** Day or month sums added to the tallies, each under its period of the bucket (as their per-answer groupings would be). */
function addSums<D extends Sums>(tallies: PeriodTallies, docs: readonly { readonly doc: D }[], periodOf: (doc: D) => string): void {
  for (const { doc } of docs) {
    const period = periodOf(doc);
    for (const measure of Object.keys(doc.counts)) {
      // SERVQUAL answers are counted by their own sums, below.
      if (measure === 'servqual') continue;
      const byScore = doc.counts[measure] as Readonly<Record<string, number>>;
      for (const score of Object.keys(byScore)) {
        tallies.count(period, measure, score === NO_SCORE ? null : Number(score), byScore[score] as number);
      }
    }
    if (doc.servqual.responses > 0) tallies.addServqual(period, doc.servqual.responses, doc.servqual.sums);
  }
}

const dayPeriod = (bucket: SatisfactionBucket) => (day: SatisfactionDayDoc) => (bucket === 'month' ? day.month : day.jalaliMonth);

/**
 * The same report from the sums of satisfaction-days: one document per whole
 * month of the bucket's calendar in the period (without a period, one per
 * month: what the answer has), one per business day of a part-month at either edge,
 * and the answers of a part-day when `from` or `to` is an instant inside a day.
 * Exact to the instant, as readSatisfaction.
 */
export async function readSatisfactionByDay(
  store: Pick<ReadStore, 'aggregate' | 'find'>,
  collections: { readonly days: string; readonly answers: string },
  query: SatisfactionQuery,
): Promise<SatisfactionReport> {
  const { tenantId, bucket } = query;
  const { split, byMonth } = monthsAndEdges(bucket, query.at);
  // In day order, so the store walks the (tenantId, day) index over the range instead of every document by id.
  const findDays = (day: FieldCondition | undefined) =>
    store.find<SatisfactionDayDoc>(collections.days, {
      where: { tenantId, ...(day ? { day } : {}) },
      orderBy: [{ field: 'day', direction: 'asc' }],
    });
  const [months, days, edges] = await Promise.all([
    byMonth.months === undefined
      ? Promise.resolve([])
      : store.find<SatisfactionMonthDoc>(collections.days, {
          where: { periodOf: tenantId, bucket, ...(Object.keys(byMonth.months).length > 0 ? { period: byMonth.months } : {}) },
        }),
    Promise.all(byMonth.days.map((range) => findDays(range))),
    Promise.all(split.edges.map((at) => answerRows(store, collections.answers, { tenantId, at }, bucket))),
  ]);
  // No month at all: none had an answer, so their days have none either, or the days were built before months were
  // kept (they serve until the rebuild switches over): the days of those months then answer.
  const monthDays = byMonth.months !== undefined && months.length === 0 ? await findDays(compactRange(split.firstDay, split.endDay)) : [];
  // Months first, then days, then part-days: the order the sums are added in, whatever it changes.
  const tallies = new PeriodTallies();
  addSums(tallies, months, (month) => month.period);
  addSums(tallies, monthDays.length > 0 ? monthDays : days.flat(), dayPeriod(bucket));
  for (const edge of edges) addRows(tallies, bucket, edge.counts, []);
  for (const edge of edges) addRows(tallies, bucket, [], edge.servqual);
  return tallies.report(bucket);
}

function compactRange(first: string | undefined, end: string | undefined): FieldCondition | undefined {
  if (first === undefined && end === undefined) return undefined;
  return { ...(first === undefined ? {} : { gte: first }), ...(end === undefined ? {} : { lt: end }) };
}

/**
 * A report as of a past business day: the bucket, the day ('YYYY-MM-DD' of BUSINESS_CALENDAR) it is as of, and a period
 * on the answer's time as the view without asOf takes it (timeRange's; none: every period).
 */
export interface SatisfactionAsOfQuery {
  readonly tenantId: string;
  readonly bucket: SatisfactionBucket;
  readonly day: string;
  readonly at?: FieldCondition;
}

/**
 * Ledger cells (satisfaction-days' summary) as the sums of each period of the bucket they count in: the same counts and
 * SERVQUAL sums that period's month document holds, of the answers recorded by then.
 */
function sumsPerPeriod(bucket: SatisfactionBucket, cells: readonly SummaryCell[]): { readonly doc: Sums & { readonly period: string } }[] {
  const periods = new Map<
    string,
    { period: string; counts: Record<string, Record<string, number>>; servqual: { responses: number; sums: Record<string, number> } }
  >();
  for (const { dims, values } of cells) {
    const period = text(bucket === 'month' ? dims['month'] : dims['jalaliMonth']);
    let sums = periods.get(period);
    if (sums === undefined) periods.set(period, (sums = { period, counts: {}, servqual: { responses: 0, sums: {} } }));
    const count = values['count'] ?? 0;
    if (dims['sums'] === 'servqual') {
      sums.servqual.responses += count;
      for (const field of SERVQUAL_FIELDS) sums.servqual.sums[field] = (sums.servqual.sums[field] ?? 0) + (values[field] ?? 0);
      continue;
    }
    const byScore = (sums.counts[text(dims['measure'])] ??= {});
    const key = text(dims['score']);
    byScore[key] = (byScore[key] ?? 0) + count;
  }
  return [...periods.values()].map((doc) => ({ doc }));
}

/**
 * The report the view would have given at the end of business day `day` (API.md's asOf, exact to the day), over the
 * answers recorded by then (by each event's `occurredAt`, whatever day the answer says it was given).
 *
 * The whole months of the bucket's calendar in the period (without a period, every month) come from the dated ledger
 * satisfaction-days keeps, summed through that day: one read of at most (its year − 1900) + 11 + 31 documents whatever
 * the history's size. The part-months at a period's edges (and the part-days, for an instant inside a day) come from
 * the answers given in them and recorded by then (satisfaction-responses' `recordedAt`): at most two months of answers,
 * grouped in the store, as the view without asOf reads part-days. Without a period, as the current view: the periods
 * that have answers (recorded by then).
 */
export async function readSatisfactionAsOf(
  store: Pick<ReadStore, 'getMany' | 'aggregate'>,
  collections: { readonly days: string; readonly answers?: string },
  query: SatisfactionAsOfQuery,
): Promise<SatisfactionReport> {
  const { tenantId, bucket, day, at } = query;
  const { split, byMonth } = monthsAndEdges(bucket, at);
  const recordedAt = { lte: new Date(BUSINESS_CALENDAR.dayEnd(day)).toISOString() };
  const parts: FieldCondition[] = [
    ...byMonth.days.map((days) => ({
      ...(days.gte === undefined ? {} : { gte: startOfDay(days.gte) }),
      ...(days.lt === undefined ? {} : { lt: startOfDay(days.lt) }),
    })),
    ...split.edges,
  ];
  const { answers } = collections;
  if (parts.length > 0 && answers === undefined) throw new Error('a period with part-months is read from the answers too');
  const [[totals], edges] = await Promise.all([
    byMonth.months === undefined ? Promise.resolve([undefined]) : loadLedgerTotals(store, collections.days, [ledgerPrefix(tenantId)], day),
    Promise.all(parts.map((part) => answerRows(store, answers as string, { tenantId, at: part, recordedAt }, bucket))),
  ]);
  const { gte, lte } = byMonth.months ?? {};
  const inPeriod = (period: string) => (gte === undefined || period >= gte) && (lte === undefined || period <= lte);
  const tallies = new PeriodTallies();
  const months = sumsPerPeriod(bucket, Object.values(totals?.cells ?? {})).filter(({ doc }) => inPeriod(doc.period));
  addSums(tallies, months, (sums) => sums.period);
  for (const edge of edges) addRows(tallies, bucket, edge.counts, []);
  for (const edge of edges) addRows(tallies, bucket, [], edge.servqual);
  return tallies.report(bucket);
}
