import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import type { FieldCondition } from './query';

/** The same instant written in UTC, so stored times compare correctly as strings in read-store filters. */
export function utcInstant(iso: string): string {
  return new Date(Date.parse(iso)).toISOString();
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A period filter on a stored UTC time. `from` is inclusive; a date stands for a business day
 * (`BUSINESS_CALENDAR`, Asia/Tehran by default): `from` its first instant, and a `to` given as a
 * date includes that whole day, as people mean "to 31 March"; a `to` given as an instant is
 * inclusive of that instant.
 */
export function timeRange(from?: string, to?: string): FieldCondition | undefined {
  if (from === undefined && to === undefined) return undefined;
  const lower =
    from === undefined ? {} : { gte: DATE_ONLY.test(from) ? new Date(BUSINESS_CALENDAR.dayStart(from)).toISOString() : utcInstant(from) };
  if (to === undefined) return lower;
  if (DATE_ONLY.test(to)) return { ...lower, lt: new Date(BUSINESS_CALENDAR.dayEnd(to) + 1).toISOString() };
  return { ...lower, lte: utcInstant(to) };
}
