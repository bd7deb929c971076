import type { Money } from '@crm/shared/kernel';
import type { CustomerHistory } from './customer-history';
import { daysBetween } from './days';

export type Score = 1 | 2 | 3 | 4 | 5;

/**
 * Quintile of `value` in `population` (1 lowest … 5 highest) by mid-rank:
 * p = (values below + half the values equal) ÷ n, score = ⌊5p⌋ + 1. Equal
 * values always share a score, and a lone customer sits in the middle (3).
 * Integer arithmetic, so scores at exact quintile edges never wobble.
 */
export function quintileScore(value: number, population: readonly number[]): Score {
  const below = population.filter((v) => v < value).length;
  const equal = population.filter((v) => v === value).length;
  return quintileOfCounts(below, equal, population.length);
}

/** The same score from counts alone: `below` and `equal` values among `size` (a sorted population answers them by binary search). */
export function quintileOfCounts(below: number, equal: number, size: number): Score {
  if (size === 0) throw new RangeError('a quintile needs a population');
  const score = Math.floor((5 * (2 * below + equal)) / (2 * size)) + 1;
  return Math.min(5, score) as Score;
}

/** Values of a population sorted ascending, ranked without a scan: how many are below a value, and how many equal it. */
export class SortedValues {
  private readonly values: Float64Array;

  constructor(values: Iterable<number>) {
    this.values = Float64Array.from(values).sort();
  }

  get size(): number {
    return this.values.length;
  }

  /** Values < value. */
  below(value: number): number {
    return this.firstIndex((v) => v >= value);
  }

  /** Values === value. */
  equal(value: number): number {
    return this.firstIndex((v) => v > value) - this.below(value);
  }

  private firstIndex(past: (v: number) => boolean): number {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (past(this.values[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

export interface RfmValues {
  readonly accountId: string;
  /** Whole business days since the last purchase. */
  readonly recencyDays: number;
  /** Purchases in the window. */
  readonly frequency: number;
  /** Spend in the window, per currency (sorted by currency); never mixed. */
  readonly monetary: readonly Money[];
  /** The currency the monetary score is taken in: most purchases in the window, ties to the latest. */
  readonly mainCurrency: string;
}

/** The window is the last `windowDays` business days up to and including asOf's day. */
export const inWindow = (at: number, asOf: number, windowDays: number): boolean => daysBetween(at, asOf) < windowDays;

/** Undefined for an account that never bought. */
export function rfmValues(history: CustomerHistory, asOf: number, windowDays: number): RfmValues | undefined {
  const last = history.purchases[history.purchases.length - 1];
  if (last === undefined) return undefined;
  const windowed = history.purchases.filter((p) => inWindow(p.at, asOf, windowDays));
  const counts = new Map<string, { count: number; latest: number }>();
  for (const p of windowed.length > 0 ? windowed : history.purchases) {
    counts.set(p.amount.currency, { count: (counts.get(p.amount.currency)?.count ?? 0) + 1, latest: p.at });
  }
  const [mainCurrency] = [...counts].sort(([, a], [, b]) => b.count - a.count || b.latest - a.latest)[0] as [string, unknown];
  const totals = new Map<string, number>();
  for (const p of windowed) totals.set(p.amount.currency, (totals.get(p.amount.currency) ?? 0) + p.amount.amount);
  const monetary = [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ amount, currency }));
  return { accountId: history.accountId, recencyDays: daysBetween(last.at, asOf), frequency: windowed.length, monetary, mainCurrency };
}

export const spendIn = (values: RfmValues, currency: string): number => values.monetary.find((m) => m.currency === currency)?.amount ?? 0;

export interface RfmScores {
  readonly recency: Score;
  readonly frequency: Score;
  readonly monetary: Score;
}

/**
 * Scores against the active customer base (recency inverted: most recent = 5;
 * monetary in the customer's main currency). Only customers of the base are
 * scored (the loyalty profile gives a lost one none); one outside it would be
 * ranked as if added to it.
 */
export function rfmScores(base: readonly RfmValues[], customer: RfmValues): RfmScores {
  const population = base.some((b) => b.accountId === customer.accountId) ? base : [...base, customer];
  const currency = customer.mainCurrency;
  return {
    recency: quintileScore(
      -customer.recencyDays,
      population.map((b) => -b.recencyDays),
    ),
    frequency: quintileScore(
      customer.frequency,
      population.map((b) => b.frequency),
    ),
    monetary: quintileScore(
      spendIn(customer, currency),
      population.map((b) => spendIn(b, currency)),
    ),
  };
}

/** Segments in precedence order: the first whose rule holds wins. Together they cover all 25 (R, F) cells. */
export const SEGMENT_RULES = [
  ['champions', (r: Score, f: Score) => r >= 4 && f >= 4],
  ['cant_lose_them', (r: Score, f: Score) => r === 1 && f === 5],
  ['at_risk', (r: Score, f: Score) => r <= 2 && f >= 3],
  ['lost', (r: Score, f: Score) => r === 1 && f === 1],
  ['hibernating', (r: Score, f: Score) => r <= 2 && f <= 2],
  ['loyal', (_r: Score, f: Score) => f >= 4],
  ['new', (r: Score, f: Score) => r === 5 && f === 1],
  ['promising', (r: Score, f: Score) => r === 4 && f === 1],
  ['potential_loyalist', (r: Score, f: Score) => r >= 4 && f <= 3],
  ['need_attention', (r: Score, f: Score) => r === 3 && f === 3],
  ['about_to_sleep', (r: Score, f: Score) => r === 3 && f <= 2],
] as const;

/**
 * `prospect`: an account that has not bought yet; `churned`: a customer lost at asOf (closed, or inactive past the
 * threshold). Neither is in the active base the quintiles rank, so neither has scores.
 */
export type Segment = (typeof SEGMENT_RULES)[number][0] | 'prospect' | 'churned';
export const SEGMENTS: readonly Segment[] = [...SEGMENT_RULES.map(([segment]) => segment), 'prospect', 'churned'];

export function segmentOf(r: Score, f: Score): Segment {
  const rule = SEGMENT_RULES.find(([, holds]) => holds(r, f));
  if (!rule) throw new Error(`no segment for R=${r} F=${f}`);
  return rule[0];
}
