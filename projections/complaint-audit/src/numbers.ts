import { ratioOf, roundHalfEven } from '@crm/shared/kernel';

const HOUR_MS = 3_600_000;

export function hoursBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / HOUR_MS;
}

/** The one rounding rule (docs/metrics.md "Rounding"): half to even at `places` decimals. */
export function round(value: number, places: number): number {
  return roundHalfEven(value, places);
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The middle value, or the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

/** part ÷ whole to 4 decimals, or null when there is nothing to divide by (a rate of nothing is unknown, not 0). */
export function ratio(part: number, whole: number): number | null {
  return ratioOf(part, whole);
}
