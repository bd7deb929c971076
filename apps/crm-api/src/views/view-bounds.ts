import { RequestValidationError } from '@crm/shared/http';
import type { FieldCondition } from '@crm/shared/read-model';

/**
 * A period (from `timeRange`) that ends before it starts is a bad request naming `to`, not an empty answer: `from` and
 * `to` on the same business day, or on the same instant, are a period.
 */
export function assertPeriod(period: FieldCondition | undefined): void {
  const start = period?.gte;
  const end = period?.lt ?? period?.lte;
  if (typeof start !== 'string' || typeof end !== 'string') return;
  const [from, to] = [Date.parse(start), Date.parse(end)];
  if (period?.lt !== undefined ? to > from : to >= from) return;
  throw new RequestValidationError([{ field: 'to', messages: ['to must not be before from'] }]);
}

/**
 * The instant a view's figures are taken at: `asOf` (already an instant) or now, and never after now. A later asOf
 * would count as passed what has not happened yet (a milestone overdue hours before its deadline, a customer lost
 * before the inactivity is over); "as of today" is "as of now".
 */
export function asOfNoLaterThan(asOf: number | undefined, now: number): number {
  return asOf === undefined ? now : Math.min(asOf, now);
}
