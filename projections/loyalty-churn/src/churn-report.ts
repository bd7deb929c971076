import { InvalidValueError, refusals } from '@crm/shared/kernel';
import { isActiveAt } from './activity-timeline';
import {
  annualChurn,
  yearBefore,
  churnByPeriod,
  customerTimelines,
  monthPeriods,
  monthStart,
  retentionByCohort,
  type Bucket,
  type ChurnFigures,
  type CohortRetention,
  type CustomerTimeline,
  type Period,
  type PeriodChurn,
} from './churn';
import type { CustomerHistory } from './customer-history';
import { roundHalfEven, RATIO_PLACES } from '@crm/shared/kernel';

const round = (value: number): number => roundHalfEven(value, RATIO_PLACES);
import { iso } from './days';

export const MAX_PERIODS = 120;

export interface ChurnReportOptions {
  readonly asOf: number;
  readonly inactivityDays: number;
  readonly bucket: Bucket;
  /** Default: the month holding `to`, 11 months back (a year of periods). */
  readonly from?: number;
  /** Default and upper bound: asOf. */
  readonly to?: number;
}

export interface ChurnReport {
  readonly asOf: string;
  readonly bucket: Bucket;
  readonly inactivityDays: number;
  /** Accounts with a purchase by asOf, and those of them active at asOf. */
  readonly customers: number;
  readonly activeCustomers: number;
  readonly periods: readonly PeriodChurn[];
  /** One cohort per period, by first-purchase month. */
  readonly retention: readonly CohortRetention[];
  /** The 365 days up to asOf: the churn rate customer value is computed with. */
  readonly annual: ChurnFigures & { readonly from: string; readonly to: string };
}

const rounded = <T extends { churnRate: number | null }>(figures: T): T => ({
  ...figures,
  churnRate: figures.churnRate === null ? null : round(figures.churnRate),
});

export function churnReport(histories: readonly CustomerHistory[], options: ChurnReportOptions): ChurnReport {
  return churnReportOf(customerTimelines(histories, options.inactivityDays, options.asOf), options);
}

/** What the churn report refuses to compute (400). */
export const CHURN_REFUSALS = refusals('CHURN', {
  RANGE_INVALID: [400, '`from` is after `to` or after asOf'],
  RANGE_TOO_LONG: [400, 'More months than one report covers'],
});

/** The periods a report covers: checked, so a bad range fails before any history is read. */
export function churnPeriods(options: ChurnReportOptions): Period[] {
  const { asOf, bucket } = options;
  const to = Math.min(options.to ?? asOf, asOf);
  // Twelve periods by default, of the bucket's own calendar: eleven Jalali months back for Jalali ones.
  const from = options.from ?? monthStart(to, bucket, -11);
  if (from > to) {
    const field = options.to !== undefined && options.to <= asOf ? 'to' : 'from';
    throw new InvalidValueError(CHURN_REFUSALS.RANGE_INVALID.code, '`from` must not be after `to` (nor after asOf)', [field]);
  }
  const periods = monthPeriods(from, to, bucket);
  if (periods.length > MAX_PERIODS)
    throw new InvalidValueError(CHURN_REFUSALS.RANGE_TOO_LONG.code, `at most ${MAX_PERIODS} periods per request`);
  return periods;
}

/** The report from every customer's timeline (`customerTimelines` as of the same asOf and threshold). */
export function churnReportOf(timelines: readonly CustomerTimeline[], options: ChurnReportOptions): ChurnReport {
  const { asOf, inactivityDays, bucket } = options;
  const periods = churnPeriods(options);
  const { from: yearAgo, ...annual } = annualChurn(timelines, asOf);
  const retention = retentionByCohort(
    timelines,
    periods.map((p) => p.key),
    bucket,
    asOf,
  ).map((cohort) => ({
    ...cohort,
    retention: cohort.retention.map((r) => ({ ...r, rate: r.rate === null ? null : round(r.rate) })),
  }));
  return {
    asOf: iso(asOf),
    bucket,
    inactivityDays,
    customers: timelines.filter((t) => t.firstPurchaseAt !== undefined).length,
    activeCustomers: timelines.filter((t) => isActiveAt(t.spans, asOf)).length,
    periods: churnByPeriod(timelines, periods, asOf).map(rounded),
    retention,
    annual: { from: iso(yearAgo), to: iso(asOf), ...rounded(annual) },
  };
}

