import { readBatch, type BatchRead, type DocumentRecord, type ReadStore, type Where } from '@crm/shared/read-model';
import {
  churnPeriods,
  churnReportAt,
  churnReportOf,
  negatedChurnReport,
  sumChurnReports,
  type ChurnReport,
  type ChurnReportOptions,
} from './churn-report';
import { customerHistories, historySteps, type CustomerHistory, type LoyaltySources, type WonDealsRule } from './customer-history';
import {
  sortablePosition,
  type ContactLinkDoc,
  type CustomerActivityDoc,
  type CustomerInteractionDoc,
  type OpportunityLinkDoc,
  type WonDealDoc,
} from './documents';
import { accountFigures, KeptPopulation, REPORT_SLICE, type AccountFigures } from './kept-population';
import { factInstants, reusableAt, ReuseFinder, type LoyaltyPopulation, type Reuse } from './loyalty-population';

/** The serving collection of each loyalty projection. */
export interface LoyaltyCollections {
  readonly activity: string;
  readonly wonDeals: string;
  readonly interactions: string;
  readonly contactLinks: string;
  readonly opportunityLinks: string;
}

type Reader = Pick<ReadStore, 'get' | 'find' | 'readMany'>;

const docsOf = <D extends object>(records: readonly DocumentRecord[] | undefined): D[] =>
  (records ?? []).map((record) => record.doc as unknown as D);

/**
 * One account's own documents, by key and through the indexes on the account,
 * contact and opportunity: its activity, its won deals, the interactions of the
 * account, of the contacts linked to it and about its deals. Undefined for an
 * unknown account. `customerHistories` over them gives its history exactly as
 * over every document of the tenant.
 *
 * Two batches of reads (`readBatch`: one round trip each where the read store
 * batches): the account's own rows, with `alongside` (reads that do not depend
 * on them, answered in `extra`), then the interactions of its contacts and deals.
 */
export async function loadCustomerSources(
  store: Reader,
  collections: LoyaltyCollections,
  tenantId: string,
  accountId: string,
): Promise<LoyaltySources | undefined> {
  return (await loadCustomerSourcesWith(store, collections, tenantId, accountId, [])).own;
}

