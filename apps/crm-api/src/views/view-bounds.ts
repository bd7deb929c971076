import { RequestValidationError, type BodyRule } from '@crm/shared/http';
import { timeRange, type FieldCondition } from '@crm/shared/read-model';

/**
 * A period (from `timeRange`) that ends before it starts is a bad request naming `to` (or what the query calls its
 * bounds), not an empty answer: `from` and `to` on the same business day, or on the same instant, are a period.
 */
export function assertPeriod(period: FieldCondition | undefined, names: { from: string; to: string } = { from: 'from', to: 'to' }): void {
  if (isUpsideDown(period))
    throw new RequestValidationError([{ field: names.to, messages: [`${names.to} must not be before ${names.from}`] }]);
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
export const PERIOD_IN_ORDER: BodyRule = periodInOrder('from', 'to');

/** PERIOD_IN_ORDER for a period whose bounds the query names otherwise (an activity list's `dueFrom`, `dueTo`). */
export function periodInOrder(from: string, to: string): BodyRule {
  return {
    reads: [from, to],
    check: (query) => {
      const [low, high] = [query[from], query[to]];
      if (typeof low === 'string' && typeof high === 'string') assertPeriod(timeRange(low, high), { from, to });
    },
  };
}

/**
 * The instant a view's figures are taken at: `asOf` (already an instant) or now, and never after now. A later asOf
 * would count as passed what has not happened yet (a milestone overdue hours before its deadline, a customer lost
 * before the inactivity is over); "as of today" is "as of now".
 */
export function asOfNoLaterThan(asOf: number | undefined, now: number): number {
  return asOf === undefined ? now : Math.min(asOf, now);
}
