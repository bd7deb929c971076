import { isActiveAt } from './activity-timeline';
import { annualChurn, customerTimelines, RETENTION_MONTHS, yearBefore, type CustomerTimeline } from './churn';
import type { CustomerHistory, LoyaltySources } from './customer-history';
import type { AnnualChurn } from './customer-value';
import { addMonths, dayNumber } from './days';
import { wonStretches } from './documents';
import { quintileOfCounts, rfmValues, SortedValues, spendIn, type RfmScores, type RfmValues } from './rfm';

export interface PopulationOptions {
  readonly asOf: number;
  readonly windowDays: number;
  readonly inactivityDays: number;
}

/**
 * What one customer's loyalty card needs from every other customer, computed
 * once: the active base's recency, frequency and spend sorted (a customer's
 * quintile is then two binary searches), its size, the annual churn rate and
 * every customer's active spans (the churn report's input).
 */
export interface LoyaltyPopulation {
  readonly asOf: number;
  readonly timelines: readonly CustomerTimeline[];
  /** The active customer base the quintiles rank. */
  readonly activeCustomers: number;
  /** Over the 365 days up to asOf: churned of the base active at their start; null when nobody was. */
  readonly annualChurn: AnnualChurn | null;
  /** Scores against the active base, as `rfmScores(base, values)` gives them. */
  scores(values: RfmValues): RfmScores;
}

/** `timelines`, when given, must be `customerTimelines(histories, options.inactivityDays, options.asOf)`. */
export function loyaltyPopulation(
  histories: readonly CustomerHistory[],
  options: PopulationOptions,
  timelines: readonly CustomerTimeline[] = customerTimelines(histories, options.inactivityDays, options.asOf),
): LoyaltyPopulation {
  return populationOf(timelines, activeBase(histories, timelines, options), options.asOf);
}

/** The RFM values of the customers active at asOf: `timelines[i]` is the timeline of `histories[i]`. */
export function activeBase(
  histories: readonly CustomerHistory[],
  timelines: readonly CustomerTimeline[],
  options: Pick<PopulationOptions, 'asOf' | 'windowDays'>,
): RfmValues[] {
  const { asOf, windowDays } = options;
  return histories
    .filter((_, i) => isActiveAt(timelines[i]?.spans ?? [], asOf))
    .flatMap((history) => rfmValues(history, asOf, windowDays) ?? []);
}

/** The annual churn's counts as of asOf; null when nobody was active at the start of those 365 days. */
export function annualChurnCounts(timelines: readonly CustomerTimeline[], asOf: number): AnnualChurn | null {
  const { churned, activeAtStart } = annualChurn(timelines, asOf);
  return activeAtStart === 0 ? null : { churned, base: activeAtStart };
}

/** The population from every customer's timeline and the active base (`activeBase`), as of the same asOf. */
export function populationOf(
  timelines: readonly CustomerTimeline[],
  base: readonly RfmValues[],
  asOf: number,
  annualChurnOf: AnnualChurn | null = annualChurnCounts(timelines, asOf),
): LoyaltyPopulation {
  const members = new Set(base.map((b) => b.accountId));
  const recency = new SortedValues(base.map((b) => -b.recencyDays));
  const frequency = new SortedValues(base.map((b) => b.frequency));
  const spend = new Map<string, SortedValues>();
  const spendIn_ = (currency: string): SortedValues => {
    let sorted = spend.get(currency);
    if (!sorted) spend.set(currency, (sorted = new SortedValues(base.map((b) => spendIn(b, currency)))));
    return sorted;
  };
  return {
    asOf,
    timelines,
    activeCustomers: base.length,
    annualChurn: annualChurnOf,
    scores(values) {
      // One outside the base is ranked as if added to it (rfmScores does the same).
      const added = members.has(values.accountId) ? 0 : 1;
      const score = (sorted: SortedValues, value: number) =>
        quintileOfCounts(sorted.below(value), sorted.equal(value) + added, sorted.size + added);
      return {
        recency: score(recency, -values.recencyDays),
        frequency: score(frequency, values.frequency),
        monetary: score(spendIn_(values.mainCurrency), spendIn(values, values.mainCurrency)),
      };
    },
  };
}

/** Instants closest to `at` on either side, and whether one is exactly at it. */
interface Gap {
  readonly below: number;
  readonly above: number;
  readonly at: boolean;
}

/** Finds the gap around `centre` among the instants it is shown, one at a time. */
class GapFinder {
  private below: number;
  private above: number;
  private hit: boolean;

  /** `from`: the gap found so far (around this same centre). */
  constructor(
    private readonly centre: number,
    from: Gap = { below: Number.NEGATIVE_INFINITY, above: Number.POSITIVE_INFINITY, at: false },
  ) {
    this.below = from.below;
    this.above = from.above;
    this.hit = from.at;
  }

  see(x: number): void {
    if (x < this.centre) {
      if (x > this.below) this.below = x;
    } else if (x > this.centre) {
      if (x < this.above) this.above = x;
    } else this.hit = true;
  }

