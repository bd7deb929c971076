import { BUSINESS_CALENDAR, compact, divideHalfEven, ratioOf, type Money } from '@crm/shared/kernel';

/** A share, half to even at 4 decimals (docs/metrics.md); null when there is nothing to divide by, so "no data" never reads as 0 %. */
export function ratio(numerator: number, denominator: number): number | null {
  return ratioOf(numerator, denominator);
}

/** Sums per currency, never across: a list of Money sorted by currency code. */
export class MoneyTotals {
  private readonly sums = new Map<string, bigint>();

  add(currency: string, amount: number): this {
    this.sums.set(currency, (this.sums.get(currency) ?? 0n) + BigInt(Math.round(amount)));
    return this;
  }

  get(currency: string): number {
    return Number(this.exact(currency));
  }

  /** The sum as an integer of any size, for figures computed from it exactly. */
  exact(currency: string): bigint {
    return this.sums.get(currency) ?? 0n;
  }

  currencies(): string[] {
    return [...this.sums.keys()].sort();
  }

  toList(): Money[] {
    return this.currencies().map((currency) => ({ amount: this.get(currency), currency }));
  }
}

/** An exact amount in hundredths of a minor unit (amount × probability, say) as the whole minor units it reports, half to even. */
export function minorUnitsOfHundredths(hundredths: bigint): number {
  return Number(divideHalfEven(hundredths, 100n));
}

/**
 * A deal's weighted amount, amount × probability ÷ 100: `weightedAmount` the whole minor units it reports (half to
 * even), `weightedRest` what that rounding left out, in hundredths of a minor unit (−50 to 50), so that
 * amount × probability = 100 × weightedAmount + weightedRest exactly.
 */
export function weighedAmount(amount: number, probability: number): { weightedAmount: number; weightedRest: number } {
  const hundredths = BigInt(amount) * BigInt(probability);
  const weightedAmount = minorUnitsOfHundredths(hundredths);
  return { weightedAmount, weightedRest: Number(hundredths - 100n * BigInt(weightedAmount)) };
}

/**
 * Weighted totals per currency: the exact sum of the deals' amount × probability ÷ 100, from sums of their
 * `weightedAmount` and `weightedRest` (weighedAmount), each reported rounded once, half to even, to the minor unit.
 * Summing the rounded rows instead would carry every row's rounding into the total.
 */
export class WeightedTotals {
  /** Hundredths of a minor unit. */
  private readonly sums = new Map<string, bigint>();

  add(currency: string, weighted: number, rest: number): this {
    const hundredths = 100n * BigInt(Math.round(weighted)) + BigInt(Math.round(rest));
    this.sums.set(currency, (this.sums.get(currency) ?? 0n) + hundredths);
    return this;
  }

  toList(): Money[] {
    return [...this.sums.keys()].sort().map((currency) => ({ amount: minorUnitsOfHundredths(this.sums.get(currency) ?? 0n), currency }));
  }
}

/**
 * `[from, to]` as inclusive calendar dates, on a field that holds a business day as written (`YYYY-MM-DD`: a deal's
 * `closingDate`, its `expectedCloseDate`). An instant field takes `timeRange` (@crm/shared/read-model).
 */
export function dateRange(from: string | undefined, to: string | undefined): { gte?: string; lt?: string } | undefined {
  if (from === undefined && to === undefined) return undefined;
  return compact({ gte: from, lt: to === undefined ? undefined : nextDay(to) });
}

/**
 * Business days [gte, lt) (`YYYY-MM-DD`, `lt` exclusive) as the UTC instants that bound them, for a stored UTC
 * instant (`capturedAt`, `openedAt`): from the first instant of `gte` in the business time zone (BUSINESS_CALENDAR,
 * `CRM_BUSINESS_TIME_ZONE`, Asia/Tehran by default) to the first of `lt`.
 */
export function businessInstants(days: { gte?: string; lt?: string }): { gte?: string; lt?: string } {
  const start = (day: string | undefined) => (day === undefined ? undefined : new Date(BUSINESS_CALENDAR.dayStart(day)).toISOString());
  return compact({ gte: start(days.gte), lt: start(days.lt) });
}

/** The calendar day after `date` (YYYY-MM-DD): the exclusive end of a period that includes `date`. */
export function nextDay(date: string): string {
  const day = new Date(`${date.slice(0, 10)}T00:00:00.000Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}