/**
 * A report computed as of one instant, restated as of another that
 * `reusableAt` accepts for its population and that covers the same periods:
 * only the instants it names change.
 */
export function churnReportAt(report: ChurnReport, asOf: number): ChurnReport {
  return { ...report, asOf: iso(asOf), annual: { ...report.annual, from: iso(yearBefore(asOf)), to: iso(asOf) } };
}

/** The figures of a period that count customers: what adds up over groups of customers (every one but the rate). */
const CHURN_COUNTS = [
  'activeAtStart',
  'new',
  'churned',
  'lostOutsideBase',
  'newAndLost',
  'activeAtEnd',
  'lostAtEnd',
  'newActiveAtEnd',
  'returned',
] as const satisfies readonly Exclude<keyof ChurnFigures, 'churnRate'>[];
/** Every count is in the list: a figure added to ChurnFigures and left out of it fails to compile here. */
const everyCount: [Exclude<keyof ChurnFigures, 'churnRate' | (typeof CHURN_COUNTS)[number]>] extends [never] ? true : never = true;
void everyCount;

/**
 * The report over several groups of customers, from each group's report (same options): every figure is a count
 * of customers, so they add up, and the rates are taken again over the sums. Lets a caller compute a report a slice
 * of customers at a time.
 */
export function sumChurnReports(parts: readonly ChurnReport[]): ChurnReport {
  const [first, ...rest] = parts;
  if (first === undefined) throw new RangeError('no report to sum');
  const add = <T extends ChurnFigures>(a: T, b: ChurnFigures): T => {
    const sum: T = { ...a, ...Object.fromEntries(CHURN_COUNTS.map((count) => [count, a[count] + b[count]])) };
    return { ...sum, churnRate: sum.activeAtStart === 0 ? null : round(sum.churned / sum.activeAtStart) };
  };
  return rest.reduce(
    (total, part) => ({
      ...total,
      customers: total.customers + part.customers,
      activeCustomers: total.activeCustomers + part.activeCustomers,
      periods: total.periods.map((period, i) => add(period, part.periods[i] as PeriodChurn)),
      retention: total.retention.map((cohort, i) => {
        const other = part.retention[i] as CohortRetention;
        return {
          ...cohort,
          customers: cohort.customers + other.customers,
          retention: cohort.retention.map((r, j) => {
            const o = other.retention[j] as (typeof cohort.retention)[number];
            const measured = r.measured + o.measured;
            const retained = r.retained + o.retained;
            return { ...r, measured, retained, rate: measured === 0 ? null : round(retained / measured) };
          }),
        };
      }),
      annual: add(total.annual, part.annual),
    }),
    first,
  );
}

/**
 * A group's report with every count negated: summed with a total that holds the group (`sumChurnReports`), it takes
 * the group out, so a total is brought up to date by taking out a group's old part and adding its new one. Its own
 * rates mean nothing; a sum takes them again over the counts.
 */
export function negatedChurnReport(report: ChurnReport): ChurnReport {
  const negated = <T extends ChurnFigures>(f: T): T => ({ ...f, ...Object.fromEntries(CHURN_COUNTS.map((count) => [count, -f[count]])) });
  return {
    ...report,
    customers: -report.customers,
    activeCustomers: -report.activeCustomers,
    periods: report.periods.map(negated),
    retention: report.retention.map((cohort) => ({
      ...cohort,
      customers: -cohort.customers,
      retention: cohort.retention.map((r) => ({ ...r, measured: -r.measured, retained: -r.retained })),
    })),
    annual: negated(report.annual),
  };
}
