const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export { CLOCK_SKEW_MS } from '@crm/shared/kernel';

/**
 * Whether `at` falls after the deadline. A date-only deadline ('2025-03-20') lasts the
 * whole of that day in the caller's own offset, so it is compared with the calendar date
 * written in `at`; a full timestamp is compared as an instant.
 */
export function isAfterDeadline(at: string, deadline: string): boolean {
  if (DATE_ONLY.test(deadline)) return at.slice(0, 10) > deadline;
  return Date.parse(at) > Date.parse(deadline);
}
