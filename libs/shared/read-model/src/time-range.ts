import type { FieldCondition } from './query';

/** The same instant written in UTC, so stored times compare correctly as strings in read-store filters. */
export function utcInstant(iso: string): string {
  return new Date(Date.parse(iso)).toISOString();
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * A period filter on a stored UTC time. `from` is inclusive; a `to` given as a date
 * includes that whole (UTC) day, as people mean "to 31 March"; a `to` given as an
 * instant is inclusive of that instant.
 */
export function timeRange(from?: string, to?: string): FieldCondition | undefined {
  if (from === undefined && to === undefined) return undefined;
  const lower = from === undefined ? {} : { gte: utcInstant(DATE_ONLY.test(from) ? `${from}T00:00:00Z` : from) };
  if (to === undefined) return lower;
  if (DATE_ONLY.test(to)) return { ...lower, lt: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString() };
  return { ...lower, lte: utcInstant(to) };
}
