import { BUSINESS_CALENDAR, InvalidValueError } from '@crm/shared/kernel';

export const DAY_MS = 86_400_000;

/** Days are business days (`BUSINESS_CALENDAR`: Asia/Tehran unless configured): the local day's number since 1970. */
export const dayNumber = (ms: number): number => BUSINESS_CALENDAR.dayNumber(ms);

/** The first instant of business day number `day`. */
export const startOfDayNumber = (day: number): number => BUSINESS_CALENDAR.fromLocal(day * DAY_MS);

/** Whole calendar days from `earlier` to `later`: a purchase yesterday at 23:00 is 1 day ago this morning. */
export const daysBetween = (earlier: number, later: number): number => dayNumber(later) - dayNumber(earlier);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO date or instant with offset. A bare date stands for the start of that
 * business day, or its last millisecond with `bareDate: 'end'`: "as of 2026-01-31"
 * includes purchases made on the 31st, Tehran time.
 */
export function instantOf(value: string, field: string, bareDate: 'start' | 'end' = 'start'): number {
  const date = DATE.exec(value);
  const parts = date ?? INSTANT.exec(value);
  const ms = !date ? Date.parse(value) : bareDate === 'end' ? BUSINESS_CALENDAR.dayEnd(value) : BUSINESS_CALENDAR.dayStart(value);
  // Date.parse rolls 2025-02-30 over into March; the written day must survive.
  const written = parts ? `${parts[1]}-${parts[2]}-${parts[3]}` : '';
  if (!parts || Number.isNaN(ms) || new Date(Date.parse(written)).toISOString().slice(0, 10) !== written) {
    throw new InvalidValueError('DATE.INVALID', `${field} must be an ISO 8601 date or instant with offset, got "${value}"`);
  }
  return ms;
}

export const asOfInstant = (value: string): number => instantOf(value, 'asOf', 'end');

/**
 * The same wall-clock time `months` business-calendar months later, the day clamped to the month's end (Jan 31 + 1 →
 * Feb 28/29).
 */
export function addMonths(ms: number, months: number): number {
  const wall = BUSINESS_CALENDAR.toLocal(ms);
  const date = new Date(wall);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return BUSINESS_CALENDAR.fromLocal(target.getTime() + (((wall % DAY_MS) + DAY_MS) % DAY_MS));
}

/** The instant `days` business days before `ms` at the same wall-clock time (24 hours each, but across a change of offset). */
export const daysBefore = (ms: number, days: number): number => BUSINESS_CALENDAR.fromLocal(BUSINESS_CALENDAR.toLocal(ms) - days * DAY_MS);

export const iso = (ms: number): string => new Date(ms).toISOString();
