import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import { FIRST_YEAR, LAST_YEAR } from '@crm/shared/http';
import { UsageError } from './args';

const DATE_ONLY = /^(\d{4}-\d{2}-\d{2})$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An ISO 8601 instant from the command line, in ms. A time must carry its
 * offset (a bare local time would mean something else on every machine).
 * A date alone is a whole business day (`CRM_BUSINESS_TIME_ZONE`, Asia/Tehran
 * unless configured): its first instant as a start (`--from`), the first
 * instant of the next day as an end (`--to`, `--as-of`), so `--to 2025-03-31`
 * includes the 31st, Tehran time.
 */
export function parseInstant(text: string, edge: 'start' | 'end', option: string): number {
  const date = DATE_ONLY.exec(text)?.[1] ?? DATE_TIME.exec(text)?.[1];
  const ms = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  // Date.parse rolls 2025-02-30 over into March: refuse a calendar date that does not exist.
  const dayOf = (value: number) => new Date(value).toISOString().slice(0, 10);
  const written = Date.parse(`${date}T00:00:00Z`);
  if (date === undefined || Number.isNaN(ms) || Number.isNaN(written) || dayOf(written) !== date) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)} is not an ISO date (2025-03-01) or date-time with offset (2025-03-01T09:00:00+03:30)`,
    );
  }
  // The years the API takes (1900–2199): a Jalali date (1404-01-10) would otherwise be read as a Gregorian one, 600
  // years back, and build or export from an empty past without a word.
  const year = Number(date.slice(0, 4));
  if (year < FIRST_YEAR || year > LAST_YEAR) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)} is outside the years ${FIRST_YEAR}–${LAST_YEAR} (a Jalali date? give the Gregorian one)`,
    );
  }
  if (!DATE_ONLY.test(text)) return ms;
  return edge === 'end' ? BUSINESS_CALENDAR.dayEnd(date) + 1 : BUSINESS_CALENDAR.dayStart(date);
}

const POSITION = /^\d+$|^\d+\/\d+$|^\d+:\d+$/;

/** `--as-of`: a log position (as `status` and command replies print them) or an ISO date / date-time. */
export type AsOfArgument = { readonly position: string } | { readonly occurredBefore: string };

export function parseAsOf(text: string): AsOfArgument {
  if (POSITION.test(text)) return { position: text };
  // A date alone ends with its business day; a date-time is taken in, as the API's asOf takes it (at or before): an
  // event recorded at that very instant counts in both (an outside probe counted one complaint less here).
  const end = parseInstant(text, 'end', '--as-of');
  return { occurredBefore: new Date(DATE_ONLY.test(text) ? end : end + 1).toISOString() };
}
