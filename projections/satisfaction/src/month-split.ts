import { jalaliMonthKey } from '@crm/shared/kernel';

export type MonthBucket = 'month' | 'jalali';

const DAY_MS = 86_400_000;
// Days here are business days ('YYYY-MM-DD' of BUSINESS_CALENDAR) taken as calendar dates: moving by whole days and
// reading a date's month (Gregorian or Jalali) is calendar arithmetic on the label, the same in any zone.
const shift = (day: string, days: number): string =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** The month (of the bucket's calendar) a business day belongs to: both calendars' months are unions of business days. */
export const monthOfDay = (bucket: MonthBucket, day: string): string =>
  bucket === 'month' ? day.slice(0, 7) : jalaliMonthKey(`${day}T00:00:00.000Z`);

/** How whole business days [firstDay, endDay) split into whole months of a calendar and the days around them. */
export interface MonthDaySplit {
  /** The whole months, by period key (inclusive bounds; an absent bound is open); absent when there is none. */
  readonly months?: { readonly gte?: string; readonly lte?: string };
  /** Day ranges [gte, lt) outside the whole months. */
  readonly days: readonly { readonly gte?: string; readonly lt?: string }[];
}

/** The first day, at or after `day`, that starts a month (at most a month of days walked). */
function monthStartFrom(bucket: MonthBucket, day: string): string {
  let start = day;
  while (monthOfDay(bucket, shift(start, -1)) === monthOfDay(bucket, start)) start = shift(start, 1);
  return start;
}

/** The last day, at or before `day`, that starts a month. */
function monthStartUpTo(bucket: MonthBucket, day: string): string {
  let start = day;
  while (monthOfDay(bucket, shift(start, -1)) === monthOfDay(bucket, start)) start = shift(start, -1);
  return start;
}

/** Splits whole days [firstDay, endDay) (either side open) into whole months and the part-months at the edges. */
export function splitDaysByMonth(bucket: MonthBucket, firstDay: string | undefined, endDay: string | undefined): MonthDaySplit {
  if (firstDay !== undefined && endDay !== undefined && firstDay >= endDay) return { days: [] };
  const wholeFrom = firstDay === undefined ? undefined : monthStartFrom(bucket, firstDay);
  const wholeEnd = endDay === undefined ? undefined : monthStartUpTo(bucket, endDay);
  if (wholeFrom !== undefined && wholeEnd !== undefined && wholeFrom >= wholeEnd) return { days: [{ gte: firstDay, lt: endDay }] };
  const days: { gte?: string; lt?: string }[] = [];
  if (firstDay !== undefined && wholeFrom !== undefined && firstDay < wholeFrom) days.push({ gte: firstDay, lt: wholeFrom });
  if (endDay !== undefined && wholeEnd !== undefined && wholeEnd < endDay) days.push({ gte: wholeEnd, lt: endDay });
  const months = {
    ...(wholeFrom === undefined ? {} : { gte: monthOfDay(bucket, wholeFrom) }),
    ...(wholeEnd === undefined ? {} : { lte: monthOfDay(bucket, shift(wholeEnd, -1)) }),
  };
  return { months, days };
}
