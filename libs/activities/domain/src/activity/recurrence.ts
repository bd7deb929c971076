import { DomainError } from '@crm/shared/event-sourcing';
import { BUSINESS_CALENDAR, type BusinessCalendar, compact, LAST_YEAR, type Refusal } from '@crm/shared/kernel';
import { ACTIVITY_REFUSALS } from './activity.refusals';
import { instantOf, LAST_INSTANT, utcIso } from '../common/time';
import type { Recurrence, RecurrenceFrequency } from './activity.commands';

/** A series longer than this is a calendar feed, not a follow-up plan; it would also bloat every event. */
export const MAX_OCCURRENCES = 500;

const FREQUENCIES: readonly RecurrenceFrequency[] = ['daily', 'weekly', 'monthly', 'yearly'];
const DAY_MS = 86_400_000;

function invalid(message: string, fields: string[], refusal: Refusal<string, 400> = ACTIVITY_REFUSALS.INVALID_RECURRENCE): DomainError {
  return new DomainError(refusal, message, { fields });
}

const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Every bad field at once, so a form can mark them all. */
function checkRecurrence(recurrence: Recurrence): void {
  const fields: string[] = [];
  if (!FREQUENCIES.includes(recurrence.frequency)) fields.push('recurrence.frequency');
  if (!isWhole(recurrence.interval) || recurrence.interval < 1) fields.push('recurrence.interval');
  const hasCount = recurrence.count !== undefined;
  const hasUntil = recurrence.until !== undefined;
  if (hasCount === hasUntil) fields.push('recurrence.count', 'recurrence.until');
  else if (hasCount && (!isWhole(recurrence.count) || recurrence.count < 1 || recurrence.count > MAX_OCCURRENCES)) {
    fields.push('recurrence.count');
  }
  if (fields.length > 0) {
    throw invalid(
      `recurrence needs a frequency (${FREQUENCIES.join(', ')}), an interval ≥ 1 and exactly one of count (1–${MAX_OCCURRENCES}) or until`,
      fields,
    );
  }
}

/** Day 0 of the next month is the last day of this one. setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999. */
function utcDate(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  return date.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcDate(year, month + 1, 0)).getUTCDate();
}

/**
 * The k-th due time on the wall clock of `start` (a wall-clock reading written as UTC ms, read with getUTC*).
 * Months and years keep the first occurrence's day of month, clamped to the month's
 * last day: a series from 31 January falls on 28/29 February, then 31 March again;
 * from 29 February, on 28 February in common years.
 */
function stepper(frequency: RecurrenceFrequency, interval: number, start: number): (k: number) => number {
  if (frequency === 'daily' || frequency === 'weekly') {
    const step = interval * (frequency === 'weekly' ? 7 : 1) * DAY_MS;
    return (k) => start + k * step;
  }
  const first = new Date(start);
  const months = interval * (frequency === 'yearly' ? 12 : 1);
  const timeOfDay = start - utcDate(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate());
  return (k) => {
    const total = first.getUTCMonth() + k * months;
    const year = first.getUTCFullYear() + Math.floor(total / 12);
    const month = total % 12;
    return utcDate(year, month, Math.min(first.getUTCDate(), daysInMonth(year, month))) + timeOfDay;
  };
}

/**
 * Due time of every occurrence, as UTC ISO instants; the first is `dueAt` itself, and
 * there is one entry when `recurrence` is absent. Pure for a given calendar: the same
 * input always gives the same series, so the scheduled event carries it and replays
 * never recompute it.
 *
 * Calendar steps (a day, a month) are taken on the wall clock of the business time zone
 * (`CRM_BUSINESS_TIME_ZONE`, Asia/Tehran unless configured), with its rules, whatever
 * offset dueAt is written in: 01:00 on the 1st in Tehran stays on the 1st of each month
 * in Tehran though it is the 28th–31st in UTC, and sent as `…T21:30:00Z` it is the same
 * series as sent as `…T01:00:00+03:30`. A series across Iran's old daylight time (to
 * 2022) keeps its local hour; a wall-clock time the clock jumped over is read with the
 * offset before the jump (00:30 on a day the clock went from 00:00 to 01:00 is 01:30), as
 * RFC 5545 reads it.
 */
export function expandRecurrence(
  dueAt: string,
  recurrence?: Recurrence,
  calendar: BusinessCalendar = BUSINESS_CALENDAR,
): [string, ...string[]] {
  const start = instantOf(dueAt, 'dueAt', ACTIVITY_REFUSALS.INVALID_TIME);
  if (recurrence === undefined) return [utcIso(start)];
  checkRecurrence(recurrence);
  const until =
    recurrence.until === undefined ? undefined : instantOf(recurrence.until, 'recurrence.until', ACTIVITY_REFUSALS.INVALID_TIME);
  if (until !== undefined && until < start) throw invalid('recurrence.until is before dueAt', ['recurrence.until']);

  const nth = stepper(recurrence.frequency, recurrence.interval, calendar.toLocal(start));
  const limit = until ?? LAST_INSTANT;
  const count = recurrence.count ?? MAX_OCCURRENCES + 1;
  // The first occurrence is dueAt itself, which instantOf and the until check already bound.
  const occurrences: [string, ...string[]] = [utcIso(start)];
  for (let k = 1; k < count; k += 1) {
    const wall = nth(k);
    const due = calendar.fromLocal(wall);
    if (due > limit) break;
    // The years every date the CRM records falls in, once its offset is applied (as kept, in UTC): a reschedule to
    // 2300 is refused, so no series may hold one either.
    if (new Date(due).getUTCFullYear() > LAST_YEAR) {
      throw invalid(`recurrence runs past the year ${LAST_YEAR}`, ['recurrence.interval', 'recurrence.count']);
    }
    occurrences.push(utcIso(due));
  }
  if (occurrences.length > MAX_OCCURRENCES) {
    throw invalid(
      `recurrence.until gives more than ${MAX_OCCURRENCES} occurrences`,
      ['recurrence.until'],
      ACTIVITY_REFUSALS.RECURRENCE_TOO_LONG,
    );
  }
  return occurrences;
}

/** The recurrence as recorded: only its own fields, until in the same UTC form as the due times. */
export function recordedRecurrence(recurrence: Recurrence): Recurrence {
  const { frequency, interval, count, until } = recurrence;
  return compact({
    frequency,
    interval,
    count,
    until: until === undefined ? undefined : utcIso(instantOf(until, 'recurrence.until', ACTIVITY_REFUSALS.INVALID_TIME)),
  });
}
