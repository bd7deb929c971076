import { isActiveAt } from './activity-timeline';
import { annualChurn, customerTimelines, type CustomerTimeline } from './churn';
import type { CustomerHistory } from './customer-history';
import type { AnnualChurn } from './customer-value';
import type { LoyaltyPopulation, PopulationOptions } from './loyalty-population';
import { quintileOfCounts, rfmValues, spendIn, type RfmScores, type RfmValues } from './rfm';

/** What one customer adds to the population as of one asOf. */
export interface AccountFigures {
  readonly timeline: CustomerTimeline;
  /** Its RFM values when it is in the active base (active at asOf, with a purchase). */
  readonly values: RfmValues | undefined;
  /** Its part of the annual churn figures: active at the window's start, and of those lost within it (0 or 1). */
  readonly annualBase: number;
  readonly annualChurned: number;
}

/** `loyaltyPopulation`'s figures of one customer: the same timeline, base membership and annual counts. */
export function accountFigures(history: CustomerHistory, options: PopulationOptions): AccountFigures {
  const { asOf, windowDays, inactivityDays } = options;
  const [timeline] = customerTimelines([history], inactivityDays, asOf) as [CustomerTimeline];
  const values = isActiveAt(timeline.spans, asOf) ? rfmValues(history, asOf, windowDays) : undefined;
  const annual = annualChurn([timeline], asOf);
  return { timeline, values, annualBase: annual.activeAtStart, annualChurned: annual.churned };
}

/** Sorted numbers that take insertions and removals (a binary search and one move of the tail each). */
export class SortedList {
  private constructor(private readonly values: number[]) {}

  static of(values: Iterable<number>): SortedList {
    return new SortedList(Array.from(Float64Array.from(values).sort()));
  }

  copy(): SortedList {
    return new SortedList(this.values.slice());
  }

  get size(): number {
    return this.values.length;
  }

  /** Values < value. */
  below(value: number): number {
    return this.firstIndex(value, false);
  }

  /** Values === value. */
  equal(value: number): number {
    return this.firstIndex(value, true) - this.firstIndex(value, false);
  }

  insert(value: number): void {
    this.values.splice(this.firstIndex(value, true), 0, value);
  }

  remove(value: number): void {
    const index = this.firstIndex(value, false);
    if (this.values[index] !== value) throw new RangeError(`${value} is not in the list`);
    this.values.splice(index, 1);
  }

