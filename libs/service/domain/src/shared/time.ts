import { DomainError } from '@crm/shared/event-sourcing';
import { InvalidValueError, isAheadOf, type Refusal } from '@crm/shared/kernel';

// An offset is required: without one Date.parse reads local time, so a replay on a
// machine in another time zone would compute different deadlines. The forms are those the
// OpenAPI document publishes: Z, ±hh:mm or ±hhmm.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds since the epoch of an ISO 8601 time with offset; malformed input is a 400, not a rule. */
export function instantOf(value: string, field: string): number {
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidValueError('TIME.INVALID', `${field} must be an ISO 8601 time with offset, got "${value}"`);
  }
  return ms;
}

/**
 * A customer's answer or word given before it is recorded (a paper survey or a phone call entered later) is dated when
 * it was given, which is never after it is recorded beyond the clock skew: 400 `refusal` naming `field`.
 */
export function assertGivenBy(field: string, givenAt: string, recordedAt: string, refusal: Refusal<string, 400>): void {
  if (isAheadOf(givenAt, recordedAt)) {
    throw new DomainError(refusal, `${field} ${givenAt} is after the moment it is recorded (${recordedAt})`, { fields: [field] });
  }
}

export function addMinutes(iso: string, minutes: number, field: string): string {
  return new Date(instantOf(iso, field) + minutes * 60_000).toISOString();
}
