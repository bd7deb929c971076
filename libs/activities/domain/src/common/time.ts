import { DomainError } from '@crm/shared/event-sourcing';
import { FIRST_YEAR, LAST_YEAR, oneSpelling, type Refusal } from '@crm/shared/kernel';

// An offset is required: without one Date.parse reads the machine's local time, so a
// replay on a server in another time zone would compute different due times. The forms are
// those the OpenAPI document publishes (the edge's INSTANT_PATTERN): Z, ±hh:mm or ±hhmm.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;
const OFFSET = /([+-])(\d{2}):?(\d{2})$/;

/** The last instant toISOString still writes with a four-digit year. */
export const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const withinYears = (year: number): boolean => year >= FIRST_YEAR && year <= LAST_YEAR;

/**
 * Milliseconds since the epoch of an ISO 8601 time with offset. Malformed input is a
 * 400 naming the field (the aggregate's INVALID_TIME), not a business refusal; so is a
 * time outside the years every date is kept in (FIRST_YEAR–LAST_YEAR), as written and in
 * UTC alike: 2199-12-31T23:00-23:59 is in 2200 once its offset is applied.
 */
export function instantOf(value: string, field: string, refusal: Refusal<string, 400>): number {
  const ms = typeof value === 'string' && ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  // Date.parse rolls 30 February over to 2 March and 24:00 to the next day; a due time typed wrong must not move silently.
  const asWritten = !Number.isNaN(ms) && ms <= LAST_INSTANT && wallClock(ms, value) === value.slice(0, 16).toUpperCase();
  if (!asWritten) {
    throw new DomainError(refusal, `${field} must be an ISO 8601 time with offset, got "${value}"`, {
      fields: [field],
    });
  }
  if (!withinYears(Number(value.slice(0, 4))) || !withinYears(new Date(ms).getUTCFullYear())) {
    throw new DomainError(refusal, `${field} must fall in the years ${FIRST_YEAR}–${LAST_YEAR}, as written and in UTC, got "${value}"`, {
      fields: [field],
    });
  }
  return ms;
}

/** Offset of an ISO time in minutes east of UTC ('Z' → 0); the string was checked by instantOf. */
export function offsetMinutesOf(value: string): number {
  const match = OFFSET.exec(value);
  if (match === null) return 0;
  const [, sign, hours, minutes] = match;
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
}

function wallClock(ms: number, value: string): string {
  return new Date(ms + offsetMinutesOf(value) * 60_000).toISOString().slice(0, 16);
}

/** Due times are stored in one form (UTC, milliseconds) so they sort and compare as strings. */
export function utcIso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A time kept as written (a completion, an interaction: the offset says where it happened), in one spelling (the
 * kernel's `oneSpelling`: T and Z in capitals, the offset as ±hh:mm). The string was checked by instantOf.
 */
export const writtenInstant = oneSpelling;