  /** The first index holding a value > `value` (`past`) or >= `value`. */
  private firstIndex(value: number, past: boolean): number {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.values[mid] as number;
      if (past ? v > value : v >= value) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Customers per slice of `timelines` whose churn report part a cache keeps (`sliceStamps`). */
export const REPORT_SLICE = 250;

let lastStamp = 0;
const nextStamp = (): number => (lastStamp += 1);

/**
 * A population that is changed account by account: `withAccounts` gives a new one with some customers' figures
 * replaced (or added) and shares nothing mutable with this one, so a population handed out never changes under its
 * reader. The figures are `loyaltyPopulation`'s: the same sorted R, F and M values (two binary searches per score),
 * the same counts for the annual churn rate.
 */
export class KeptPopulation implements LoyaltyPopulation {
  private constructor(
    readonly asOf: number,
    readonly timelines: readonly CustomerTimeline[],
    /** Per timeline: its values when in the active base. */
    private readonly values: readonly (RfmValues | undefined)[],
    private readonly annualBase: readonly number[],
    private readonly annualChurned: readonly number[],
    private readonly totals: { readonly base: number; readonly churned: number },
    /** Account id → index in timelines; never changed once shared (a new account copies it). */
    private readonly index: ReadonlyMap<string, number>,
    private readonly recency: SortedList,
    private readonly frequency: SortedList,
    private readonly spend: Map<string, SortedList>,
    /**
     * One stamp per `REPORT_SLICE` timelines, unique across every population of the process: a slice whose stamp
     * is unchanged holds the same customers with the same timelines, so a churn report part computed from it holds.
     */
    readonly sliceStamps: readonly number[],
  ) {}

  static of(asOf: number, figures: readonly AccountFigures[]): KeptPopulation {
    const base = figures.flatMap((f) => f.values ?? []);
    let annualBase = 0;
    let annualChurned = 0;
    for (const f of figures) {
      annualBase += f.annualBase;
      annualChurned += f.annualChurned;
    }
    return new KeptPopulation(
      asOf,
      figures.map((f) => f.timeline),
      figures.map((f) => f.values),
      figures.map((f) => f.annualBase),
      figures.map((f) => f.annualChurned),
      { base: annualBase, churned: annualChurned },
      new Map(figures.map((f, i) => [f.timeline.accountId, i])),
      SortedList.of(base.map((b) => -b.recencyDays)),
      SortedList.of(base.map((b) => b.frequency)),
      new Map(),
      Array.from({ length: Math.max(1, Math.ceil(figures.length / REPORT_SLICE)) }, nextStamp),
    );
  }

  get activeCustomers(): number {
    return this.recency.size;
  }

  get annualChurn(): AnnualChurn | null {
    return this.totals.base === 0 ? null : { churned: this.totals.churned, base: this.totals.base };
  }

  /** Whether the account is one of the population's customers. */
  has(accountId: string): boolean {
    const index = this.index.get(accountId);
    return index !== undefined && index < this.timelines.length;
  }

  scores(values: RfmValues): RfmScores {
    // One outside the base is ranked as if added to it (rfmScores does the same).
    const index = this.index.get(values.accountId);
    const added = index !== undefined && this.values[index] !== undefined ? 0 : 1;
    const score = (sorted: SortedList, value: number) =>
      quintileOfCounts(sorted.below(value), sorted.equal(value) + added, sorted.size + added);
    return {
      recency: score(this.recency, -values.recencyDays),
      frequency: score(this.frequency, values.frequency),
      monetary: score(this.spendIn(values.mainCurrency), spendIn(values, values.mainCurrency)),
    };
  }

  /**
   * The population as of `asOf` with these customers' figures (computed as of `asOf`) in place of theirs, new ones
   * added. Every other customer's figures must be the same as of `asOf` as of this population's asOf (`reusableAt`).
   */
  withAccounts(asOf: number, figures: readonly AccountFigures[]): KeptPopulation {
    const timelines = this.timelines.slice();
    const values = this.values.slice();
    const annualBase = this.annualBase.slice();
    const annualChurned = this.annualChurned.slice();
    let { base, churned } = this.totals;
    let index = this.index;
    const recency = this.recency.copy();
    const frequency = this.frequency.copy();
    const spend = new Map([...this.spend].map(([currency, sorted]) => [currency, sorted.copy()] as const));
    const stamps = this.sliceStamps.slice();
    for (const f of figures) {
      const accountId = f.timeline.accountId;
      let at = index.get(accountId);
      if (at === undefined || at >= timelines.length || timelines[at]?.accountId !== accountId) {
        if (index === this.index) index = new Map(this.index);
        at = timelines.length;
        (index as Map<string, number>).set(accountId, at);
      }
      const old = values[at];
      if (old !== undefined) {
        recency.remove(-old.recencyDays);
        frequency.remove(old.frequency);
        for (const [currency, sorted] of spend) sorted.remove(spendIn(old, currency));
      }
      base += f.annualBase - (annualBase[at] ?? 0);
      churned += f.annualChurned - (annualChurned[at] ?? 0);
      timelines[at] = f.timeline;
      values[at] = f.values;
      annualBase[at] = f.annualBase;
      annualChurned[at] = f.annualChurned;
      if (f.values !== undefined) {
        recency.insert(-f.values.recencyDays);
        frequency.insert(f.values.frequency);
        for (const [currency, sorted] of spend) sorted.insert(spendIn(f.values, currency));
      }
      stamps[Math.floor(at / REPORT_SLICE)] = nextStamp();
    }
    return new KeptPopulation(
      asOf,
      timelines,
      values,
      annualBase,
      annualChurned,
      { base, churned },
      index,
      recency,
      frequency,
      spend,
      stamps,
    );
  }

  private spendIn(currency: string): SortedList {
    let sorted = this.spend.get(currency);
    if (!sorted) {
      const spent: number[] = [];
      for (const v of this.values) if (v !== undefined) spent.push(spendIn(v, currency));
      this.spend.set(currency, (sorted = SortedList.of(spent)));
    }
    return sorted;
  }
}