export async function loadCustomerSourcesWith(
  store: Reader,
  collections: LoyaltyCollections,
  tenantId: string,
  accountId: string,
  alongside: readonly BatchRead[],
): Promise<{ own: LoyaltySources | undefined; extra: readonly (readonly DocumentRecord[])[] }> {
  const mine = { where: { tenantId, accountId } };
  const [activity, wonDeals, own, contactLinks, opportunityLinks, ...extra] = await readBatch(store, [
    { collection: collections.activity, id: `${tenantId}:${accountId}` },
    { collection: collections.wonDeals, find: mine },
    { collection: collections.interactions, find: mine },
    { collection: collections.contactLinks, find: mine },
    { collection: collections.opportunityLinks, find: mine },
    ...alongside,
  ]);
  const [account] = docsOf<CustomerActivityDoc>(activity);
  if (account === undefined) return { own: undefined, extra };
  const links = { contacts: docsOf<ContactLinkDoc>(contactLinks), opportunities: docsOf<OpportunityLinkDoc>(opportunityLinks) };
  const linked = (field: 'contactId' | 'opportunityId', ids: readonly string[]): BatchRead[] =>
    ids.length === 0 ? [] : [{ collection: collections.interactions, find: { where: { tenantId, [field]: { in: ids } } } }];
  const byLinks = await readBatch(store, [
    ...linked(
      'contactId',
      links.contacts.map((link) => link.contactId),
    ),
    ...linked(
      'opportunityId',
      links.opportunities.map((link) => link.opportunityId),
    ),
  ]);
  return {
    own: {
      activities: [account],
      wonDeals: docsOf<WonDealDoc>(wonDeals),
      interactions: [...docsOf<CustomerInteractionDoc>(own), ...byLinks.flatMap((records) => docsOf<CustomerInteractionDoc>(records))],
      contactLinks: links.contacts,
      opportunityLinks: links.opportunities,
    },
    extra,
  };
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

/** The position of the tenant's change marker in each loyalty collection (null: none yet), and which collections. */
export interface PopulationMarks {
  readonly collections: LoyaltyCollections;
  readonly positions: Readonly<Record<keyof LoyaltyCollections, string | null>>;
}

/**
 * Whose each contact, deal and won deal is, as the latest population of a chain of updates (`updatePopulation`)
 * holds them: what tells the accounts a changed link leaves. Shared along the chain, changed by one update at a
 * time.
 */
export class PopulationLinks {
  /** Every account each contact belongs or belonged to (which one counts depends on asOf: `linkStandsAt`). */
  readonly contacts = new Map<string, Set<string>>();
  readonly opportunities = new Map<string, string>();
  readonly deals = new Map<string, string>();
  /** The newest population of the chain. */
  latest: BuiltPopulation | undefined;
  /** The update running, if any: updates of a chain run one after another. */
  busy: Promise<void> = Promise.resolve();

  constructor(sources?: Pick<LoyaltySources, 'contactLinks' | 'opportunityLinks' | 'wonDeals'>) {
    for (const link of sources?.contactLinks ?? []) this.addContact(link.contactId, link.accountId);
    for (const link of sources?.opportunityLinks ?? []) this.opportunities.set(link.opportunityId, link.accountId);
    for (const deal of sources?.wonDeals ?? []) this.deals.set(deal.opportunityId, deal.accountId);
  }

  addContact(contactId: string, accountId: string): void {
    const accounts = this.contacts.get(contactId);
    if (accounts) accounts.add(accountId);
    else this.contacts.set(contactId, new Set([accountId]));
  }
}

/** A population with what tells whether it serves another asOf, and what lets it be updated. */
export interface BuiltPopulation {
  readonly population: KeptPopulation;
  readonly reuse: Reuse;
  readonly links: PopulationLinks;
  /** Markers read before the documents it was built from: it holds the tenant's documents as of them, at least. */
  readonly marks?: PopulationMarks;
}

/** `loyaltyPopulation` over every account of `sources` (and its `reuseOf`), a slice of accounts or facts at a time. */
export async function buildPopulation(
  sources: LoyaltySources,
  key: PopulationKey,
  pause: Pause = noPause,
  slice = 200,
  marks?: PopulationMarks,
): Promise<BuiltPopulation> {
  const { asOf, windowDays, inactivityDays, rule } = key;
  const steps = historySteps(sources, asOf, rule, slice * 10);
  let step = steps.next();
  for (; !step.done; step = steps.next()) await pause();
  const history = step.value;
  const reuse = new ReuseFinder(asOf);
  const figures: AccountFigures[] = [];
  for (let start = 0; start < sources.activities.length; start += slice) {
    for (const doc of sources.activities.slice(start, start + slice)) {
      const figure = accountFigures(history(doc), { asOf, windowDays, inactivityDays });
      figures.push(figure);
      reuse.timelines([figure.timeline]);
    }
    await pause();
  }
  let seen = 0;
  for (const at of factInstants(sources)) {
    reuse.fact(at);
    if ((seen += 1) % (slice * 20) === 0) await pause();
  }
  await pause();
  const links = new PopulationLinks(sources);
  await pause();
  const built: BuiltPopulation = {
    population: KeptPopulation.of(asOf, figures),
    reuse: reuse.reuse(),
    links,
    ...(marks === undefined ? {} : { marks }),
  };
  await pause();
  links.latest = built;
  return built;
}

export interface UpdateOptions {
  /** Beyond this many changed accounts (or changed documents in one collection), give up: a build is cheaper. Default: 5 % of the customers, at least 50. */
  readonly maxAccounts?: number;
  /** Accounts whose own rows are read at once. */
  readonly concurrency?: number;
}

const sameCollections = (a: LoyaltyCollections, b: LoyaltyCollections): boolean =>
  (Object.keys(a) as (keyof LoyaltyCollections)[]).every((role) => a[role] === b[role]);

/** Per collection, the later of two markers (they are of one event store, so their sortable forms order them). */
function laterMarks(a: PopulationMarks, b: PopulationMarks): PopulationMarks {
  const positions = { ...a.positions };
  for (const role of Object.keys(positions) as (keyof LoyaltyCollections)[]) {
    const other = b.positions[role];
    const mine = positions[role];
    if (other !== null && (mine === null || sortablePosition(other) > sortablePosition(mine))) positions[role] = other;
  }
  return { collections: a.collections, positions };
}

/**
 * The population of `from`'s chain brought up to the documents now stored, as of `key.asOf`, by re-reading only the
 * accounts whose figures may have changed: every loyalty document stamped (`lastPosition`) after the chain's latest
 * markers is read through the (tenantId, lastPosition) index; it names its account directly (activity, won deal,
 * interaction of an account), through a contact or deal link (interactions of a contact: every account the contact
 * belongs or belonged to, as kept and as changed; about a deal: the account of the link as kept and as changed), or is
 * a link or won deal that may have moved (its account before and after).
 * Each of those accounts is derived again from its own rows (`loadCustomerSources`), as the card does.
 *
 * Undefined when it cannot: the chain's latest population does not serve `key.asOf` (`reusableAt`), has no markers,
 * was built from other collections (a projection rebuilt), or too many accounts changed.
 *
 * `marks` must have been read before this is called (before any document is read), as the cache key's.
 */
export async function updatePopulation(
  store: Reader,
  collections: LoyaltyCollections,
  tenantId: string,
  from: BuiltPopulation,
  key: PopulationKey,
  marks: PopulationMarks,
  options: UpdateOptions = {},
): Promise<BuiltPopulation | undefined> {
  const { links } = from;
  const previous = links.busy;
  let release = (): void => undefined;
  links.busy = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    const start = links.latest ?? from;
    const { asOf, windowDays, inactivityDays, rule } = key;
    if (start.marks === undefined || !sameCollections(start.marks.collections, collections) || !reusableAt(start.reuse, asOf)) {
      return undefined;
    }
    const since = start.marks.positions;
    const limit = options.maxAccounts ?? Math.max(50, Math.ceil(start.population.timelines.length * 0.05));
    const changed = (role: keyof LoyaltyCollections): BatchRead => {
      const at = since[role];
      const where: Where = at === null ? { tenantId } : { tenantId, lastPosition: { gt: sortablePosition(at) } };
      // In lastPosition order: a find with a limit and no sort field walks the collection in id order on SQLite.
      return { collection: collections[role], find: { where, orderBy: [{ field: 'lastPosition' }], limit: limit + 1 } };
    };
    const roles = ['activity', 'wonDeals', 'interactions', 'contactLinks', 'opportunityLinks'] as const;
    const found = await readBatch(store, roles.map(changed));
    const activities = docsOf<CustomerActivityDoc>(found[0]);
    const wonDeals = docsOf<WonDealDoc>(found[1]);
    const interactions = docsOf<CustomerInteractionDoc>(found[2]);
    const contactLinks = docsOf<ContactLinkDoc>(found[3]);
    const opportunityLinks = docsOf<OpportunityLinkDoc>(found[4]);
    if ([activities, wonDeals, interactions, contactLinks, opportunityLinks].some((found) => found.length > limit)) return undefined;
    // The links as they will be once this update is in: the kept ones, overlaid with the changed ones.
    const opportunities = new Map(opportunityLinks.map((link) => [link.opportunityId, link.accountId]));
    const accounts = new Set<string>();
    const add = (accountId: string | undefined) => accountId !== undefined && accounts.add(accountId);
    // A contact's interactions count for one of the accounts it belongs or belonged to, which one depending on asOf:
    // every one of them, kept or changed, may gain or lose them.
    const changedContacts = new PopulationLinks();
    for (const link of contactLinks) changedContacts.addContact(link.contactId, link.accountId);
    const addContactAccounts = (contactId: string) => {
      for (const accountId of links.contacts.get(contactId) ?? []) add(accountId);
      for (const accountId of changedContacts.contacts.get(contactId) ?? []) add(accountId);
    };
    // Interactions keep the party they were recorded for; its account is the link's, before and after this update.
    const attributed = (doc: CustomerInteractionDoc, now: boolean): string | undefined =>
      doc.accountId ??
      (doc.opportunityId !== undefined
        ? ((now ? opportunities.get(doc.opportunityId) : undefined) ?? links.opportunities.get(doc.opportunityId))
        : undefined);
    for (const doc of activities) add(doc.accountId);
    for (const deal of wonDeals) {
      add(links.deals.get(deal.opportunityId));
      add(deal.accountId);
    }
    for (const link of contactLinks) addContactAccounts(link.contactId);
    for (const link of opportunityLinks) {
      add(links.opportunities.get(link.opportunityId));
      add(link.accountId);
    }
    for (const doc of interactions) {
      if (doc.accountId === undefined && doc.contactId !== undefined) addContactAccounts(doc.contactId);
      add(attributed(doc, false));
      add(attributed(doc, true));
    }
    if (accounts.size > limit) return undefined;
    const reuse = ReuseFinder.from(start.reuse, asOf);
    for (const at of factInstants({ activities, wonDeals, interactions, contactLinks, opportunityLinks: [] })) reuse.fact(at);
    const figures: AccountFigures[] = [];
    const ids = [...accounts];
    const concurrency = options.concurrency ?? 16;
    for (let i = 0; i < ids.length; i += concurrency) {
      const read = await Promise.all(ids.slice(i, i + concurrency).map((id) => loadCustomerSources(store, collections, tenantId, id)));
      for (const own of read) {
        // A link to an account with no activity document names no customer (as in customerHistories).
        if (own === undefined) continue;
        const [history] = customerHistories(own, asOf, rule) as [CustomerHistory];
        const figure = accountFigures(history, { asOf, windowDays, inactivityDays });
        figures.push(figure);
        reuse.timelines([figure.timeline]);
        for (const at of factInstants(own)) reuse.fact(at);
      }
    }
    // Every read is done: from here on nothing waits, so the links and the chain's latest change together.
    for (const link of contactLinks) links.addContact(link.contactId, link.accountId);
    for (const [opportunityId, accountId] of opportunities) links.opportunities.set(opportunityId, accountId);
    for (const deal of wonDeals) links.deals.set(deal.opportunityId, deal.accountId);
    const built: BuiltPopulation = {
      population: start.population.withAccounts(asOf, figures),
      reuse: reuse.reuse(),
      links,
      marks: laterMarks(start.marks, marks),
    };
    links.latest = built;
    return built;
  } finally {
    release();
  }
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

interface KeptReport {
  readonly periods: string;
  /** The population's slice stamps the parts were computed from, and the parts (one per `REPORT_SLICE` customers). */
  readonly stamps: readonly number[];
  readonly parts: readonly ChurnReport[];
  readonly report: ChurnReport;
}

interface Entry {
  readonly key: PopulationCacheKey;
  readonly built: Promise<BuiltPopulation>;
  /**
   * Churn reports computed from it (or from the population it was updated from), by their query, with the periods
   * they covered and their parts per slice of customers: a part holds while its slice's stamp is unchanged.
   */
  readonly reports: Map<string, KeptReport>;
}

/** Brings a kept population up to the documents stored now (`updatePopulation`); undefined when it cannot. */
export type PopulationUpdate = (from: BuiltPopulation) => Promise<BuiltPopulation | undefined>;

/**
 * Populations kept between requests, by key. An entry serves a request when
 * `reusableAt` accepts its asOf; otherwise, given `update`, a population kept
 * for another state of the same tenant and parameters that serves that asOf
 * is updated (the entry moves to the new state); otherwise a new one is built.
 * Concurrent requests for the same key share one build or update. Once a
 * population of a newer `state` is ready, the older ones `of` the same are
 * dropped.
 */
export class PopulationCache {
  private readonly entries: Entry[] = [];

  constructor(
    private readonly capacity = 8,
    private readonly pause: Pause = noPause,
  ) {}

  async population(
    key: PopulationCacheKey,
    asOf: number,
    build: () => Promise<BuiltPopulation>,
    update?: PopulationUpdate,
  ): Promise<LoyaltyPopulation> {
    return (await this.entry(key, asOf, build, update)).population;
  }

  /** The churn report as of `options.asOf`, from a kept one when its population and periods serve. */
  async churnReport(
    key: PopulationCacheKey,
    options: ChurnReportOptions,
    build: () => Promise<BuiltPopulation>,
    update?: PopulationUpdate,
  ): Promise<ChurnReport> {
    const periods = churnPeriods(options) // checked before anything is read: a bad range is refused at once
      .map((period) => period.key)
      .join(',');
    const { population, entry } = await this.entry(key, options.asOf, build, update);
    const query = JSON.stringify([options.bucket, options.from ?? null, options.to ?? null]);
    const found = entry.reports.get(query);
    const kept = found?.periods === periods ? found : undefined;
    const { timelines, sliceStamps: stamps } = population;
    if (kept && kept.stamps.length === stamps.length && kept.stamps.every((stamp, k) => stamp === stamps[k])) {
      return churnReportAt(kept.report, options.asOf);
    }
    // A slice of customers at a time, so a first report over many customers does not hold the event loop. With a
    // kept report of the same periods, only the slices some account of which changed since are computed again: the
    // kept total (restated: only the instants it names change) less their old parts plus their new ones.
    const parts: ChurnReport[] = [];
    const terms: ChurnReport[] = kept === undefined ? [] : [churnReportAt(kept.report, options.asOf)];
    for (let k = 0; k < stamps.length; k += 1) {
      const old = kept?.parts[k];
      if (kept !== undefined && old !== undefined && kept.stamps[k] === stamps[k]) {
        parts.push(old);
        continue;
      }
      const part = churnReportOf(timelines.slice(k * REPORT_SLICE, (k + 1) * REPORT_SLICE), options);
      parts.push(part);
      if (kept !== undefined) {
        if (old !== undefined) terms.push(negatedChurnReport(churnReportAt(old, options.asOf)));
        terms.push(part);
      }
      await this.pause();
    }
    const report = sumChurnReports(kept === undefined ? parts : terms);
    const { reports } = entry;
    reports.delete(query);
    reports.set(query, { periods, stamps, parts, report });
    if (reports.size > 32) reports.delete(reports.keys().next().value as string);
    return report;
  }

  private async entry(
    key: PopulationCacheKey,
    asOf: number,
    build: () => Promise<BuiltPopulation>,
    update: PopulationUpdate | undefined,
  ): Promise<{ population: KeptPopulation; entry: Entry }> {
    const same = (candidate: Entry) => candidate.key.of === key.of && candidate.key.state === key.state;
    for (const entry of this.entries.filter(same)) {
      const built = await entry.built.catch(() => undefined);
      if (built && reusableAt(built.reuse, asOf)) {
        this.touch(entry);
        return { population: built.population, entry };
      }
    }
    let entry: Entry | undefined;
    if (update !== undefined) {
      for (const candidate of this.entries.filter((e) => e.key.of === key.of && e.key.state !== key.state)) {
        const built = await candidate.built.catch(() => undefined);
        if (built === undefined || !reusableAt(built.reuse, asOf)) continue;
        // Another request may have started this state while this one waited: share it.
        if (this.entries.some(same)) return this.entry(key, asOf, build, update);
        entry = { key, built: update(built).then((updated) => updated ?? build()), reports: candidate.reports };
        break;
      }
    }
    entry ??= { key, built: build(), reports: new Map() };
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
