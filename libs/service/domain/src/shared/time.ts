import { InvalidValueError } from '@crm/shared/kernel';

// An offset is required: without one Date.parse reads local time, so a replay on a
// machine in another time zone would compute different deadlines.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an ISO 8601 time with offset; malformed input is a 400, not a rule. */
export function instantOf(value: string, field: string): number {
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidValueError('TIME.INVALID', `${field} must be an ISO 8601 time with offset, got "${value}"`);
  }
  return ms;
}

export function addMinutes(iso: string, minutes: number, field: string): string {
  return new Date(instantOf(iso, field) + minutes * 60_000).toISOString();
}
