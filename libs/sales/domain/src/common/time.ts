import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export { CLOCK_SKEW_MS } from '@crm/shared/kernel';

/**
 * Whether `at` falls after the deadline. A date-only deadline ('2025-03-20') lasts the
 * whole of that business day (BUSINESS_CALENDAR: Asia/Tehran unless configured), however
 * `at` is written: 00:30 on the 21st in Tehran is after it, also written 21:00Z on the 20th.
 * A full timestamp is compared as an instant.
 */
export function isAfterDeadline(at: string, deadline: string): boolean {
  if (DATE_ONLY.test(deadline)) return BUSINESS_CALENDAR.day(at) > deadline;
  return Date.parse(at) > Date.parse(deadline);
}
