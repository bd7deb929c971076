import type { FindQuery, ReadStore } from '@crm/shared/read-model';
import { annualChurn, customerTimelines, type CustomerTimeline } from './churn';
import { churnPeriods, churnReportAt, churnReportOf, sumChurnReports, type ChurnReport, type ChurnReportOptions } from './churn-report';
import { historySteps, type LoyaltySources, type WonDealsRule } from './customer-history';
import type { ContactLinkDoc, CustomerActivityDoc, CustomerInteractionDoc, OpportunityLinkDoc, WonDealDoc } from './documents';
import { activeBase, factInstants, populationOf, reusableAt, ReuseFinder, type LoyaltyPopulation, type Reuse } from './loyalty-population';
import type { RfmValues } from './rfm';

/** The serving collection of each loyalty projection. */
export interface LoyaltyCollections {
  readonly activity: string;
  readonly wonDeals: string;
  readonly interactions: string;
  readonly contactLinks: string;
  readonly opportunityLinks: string;
}

type Reader = Pick<ReadStore, 'get' | 'find'>;

const docs = async <D extends object>(store: Reader, collection: string, where: FindQuery): Promise<D[]> =>
  (await store.find<D>(collection, where)).map((record) => record.doc);

/**
 * One account's own documents, by key and through the indexes on the account,
 * contact and opportunity: its activity, its won deals, the interactions of the
 * account, of the contacts linked to it and about its deals. Undefined for an
 * unknown account. `customerHistories` over them gives its history exactly as
 * over every document of the tenant.
 */
export async function loadCustomerSources(
  store: Reader,
  collections: LoyaltyCollections,
  tenantId: string,
  accountId: string,
): Promise<LoyaltySources | undefined> {
  const activity = await store.get<CustomerActivityDoc>(collections.activity, `${tenantId}:${accountId}`);
  if (activity === undefined) return undefined;
  const mine = { where: { tenantId, accountId } };
  const [wonDeals, own, contactLinks, opportunityLinks] = await Promise.all([
    docs<WonDealDoc>(store, collections.wonDeals, mine),
    docs<CustomerInteractionDoc>(store, collections.interactions, mine),
    docs<ContactLinkDoc>(store, collections.contactLinks, mine),
    docs<OpportunityLinkDoc>(store, collections.opportunityLinks, mine),
  ]);
  const linked = (field: 'contactId' | 'opportunityId', ids: readonly string[]) =>
    ids.length === 0
      ? Promise.resolve([])
      : docs<CustomerInteractionDoc>(store, collections.interactions, { where: { tenantId, [field]: { in: ids } } });
  const [byContact, byDeal] = await Promise.all([
    linked(
      'contactId',
      contactLinks.map((link) => link.contactId),
    ),
    linked(
      'opportunityId',
      opportunityLinks.map((link) => link.opportunityId),
    ),
  ]);
  return { activities: [activity.doc], wonDeals, interactions: [...own, ...byContact, ...byDeal], contactLinks, opportunityLinks };
}

/** Lets other work run between two slices of a long computation (setImmediate on a server). */
export type Pause = () => Promise<void>;
const noPause: Pause = () => Promise.resolve();

/** Every loyalty document of a tenant, read `pageSize` at a time in id order (keyset), pausing between pages. */
export async function loadLoyaltySources(
  store: Reader,
  collections: LoyaltyCollections,
  tenantId: string,
  { pageSize = 500, pause = noPause }: { pageSize?: number; pause?: Pause } = {},
): Promise<LoyaltySources> {
  const all = async <D extends object>(collection: string): Promise<D[]> => {
    const out: D[] = [];
    for (let after: string | undefined; ;) {
      const page = await store.find<D>(collection, {
        where: { tenantId },
        limit: pageSize,
        ...(after === undefined ? {} : { after: { values: [], id: after } }),
      });
      for (const record of page) out.push(record.doc);
      if (page.length < pageSize) return out;
      after = (page[page.length - 1] as { id: string }).id;
      await pause();
    }
  };
  const activities = await all<CustomerActivityDoc>(collections.activity);
  const wonDeals = await all<WonDealDoc>(collections.wonDeals);
  const interactions = await all<CustomerInteractionDoc>(collections.interactions);
  const contactLinks = await all<ContactLinkDoc>(collections.contactLinks);
  const opportunityLinks = await all<OpportunityLinkDoc>(collections.opportunityLinks);
  return { activities, wonDeals, interactions, contactLinks, opportunityLinks };
}

export interface PopulationKey {
  readonly asOf: number;
  readonly windowDays: number;
  readonly inactivityDays: number;
  readonly rule: WonDealsRule;
}

/** A population with what tells whether it serves another asOf. */
export interface BuiltPopulation {
  readonly population: LoyaltyPopulation;
  readonly reuse: Reuse;
}