  gap(): Gap {
    return { below: this.below, above: this.above, at: this.hit };
  }
}

/** No instant of the gap's set lies between its centre and `other`, either included. */
const sameSide = (gap: Gap, centre: number, other: number): boolean =>
  other === centre || (!gap.at && gap.below < other && other < gap.above);

/**
 * When a population (or a churn report) computed as of one instant is also
 * the one as of another. The figures depend on asOf through its business day (whole
 * days of recency, windows and inactivity), and otherwise only where an
 * instant is compared with asOf or with the start of the annual window
 * (`yearBefore`: asOf + 1 ms − 365 days): every dated fact (a fact counts once dated up to
 * asOf) and retention dates (first purchase + 1, 3, 6, 12 months) against
 * asOf; span starts and ends and first purchases against the window's start.
 * So the same answer holds for any asOf of the same day with none of those
 * instants between it and the one computed for.
 */
export interface Reuse {
  readonly asOf: number;
  /** Dated facts and retention dates around asOf. */
  readonly around: Gap;
  readonly annualStart: Gap;
}

/** `facts`: every instant the population's sources date (`factInstants`). */
export function reuseOf(population: Pick<LoyaltyPopulation, 'asOf' | 'timelines'>, facts: Iterable<number>): Reuse {
  const finder = new ReuseFinder(population.asOf);
  finder.timelines(population.timelines);
  for (const at of facts) finder.fact(at);
  return finder.reuse();
}

/** `reuseOf`, fed a few timelines and facts at a time. */
export class ReuseFinder {
  private readonly around: GapFinder;
  private readonly annualStart: GapFinder;

  constructor(
    private readonly asOf: number,
    from?: Reuse,
  ) {
    this.around = new GapFinder(asOf, from?.around);
    this.annualStart = new GapFinder(yearBefore(asOf), from?.annualStart);
  }

  /**
   * Goes on from `reuse`, centred on an asOf it accepts (`reusableAt`): no instant it saw lies between the two, so
   * the gaps around the one are the gaps around the other. Instants seen then are only ever narrowing it.
   */
  static from(reuse: Reuse, asOf: number): ReuseFinder {
    if (!reusableAt(reuse, asOf)) throw new RangeError('the reuse does not accept that asOf');
    if (asOf === reuse.asOf) return new ReuseFinder(asOf, reuse);
    return new ReuseFinder(asOf, {
      asOf,
      around: { ...reuse.around, at: false },
      annualStart: { ...reuse.annualStart, at: false },
    });
  }

  fact(at: number): void {
    this.around.see(at);
  }

  timelines(timelines: readonly CustomerTimeline[]): void {
    for (const timeline of timelines) {
      for (const span of timeline.spans) {
        this.annualStart.see(span.from);
        if (span.to !== undefined) this.annualStart.see(span.to);
      }
      if (timeline.firstPurchaseAt !== undefined) {
        this.annualStart.see(timeline.firstPurchaseAt);
        for (const months of RETENTION_MONTHS) this.around.see(addMonths(timeline.firstPurchaseAt, months));
      }
    }
  }

  reuse(): Reuse {
    return { asOf: this.asOf, around: this.around.gap(), annualStart: this.annualStart.gap() };
  }
}

export function reusableAt(reuse: Reuse, asOf: number): boolean {
  if (asOf === reuse.asOf) return true;
  return (
    dayNumber(asOf) === dayNumber(reuse.asOf) &&
    sameSide(reuse.around, reuse.asOf, asOf) &&
    sameSide(reuse.annualStart, yearBefore(reuse.asOf), yearBefore(asOf))
  );
}

/** Every instant the loyalty documents of the sources date (purchases, closings, deals' wins and reopenings, interactions and their open spans, contacts' moves). */
export function* factInstants(sources: LoyaltySources): Generator<number> {
  const ms = Date.parse;
  for (const doc of sources.activities) {
    yield ms(doc.openedAt);
    for (const p of doc.purchases) yield ms(p.occurredAt);
    for (const c of doc.closures) {
      yield ms(c.closedAt);
      if (c.reopenedAt !== undefined) yield ms(c.reopenedAt);
    }
  }
  for (const deal of sources.wonDeals) {
    for (const win of wonStretches(deal)) {
      yield ms(win.wonAt);
      if (win.reopenedAt !== undefined) yield ms(win.reopenedAt);
    }
  }
  // A contact's move changes, from its instant, which account its interactions count for.
  for (const link of sources.contactLinks) {
    for (const span of link.spans ?? []) {
      if (span.from !== undefined) yield ms(span.from);
      if (span.to !== undefined) yield ms(span.to);
    }
  }
  for (const doc of sources.interactions) {
    yield ms(doc.at);
    for (const span of doc.openSpans ?? []) {
      yield ms(span.from);
      if (span.to !== undefined) yield ms(span.to);
    }
  }
}

/** The latest of them; −∞ when none. */
export function latestFact(sources: LoyaltySources): number {
  let latest = Number.NEGATIVE_INFINITY;
  for (const at of factInstants(sources)) latest = Math.max(latest, at);
  return latest;
}
