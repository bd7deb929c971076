import { compact, ratioOf, type Money } from '@crm/shared/kernel';

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
    return Number(this.sums.get(currency) ?? 0n);
  }

  currencies(): string[] {
    return [...this.sums.keys()].sort();
  }

  toList(): Money[] {
    return this.currencies().map((currency) => ({ amount: this.get(currency), currency }));
  }
}

/** `[from, to]` as inclusive calendar dates, on a `YYYY-MM-DD…` field (dates and ISO times both compare as text). */
export function dateRange(from: string | undefined, to: string | undefined): { gte?: string; lt?: string } | undefined {
  if (from === undefined && to === undefined) return undefined;
  return compact({ gte: from, lt: to === undefined ? undefined : nextDay(to) });
}

/** The calendar day after `date` (YYYY-MM-DD), so "up to and including `to`" also covers times on that day. */
export function nextDay(date: string): string {
  const day = new Date(`${date.slice(0, 10)}T00:00:00.000Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}