/** `loyaltyPopulation` over every account of `sources` (and its `reuseOf`), a slice of accounts or facts at a time. */
export async function buildPopulation(
  sources: LoyaltySources,
  key: PopulationKey,
  pause: Pause = noPause,
  slice = 200,
): Promise<BuiltPopulation> {
  const { asOf, windowDays, inactivityDays, rule } = key;
  const steps = historySteps(sources, asOf, rule, slice * 10);
  let step = steps.next();
  for (; !step.done; step = steps.next()) await pause();
  const history = step.value;
  const reuse = new ReuseFinder(asOf);
  const timelines: CustomerTimeline[] = [];
  const base: RfmValues[] = [];
  let annualBase = 0;
  let annualChurned = 0;
  for (let start = 0; start < sources.activities.length; start += slice) {
    const histories = sources.activities.slice(start, start + slice).map(history);
    const some = customerTimelines(histories, inactivityDays, asOf);
    timelines.push(...some);
    base.push(...activeBase(histories, some, { asOf, windowDays }));
    reuse.timelines(some);
    // The annual figures count customers, so slices add up.
    const annual = annualChurn(some, asOf);
    annualBase += annual.activeAtStart;
    annualChurned += annual.churned;
    await pause();
  }
  let seen = 0;
  for (const at of factInstants(sources)) {
    reuse.fact(at);
    if ((seen += 1) % (slice * 20) === 0) await pause();
  }
  await pause();
  const population = populationOf(timelines, base, asOf, annualBase === 0 ? null : annualChurned / annualBase);
  await pause();
  return { population, reuse: reuse.reuse() };
}

/**
 * What a kept population was built from: `of` names the tenant and the parameters (window, threshold, won-deals
 * rule); `state` must change whenever a document it was built from may have changed (the projections' serving
 * collections and checkpoints).
 */
export interface PopulationCacheKey {
  readonly of: string;
  readonly state: string;
}

interface Entry {
  readonly key: PopulationCacheKey;
  readonly built: Promise<BuiltPopulation>;
  /** Churn reports computed from it, by their query, with the periods they covered. */
  readonly reports: Map<string, { readonly periods: string; readonly report: ChurnReport }>;
}

/**
 * Populations kept between requests, by key. An entry serves a request when
 * `reusableAt` accepts its asOf; otherwise a new one is built. Concurrent
 * requests for the same key share one build. Once a population of a newer
 * `state` is built, the older ones `of` the same are dropped.
 */
export class PopulationCache {
  private readonly entries: Entry[] = [];

  constructor(
    private readonly capacity = 8,
    private readonly pause: Pause = noPause,
  ) {}

  async population(key: PopulationCacheKey, asOf: number, build: () => Promise<BuiltPopulation>): Promise<LoyaltyPopulation> {
    return (await this.entry(key, asOf, build)).population;
  }

  /** The churn report as of `options.asOf`, from a kept one when its population and periods serve. */
  async churnReport(key: PopulationCacheKey, options: ChurnReportOptions, build: () => Promise<BuiltPopulation>): Promise<ChurnReport> {
    const periods = churnPeriods(options) // checked before anything is read: a bad range is refused at once
      .map((period) => period.key)
      .join(',');
    const entry = await this.entry(key, options.asOf, build);
    const query = JSON.stringify([options.bucket, options.from ?? null, options.to ?? null]);
    const kept = entry.entry.reports.get(query);
    if (kept && kept.periods === periods) return churnReportAt(kept.report, options.asOf);
    // A slice of customers at a time, so a first report over many customers does not hold the event loop.
    const { timelines } = entry.population;
    const parts = [];
    for (let start = 0; start === 0 || start < timelines.length; start += 1_000) {
      parts.push(churnReportOf(timelines.slice(start, start + 1_000), options));
      await this.pause();
    }
    const report = sumChurnReports(parts);
    const { reports } = entry.entry;
    reports.delete(query);
    reports.set(query, { periods, report });
    if (reports.size > 32) reports.delete(reports.keys().next().value as string);
    return report;
  }

  private async entry(
    key: PopulationCacheKey,
    asOf: number,
    build: () => Promise<BuiltPopulation>,
  ): Promise<{ population: LoyaltyPopulation; entry: Entry }> {
    const same = (candidate: Entry) => candidate.key.of === key.of && candidate.key.state === key.state;
    for (const entry of this.entries.filter(same)) {
      const built = await entry.built.catch(() => undefined);
      if (built && reusableAt(built.reuse, asOf)) {
        this.touch(entry);
        return { population: built.population, entry };
      }
    }
    const entry: Entry = { key, built: build(), reports: new Map() };
    this.entries.unshift(entry);
    if (this.entries.length > this.capacity) this.entries.length = this.capacity;
    try {
      const { population } = await entry.built;
      for (const stale of this.entries.filter((candidate) => candidate.key.of === key.of && candidate.key.state !== key.state)) {
        this.entries.splice(this.entries.indexOf(stale), 1);
      }
      return { population, entry };
    } catch (error) {
      const index = this.entries.indexOf(entry);
      if (index >= 0) this.entries.splice(index, 1);
      throw error;
    }
  }

  private touch(entry: Entry): void {
    const index = this.entries.indexOf(entry);
    if (index > 0) {
      this.entries.splice(index, 1);
      this.entries.unshift(entry);
    }
  }
}
