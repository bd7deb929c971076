import { BUSINESS_CALENDAR, fromJalali, toJalali } from '@crm/shared/kernel';
import { activeSpans, isActiveAt, lossesIn, type ActiveSpan } from './activity-timeline';
import type { CustomerHistory } from './customer-history';
import { addMonths, daysBefore, iso } from './days';

export const BUCKETS = ['month', 'jalali'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** [start, end) in epoch ms. */
export interface Period {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

/** The business month (Tehran unless configured) of an instant, Gregorian or Jalali. */
export function monthKey(at: number, bucket: Bucket): string {
  return bucket === 'jalali' ? BUSINESS_CALENDAR.jalaliMonth(at) : BUSINESS_CALENDAR.month(at);
}

/** The first instant of the business month holding `at`, or of the one `offset` months on (of the bucket's calendar). */
export function monthStart(at: number, bucket: Bucket, offset = 0): number {
  const wall = new Date(BUSINESS_CALENDAR.toLocal(at));
  if (bucket === 'month') return BUSINESS_CALENDAR.fromLocal(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth() + offset, 1));
  const { jy, jm } = toJalali(wall);
  const index = jy * 12 + (jm - 1) + offset;
  return BUSINESS_CALENDAR.fromLocal(fromJalali(Math.floor(index / 12), (index % 12) + 1, 1).getTime());
}

/** Business calendar months (Gregorian, or Jalali) from the one holding `from` to the one holding `to`. */
export function monthPeriods(from: number, to: number, bucket: Bucket): Period[] {
  const periods: Period[] = [];
  for (let start = monthStart(from, bucket); start <= to; start = monthStart(start, bucket, 1)) {
    periods.push({ key: monthKey(start, bucket), start, end: monthStart(start, bucket, 1) });
  }
  return periods;
}

/** A customer's active spans, with the first purchase that made it one. */
export interface CustomerTimeline {
  readonly accountId: string;
  readonly firstPurchaseAt?: number;
  readonly spans: readonly ActiveSpan[];
}

export function customerTimelines(histories: readonly CustomerHistory[], inactivityDays: number, asOf: number): CustomerTimeline[] {
  return histories.map((history) => ({
    accountId: history.accountId,
    ...(history.purchases[0] ? { firstPurchaseAt: history.purchases[0].at } : {}),
    spans: activeSpans(history, inactivityDays, asOf),
  }));
}

export interface ChurnFigures {
  /** Customers active when the period began (its last instant before): the base the rate is taken over. */
  readonly activeAtStart: number;
  /** Customers whose first purchase falls in the period. */
  readonly new: number;
  /** Customers of the start-of-period base lost at least once in the period (a closing or the inactivity threshold passing). */
  readonly churned: number;
  /** Customers not in the base (new, or returned after a loss) and lost again within the same period: reported, not in the rate. */
  readonly lostOutsideBase: number;
  /** Of those, the ones whose first purchase was in the period. */
  readonly newAndLost: number;
  /** Active at the period's last instant, or at asOf for the period still running: the next period's base. */
  readonly activeAtEnd: number;
  /** Of churned, those still lost at the period's end (its last instant, or asOf): the base the period lost for good. */
  readonly lostAtEnd: number;
  /** Of new, those active at the period's end. */
  readonly newActiveAtEnd: number;
  /**
   * Customers neither in the base nor new and active at the period's end: lost before the period, back in it. With
   * the figures above, activeAtEnd = activeAtStart − lostAtEnd + newActiveAtEnd + returned (docs/metrics.md).
   */
  readonly returned: number;
  /** churned ÷ activeAtStart, a proportion 0–1 (half to even, 4 decimals when reported); null when nobody was active at the start. */
  readonly churnRate: number | null;
}

/**
 * Churn over [start, end), counting only what had happened by asOf. The base is who was active when the period
 * began: at its last instant before (the end of the period before, `activeAtEnd` there), so a customer lost at the
 * start instant itself (an inactivity threshold passing at midnight on the 1st) was in the base and churned in
 * this period, not reported outside the base.
 */
export function churnOver(customers: readonly CustomerTimeline[], start: number, end: number, asOf: number): ChurnFigures {
  const until = Math.min(end, asOf + 1);
  const base = customers.filter((c) => isActiveAt(c.spans, start - 1));
  const others = customers.filter((c) => !isActiveAt(c.spans, start - 1));
  const isNew = (c: CustomerTimeline) => c.firstPurchaseAt !== undefined && c.firstPurchaseAt >= start && c.firstPurchaseAt < until;
  const lost = (c: CustomerTimeline) => lossesIn(c.spans, start, until) > 0;
  const churned = base.filter(lost).length;
  const lostOutside = others.filter(lost);
  // The period's last instant: a loss at `end` belongs to the next period, whose base holds the customer.
  const endAt = end <= asOf ? end - 1 : asOf;
  const atEnd = (c: CustomerTimeline) => isActiveAt(c.spans, endAt);
  const joined = others.filter(atEnd);
  const newActiveAtEnd = joined.filter(isNew).length;
  return {
    activeAtStart: base.length,
    new: customers.filter(isNew).length,
    churned,
    lostOutsideBase: lostOutside.length,
    newAndLost: lostOutside.filter(isNew).length,
    activeAtEnd: customers.filter(atEnd).length,
    lostAtEnd: base.filter((c) => !atEnd(c)).length,
    newActiveAtEnd,
    returned: joined.length - newActiveAtEnd,
    churnRate: base.length === 0 ? null : churned / base.length,
  };
}

export interface PeriodChurn extends ChurnFigures {
  readonly period: string;
  readonly start: string;
  readonly end: string;
}

export function churnByPeriod(customers: readonly CustomerTimeline[], periods: readonly Period[], asOf: number): PeriodChurn[] {
  return periods
    .filter((period) => period.start <= asOf)
    .map((period) => ({
      period: period.key,
      start: iso(period.start),
      end: iso(period.end),
      ...churnOver(customers, period.start, period.end, asOf),
    }));
}

export const RETENTION_MONTHS = [1, 3, 6, 12] as const;

export interface Retention {
  readonly months: number;
  /** Cohort members whose first purchase was at least `months` ago at asOf. */
  readonly measured: number;
  /** Of those, active `months` calendar months after their own first purchase. */
  readonly retained: number;
  readonly rate: number | null;
}

export interface CohortRetention {
  readonly cohort: string;
  readonly customers: number;
  readonly retention: readonly Retention[];
}

/** Customers grouped by the month of their first purchase; only the cohorts named in `cohorts`, in that order. */
export function retentionByCohort(
  customers: readonly CustomerTimeline[],
  cohorts: readonly string[],
  bucket: Bucket,
  asOf: number,
): CohortRetention[] {
  // Each customer's cohort computed once (a month key is a date formatted), members in the customers' order.
  const byCohort = new Map<string, CustomerTimeline[]>();
  for (const c of customers) {
    if (c.firstPurchaseAt === undefined) continue;
    const key = monthKey(c.firstPurchaseAt, bucket);
    const members = byCohort.get(key);
    if (members) members.push(c);
    else byCohort.set(key, [c]);
  }
  return cohorts.map((cohort) => {
    const members = byCohort.get(cohort) ?? [];
    const retention = RETENTION_MONTHS.map((months) => {
      const due = members.map((c) => ({ spans: c.spans, at: addMonths(c.firstPurchaseAt as number, months) })).filter((c) => c.at <= asOf);
      const retained = due.filter((c) => isActiveAt(c.spans, c.at)).length;
      return { months, measured: due.length, retained, rate: due.length === 0 ? null : retained / due.length };
    });
    return { cohort, customers: members.length, retention };
  });
}

/** The first instant of the 365 days up to and including asOf. */
export const yearBefore = (asOf: number): number => daysBefore(asOf + 1, 365);

/** The 365 days up to and including asOf: the annual churn rate customer value uses. */
export function annualChurn(customers: readonly CustomerTimeline[], asOf: number): ChurnFigures & { readonly from: number } {
  const from = yearBefore(asOf);
  return { from, ...churnOver(customers, from, asOf + 1, asOf) };
}
