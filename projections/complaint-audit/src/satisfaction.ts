import {
  isCsatSatisfied,
  npsCategory,
  SERVQUAL_DIMENSIONS,
  servqualGaps,
  type ServqualDimension,
  type ServqualScores,
} from '@crm/service/domain';
import type { AggregateRow, FieldCondition, ReadStore } from '@crm/shared/read-model';
import { round } from './numbers';
import type { SatisfactionMeasure } from './satisfaction-responses.projection';

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
const SERVQUAL_FIELDS = SERVQUAL_DIMENSIONS.flatMap((d) => [`expectations.${d}`, `perceptions.${d}`]);

/** Counts per (measure, score) and SERVQUAL sums, of one period or of all of them. */
interface Tally {
  readonly scores: Map<string, Map<number | null, number>>;
  servqualResponses: number;
  readonly servqualSums: Map<string, number>;
}

const emptyTally = (): Tally => ({ scores: new Map(), servqualResponses: 0, servqualSums: new Map() });

function countScore(tally: Tally, measure: string, score: number | null, count: number): void {
  const byScore = tally.scores.get(measure) ?? new Map<number | null, number>();
  byScore.set(score, (byScore.get(score) ?? 0) + count);
  tally.scores.set(measure, byScore);
}

function addServqual(tally: Tally, row: AggregateRow): void {
  tally.servqualResponses += row.count;
  for (const field of SERVQUAL_FIELDS) tally.servqualSums.set(field, (tally.servqualSums.get(field) ?? 0) + (row.sums[field] ?? 0));
}

function figures(tally: Tally): SatisfactionFigures {
  const scored = (measure: SatisfactionMeasure) => [...(tally.scores.get(measure) ?? new Map<number | null, number>())];
  const responses = (measure: SatisfactionMeasure) => scored(measure).reduce((sum, [, count]) => sum + count, 0);
  const meanOf = (measure: SatisfactionMeasure): MeanFigure => {
    const n = responses(measure);
    const total = scored(measure).reduce((sum, [score, count]) => sum + (score ?? 0) * count, 0);
    return { responses: n, mean: n === 0 ? null : round(total / n, 2) };
  };
  const csatN = responses('csat');
  const satisfied = scored('csat').reduce((sum, [score, count]) => sum + (score !== null && isCsatSatisfied(score) ? count : 0), 0);
  const npsN = responses('nps');
  const nps = { promoter: 0, passive: 0, detractor: 0 };
  for (const [score, count] of scored('nps')) if (score !== null) nps[npsCategory(score)] += count;
  const feedback = { opinion: responses('opinion'), idea: responses('idea'), praise: responses('praise') };
  return {
    csat: { responses: csatN, satisfied, percent: csatN === 0 ? null : round((100 * satisfied) / csatN, 2) },
    nps: {
      responses: npsN,
      promoters: nps.promoter,
      passives: nps.passive,
      detractors: nps.detractor,
      score: npsN === 0 ? null : round((100 * (nps.promoter - nps.detractor)) / npsN, 2),
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
  const means = (side: 'expectations' | 'perceptions') =>
    Object.fromEntries(SERVQUAL_DIMENSIONS.map((d) => [d, (tally.servqualSums.get(`${side}.${d}`) ?? 0) / n])) as ServqualScores;
  const expectations = means('expectations');
  const perceptions = means('perceptions');
  const gaps = servqualGaps({ expectations, perceptions });
  const entries = SERVQUAL_DIMENSIONS.map((d) => [
    d,
    { expectation: round(expectations[d], 2), perception: round(perceptions[d], 2), gap: round(gaps[d], 2) },
  ]);
  return Object.fromEntries(entries) as Record<ServqualDimension, ServqualDimensionFigure>;
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
  const field = PERIOD_FIELD[bucket];
  const periods = new Map<string, Tally>();
  const overall = emptyTally();
  const tallyOf = (period: string) => {
    const tally = periods.get(period) ?? emptyTally();
    periods.set(period, tally);
    return tally;
  };
  for (const row of counts) {
    const measure = text(row.group['measure']);
    if (measure === 'servqual') continue;
    countScore(tallyOf(text(row.group[field])), measure, score(row.group['score']), row.count);
    countScore(overall, measure, score(row.group['score']), row.count);
  }
  for (const row of servqual) {
    addServqual(tallyOf(text(row.group[field])), row);
    addServqual(overall, row);
  }
  const ordered = [...periods.keys()].sort();
  return {
    bucket,
    periods: ordered.map((period) => ({ period, ...figures(periods.get(period) ?? emptyTally()) })),
    overall: figures(overall),
  };
}

export interface SatisfactionQuery {
  readonly tenantId: string;
  readonly bucket: SatisfactionBucket;
  /** On the answer's time (UTC ISO). */
  readonly at?: FieldCondition;
}

export async function readSatisfaction(store: Pick<ReadStore, 'aggregate'>, collection: string, query: SatisfactionQuery) {
  const where = { tenantId: query.tenantId, ...(query.at ? { at: query.at } : {}) };
  const period = PERIOD_FIELD[query.bucket];
  const [counts, servqual] = await Promise.all([
    store.aggregate(collection, { where, groupBy: [period, 'measure', 'score'] }),
    store.aggregate(collection, { where: { ...where, measure: 'servqual' }, groupBy: period, sum: SERVQUAL_FIELDS }),
  ]);
  return satisfactionReport(query.bucket, counts, servqual);
}
