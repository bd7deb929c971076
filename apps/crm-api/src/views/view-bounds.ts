import { RequestValidationError, type BodyRule } from '@crm/shared/http';
import { timeRange, type FieldCondition } from '@crm/shared/read-model';

const TO_BEFORE_FROM = 'to must not be before from';

/**
 * A period (from `timeRange`) that ends before it starts is a bad request naming `to`, not an empty answer: `from` and
 * `to` on the same business day, or on the same instant, are a period.
 */
export function assertPeriod(period: FieldCondition | undefined): void {
  if (isUpsideDown(period)) throw new RequestValidationError([{ field: 'to', messages: [TO_BEFORE_FROM] }]);
}

function isUpsideDown(period: FieldCondition | undefined): boolean {
  const start = period?.gte;
  const end = period?.lt ?? period?.lte;
  if (typeof start !== 'string' || typeof end !== 'string') return false;
  const [from, to] = [Date.parse(start), Date.parse(end)];
  return period?.lt !== undefined ? to <= from : to < from;
}

/**
 * The query rule (AlsoChecks) of a view whose period is `timeRange(from, to)`: the same refusal as `assertPeriod`,
 * named by the edge beside the query's other bad parameters in one 400 (alone, `assertPeriod` says it).
 */
export const PERIOD_IN_ORDER: BodyRule = {
  reads: ['from', 'to'],
  check: ({ from, to }) => {
    if (typeof from === 'string' && typeof to === 'string') assertPeriod(timeRange(from, to));
  },
};

/**
 * The instant a view's figures are taken at: `asOf` (already an instant) or now, and never after now. A later asOf
 * would count as passed what has not happened yet (a milestone overdue hours before its deadline, a customer lost
 * before the inactivity is over); "as of today" is "as of now".
 */
export function asOfNoLaterThan(asOf: number | undefined, now: number): number {
  return asOf === undefined ? now : Math.min(asOf, now);
}
