import { DomainError } from '@crm/shared/event-sourcing';
import type { Refusal } from '@crm/shared/kernel';

// An offset is required: without one Date.parse reads the machine's local time, so a
// replay on a server in another time zone would compute different due times.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The last instant toISOString still writes with a four-digit year. */
export const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Milliseconds since the epoch of an ISO 8601 time with offset. Malformed input is a
 * 400 naming the field (the aggregate's INVALID_TIME), not a business refusal.
 */
export function instantOf(value: string, field: string, refusal: Refusal<string, 400>): number {
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  // Date.parse rolls 30 February over to 2 March and 24:00 to the next day; a due time typed wrong must not move silently.
  const asWritten = !Number.isNaN(ms) && ms <= LAST_INSTANT && wallClock(ms, value) === value.slice(0, 16);
  if (!asWritten) {
    throw new DomainError(refusal, `${field} must be an ISO 8601 time with offset, got "${value}"`, {
      fields: [field],
    });
  }
  return ms;
}

/** Offset of an ISO time in minutes east of UTC ('Z' → 0); the string was checked by instantOf. */
export function offsetMinutesOf(value: string): number {
  const match = /([+-])(\d{2}):(\d{2})$/.exec(value);
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
