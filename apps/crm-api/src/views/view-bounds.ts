import { RequestValidationError, type BodyRule } from '@crm/shared/http';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import { AS_OF_DAY_PRECISION, timeRange, type AsOfDay, type FieldCondition } from '@crm/shared/read-model';

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
 * A period of past facts (complaints received, answers given, leads captured) that starts after the instant its figures
 * are taken at (asOf, or now) can hold nothing: a bad request naming `from`, as churn's range is, not an empty answer
 * (an outside probe found churn refusing what satisfaction and the complaint KPIs answered with nothing).
 */
export function assertStartsBy(period: FieldCondition | undefined, at: number, atName: 'asOf' | 'now'): void {
  const start = period?.gte;
  if (typeof start === 'string' && Date.parse(start) > at)
    throw new RequestValidationError([{ field: 'from', messages: [`from must not be after ${atName}`] }]);
}

/**
 * `assertStartsBy` as a query rule (AlsoChecks): a `from` after now (or after asOf, read by `asOfAt` as the view reads
 * it: an instant, or the end of its business day) is named beside the query's other bad parameters in one 400. Alone,
 * the handler says it, against its own clock. A view that takes no asOf with a period passes no `asOfAt`.
 */
export function startsBy(asOfAt?: (asOf: string) => number): BodyRule {
  return {
    reads: asOfAt === undefined ? ['from'] : ['from', 'asOf'],
    check: (query, now) => {
      const [from, asOf] = [query['from'], query['asOf']];
      if (typeof from !== 'string') return;
      let period: FieldCondition | undefined;
      let [at, name]: [number, 'now' | 'asOf'] = [Date.parse(now), 'now'];
      try {
        period = timeRange(from);
        const given = asOfAt !== undefined && typeof asOf === 'string' ? asOfAt(asOf) : Number.NaN;
        if (given < at) [at, name] = [given, 'asOf'];
      } catch {
        return; // a value the checks refuse is theirs to name
      }
      assertStartsBy(period, at, name);
    },
  };
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

/** "As of 31 March" means at the end of that business day, like the `to` of a period; an instant is taken as it is. */
export function asOfInstant(value: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? BUSINESS_CALENDAR.dayEnd(value) : Date.parse(value);
}

/**
 * The business day an aggregate view answers as of (API.md: exact to the end of asOf's business day), from a checked
 * `asOf` (`DateOrInstant`: a date, or an instant in one spelling): a date is that day, an instant the day holding it,
 * and a later asOf than now is today. `reply` is what the view adds to its answer: the day's last instant, or now while
 * that day runs (today's figures are those recorded so far: an outside probe read a reply that called a day not over yet
 * closed, and the complaint KPIs and churn say now), and its precision.
 */
export function asOfBusinessDay(value: string, now: number): { readonly day: string; readonly reply: AsOfDay } {
  const day = BUSINESS_CALENDAR.day(asOfNoLaterThan(asOfInstant(value), now));
  const end = Math.min(BUSINESS_CALENDAR.dayEnd(day), now);
  return { day, reply: { asOf: new Date(end).toISOString(), asOfPrecision: AS_OF_DAY_PRECISION } };
}

/**
 * The query rule (AlsoChecks) of a view whose figures as of a past day are kept for the whole history only: asOf with
 * `from` or `to` is a 400 naming asOf, beside the query's other bad parameters, saying `why`.
 */
export function asOfWithoutPeriod(why: string): BodyRule {
  return {
    // asOf only: from/to count by being there, whatever they hold, so a malformed `from` is named beside asOf, not instead of it.
    reads: ['asOf'],
    check: ({ asOf, from, to }) => {
      // Any value of from/to, a repeated one (an array) among them: an outside probe found `from=a&from=b` hid it.
      if (typeof asOf === 'string' && (from !== undefined || to !== undefined)) {
        throw new RequestValidationError([{ field: 'asOf', messages: [`asOf cannot be combined with from/to: ${why}`] }]);
      }
    },
  };
}

/**
 * A query's rules over several parameters, asked again by the handler: the validation pipe names a broken one in the
 * 400 only beside another bad parameter, and leaves one broken alone to the handler (as it leaves a command's one
 * broken rule to its decider).
 */
export function assertRules(query: object, ...rules: readonly BodyRule[]): void {
  for (const rule of rules) rule.check(query as Record<string, unknown>, new Date().toISOString());
}
