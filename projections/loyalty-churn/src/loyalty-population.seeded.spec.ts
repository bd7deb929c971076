import { recordedDemoHistory } from '@crm/demo-data';
import { foldEvents, InMemoryReadStore, isSummaryDoc, type AnyProjection, type DocumentRecord } from '@crm/shared/read-model';
import { isActiveAt } from './activity-timeline';
import { churnReport, churnReportOf, sumChurnReports, type ChurnReportOptions } from './churn-report';
import { customerHistories, type LoyaltySources } from './customer-history';
import { DAY_MS, dayNumber } from './days';
import { changeMarkerId, LOYALTY_PROJECTION_NAMES } from './documents';
import { LOYALTY_CHURN_PROJECTIONS } from './index';
import { at, history } from './loyalty.fixtures';
import { loyaltyProfile, loyaltyProfileOf, type LoyaltyOptions } from './loyalty-profile';
import { factInstants, latestFact, loyaltyPopulation, reusableAt, reuseOf } from './loyalty-population';
import { buildPopulation, loadCustomerSources, loadLoyaltySources, PopulationCache, type LoyaltyCollections } from './loyalty-reads';
import { rfmScores, rfmValues } from './rfm';

/** Every loyalty document of a seeded history, folded in batches through JSON as the runner does. */
function seededSources(): LoyaltySources {
  const types = [...new Set(LOYALTY_CHURN_PROJECTIONS.flatMap((p) => p.eventTypes))];
  const events = recordedDemoHistory({ events: 30_000, seed: 5 }, types);
  const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
  const docs = (projection: AnyProjection): object[] => {
    const handled = events.filter((event) => projection.eventTypes.includes(event.type));
    const documents = new Map<string, DocumentRecord<object>>();
    for (let start = 0; start < handled.length; start += 500) {
      const folded = foldEvents(projection, documents, handled.slice(start, start + 500), compare);
      if (folded.failure) throw folded.failure.error;
      for (const [id, record] of folded.changed) {
        if (record) documents.set(id, JSON.parse(JSON.stringify(record)) as DocumentRecord<object>);
        else documents.delete(id);
      }
    }
    // The tenant's change marker (a summary document) is no loyalty document.
    return [...documents.values()].map((record) => record.doc).filter((doc) => !isSummaryDoc(doc));
  };
  const of = (name: string) => docs(LOYALTY_CHURN_PROJECTIONS.find((p) => p.name === name) as AnyProjection) as never[];
  return {
    activities: of(LOYALTY_PROJECTION_NAMES.activity),
    wonDeals: of(LOYALTY_PROJECTION_NAMES.wonDeals),
    interactions: of(LOYALTY_PROJECTION_NAMES.interactions),
    contactLinks: of(LOYALTY_PROJECTION_NAMES.contactLinks),
    opportunityLinks: of(LOYALTY_PROJECTION_NAMES.opportunityLinks),
  };
}

describe('reusableAt', () => {
  // One customer, first purchase at noon on 15 January: one month later, at noon on 15 February, it falls due for retention.
  const histories = [history('A', { purchases: [['2025-01-15T12:00:00Z', 100]] })];
  const facts = [at('2025-01-15T12:00:00Z')];
  const report = (asOf: number) => churnReport(histories, { asOf, inactivityDays: 90, bucket: 'month' });
  const morning = at('2025-02-15T06:00:00Z');
  const reuse = reuseOf(loyaltyPopulation(histories, { asOf: morning, windowDays: 365, inactivityDays: 90 }), facts);

  it('refuses an asOf of the same day across an instant the figures turn on, whose figures differ', () => {
    const evening = at('2025-02-15T18:00:00Z');
    expect(reusableAt(reuse, evening)).toBe(false);
    expect(report(evening).retention).not.toEqual(report(morning).retention);
  });

  it('accepts one on the same side of it, and refuses another day or one across a dated fact', () => {
    expect(reusableAt(reuse, at('2025-02-15T11:59:59.999Z'))).toBe(true);
    expect(report(at('2025-02-15T11:59:59.999Z'))).toEqual({
      ...report(morning),
      asOf: '2025-02-15T11:59:59.999Z',
      annual: expect.anything(),
    });
    expect(reusableAt(reuse, at('2025-02-14T07:00:00Z'))).toBe(false);
    const early = reuseOf(loyaltyPopulation(histories, { asOf: at('2025-01-15T08:00:00Z'), windowDays: 365, inactivityDays: 90 }), facts);
    expect(reusableAt(early, at('2025-01-15T09:00:00Z'))).toBe(true);
    expect(reusableAt(early, at('2025-01-15T12:00:00Z'))).toBe(false);
  });
});

describe('tenant change markers', () => {
  it('stand at the position of the latest change to the tenant’s documents, in every loyalty collection', () => {
    const types = [...new Set(LOYALTY_CHURN_PROJECTIONS.flatMap((p) => p.eventTypes))];
    const events = recordedDemoHistory({ events: 5_000, seed: 2 }, types);
    const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
    for (const projection of LOYALTY_CHURN_PROJECTIONS) {
      const documents = new Map<string, DocumentRecord<object>>();
      const handled = events.filter((event) => projection.eventTypes.includes(event.type));
      for (let start = 0; start < handled.length; start += 100) {
        const folded = foldEvents(projection, documents, handled.slice(start, start + 100), compare);
        for (const [id, record] of folded.changed) if (record) documents.set(id, record);
      }
      const marker = documents.get(changeMarkerId('default'));
      const others = [...documents.values()].filter((record) => !isSummaryDoc(record.doc));
      expect(others.length).toBeGreaterThan(10);
      expect(marker?.position).toBe(String(Math.max(...others.map((record) => Number(record.position)))));
    }
  });
});

describe('loyalty population on a seeded history', () => {
  const sources = seededSources();
  const horizon = latestFact(sources);
  const options = (asOf: number): LoyaltyOptions => ({ asOf, windowDays: 365, inactivityDays: 90, margin: 0.3 });

  it('ranks by binary search exactly as rfmScores ranks by scanning the base, at several dates', () => {
    let scored = 0;
    for (const asOf of [horizon - 400 * DAY_MS, horizon - 90 * DAY_MS, horizon]) {
      const histories = customerHistories(sources, asOf);
      const population = loyaltyPopulation(histories, options(asOf));
      const active = new Set(population.timelines.filter((t) => isActiveAt(t.spans, asOf)).map((t) => t.accountId));
      const base = histories.filter((h) => active.has(h.accountId)).flatMap((h) => rfmValues(h, asOf, 365) ?? []);
      expect(population.activeCustomers).toBe(base.length);
      for (const history of histories) {
        const values = rfmValues(history, asOf, 365);
        if (values === undefined) continue;
        // Inside the base and outside it (lost customers are ranked as if added).
        expect(population.scores(values)).toEqual(rfmScores(base, values));
        scored += 1;
      }
    }
    expect(scored).toBeGreaterThan(500);
  });

  it('serves every asOf it says it can with the figures computed afresh, cards and churn reports alike', () => {
    const histories = customerHistories(sources, horizon);
    expect(histories.length).toBeGreaterThan(100);
    // A day well after the history: the annual window starts inside it, so the gaps matter.
    const day = dayNumber(horizon) + 200;
    const starts = [day * DAY_MS + 1, day * DAY_MS + 43_200_000];
    const accounts = histories.filter((_, i) => i % 7 === 0).map((h) => h.accountId);
    let compared = 0;
    let refused = 0;
    for (const start of starts) {
      const population = loyaltyPopulation(customerHistories(sources, start), options(start));
      const reuse = reuseOf(population, factInstants(sources));
      for (const asOf of [start, start + 1, start + 3_600_000, day * DAY_MS + DAY_MS - 1, (day + 1) * DAY_MS, horizon - 1]) {
        if (!reusableAt(reuse, asOf)) {
          refused += 1;
          continue;
        }
        const now = customerHistories(sources, asOf);
        for (const accountId of accounts) {
          const history = now.find((h) => h.accountId === accountId);
          if (history === undefined) throw new Error(`no history for ${accountId}`);
          expect(loyaltyProfileOf(history, population, options(asOf))).toEqual(loyaltyProfile(accountId, now, options(asOf)));
          compared += 1;
        }
        for (const bucket of ['month', 'jalali'] as const) {
          const report: ChurnReportOptions = { asOf, inactivityDays: 90, bucket };
          expect(churnReportOf(population.timelines, report)).toEqual(churnReport(now, report));
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
    // Every half hour of a day after the history, and of one inside it (facts dated that day split it).
    type Tally = { accepted: number; refused: number };
    let inside: Tally = { accepted: 0, refused: 0 };
    const days: [number, Tally][] = [
      [day, { accepted: 0, refused: 0 }],
      [dayNumber(horizon) - 150, { accepted: 0, refused: 0 }],
    ];
    for (const [d, tally] of days) {
      const first = d * DAY_MS + 7;
      const population = loyaltyPopulation(customerHistories(sources, first), options(first));
      const reuse = reuseOf(population, factInstants(sources));
      for (const asOf of Array.from({ length: 48 }, (_, i) => first + i * 1_800_000)) {
        if (!reusableAt(reuse, asOf)) {
          tally.refused += 1;
          continue;
        }
        tally.accepted += 1;
        const now = customerHistories(sources, asOf);
        const report: ChurnReportOptions = { asOf, inactivityDays: 90, bucket: 'month' };
        expect(churnReportOf(population.timelines, report)).toEqual(churnReport(now, report));
        for (const accountId of accounts.slice(0, 20)) {
          const history = now.find((h) => h.accountId === accountId) as (typeof now)[number];
          expect(loyaltyProfileOf(history, population, options(asOf))).toEqual(loyaltyProfile(accountId, now, options(asOf)));
        }
      }
      inside = tally;
    }
    expect(inside.accepted).toBeGreaterThan(0);
    expect(inside.refused).toBeGreaterThan(0);
    // The next day, and a time on the other side of facts, are never taken for the same.
    expect(refused).toBeGreaterThanOrEqual(4);
  });
});

describe('loyalty reads on a seeded history', () => {
  const sources = seededSources();
  const collections: LoyaltyCollections = {
    activity: 'activity',
    wonDeals: 'deals',
    interactions: 'interactions',
    contactLinks: 'contacts',
    opportunityLinks: 'opportunities',
  };
  const store = new InMemoryReadStore();
  const keyed = (doc: object) => {
    const d = doc as Record<string, string>;
    return `${d['tenantId']}:${d['accountId'] ?? ''}:${d['sourceId'] ?? d['opportunityId'] ?? d['contactId'] ?? ''}:${d['kind'] ?? ''}:${d['occurrence'] ?? ''}`;
  };
  beforeAll(() =>
    store.transaction((tx) => {
      for (const doc of sources.activities) tx.put(collections.activity, `${doc.tenantId}:${doc.accountId}`, doc, '1');
      for (const doc of sources.wonDeals) tx.put(collections.wonDeals, keyed(doc), doc, '1');
      for (const doc of sources.interactions) tx.put(collections.interactions, keyed(doc), doc, '1');
      for (const doc of sources.contactLinks) tx.put(collections.contactLinks, keyed(doc), doc, '1');
      for (const doc of sources.opportunityLinks) tx.put(collections.opportunityLinks, keyed(doc), doc, '1');
    }),
  );
  const horizon = latestFact(sources);

  it('reads one account its own rows only, and they give the history every row gives', async () => {
    const all = customerHistories(sources, horizon);
    let withContacts = 0;
    for (const history of all.filter((_, i) => i % 10 === 0)) {
      const own = await loadCustomerSources(store, collections, 'default', history.accountId);
      if (own === undefined) throw new Error(`${history.accountId} not found`);
      expect(own.interactions.length).toBeLessThan(sources.interactions.length / 10);
      if (own.contactLinks.length > 0 && own.interactions.some((i) => i.contactId !== undefined)) withContacts += 1;
      expect(customerHistories(own, horizon)).toEqual([history]);
    }
    expect(withContacts).toBeGreaterThan(3);
    expect(await loadCustomerSources(store, collections, 'default', 'no-such-account')).toBeUndefined();
    expect(await loadCustomerSources(store, collections, 'other-tenant', all[0]?.accountId as string)).toBeUndefined();
  });

  it('sums the churn reports of slices of customers into the report over all of them', () => {
    const asOf = horizon - 100 * DAY_MS;
    const timelines = loyaltyPopulation(customerHistories(sources, asOf), { asOf, windowDays: 365, inactivityDays: 90 }).timelines;
    for (const bucket of ['month', 'jalali'] as const) {
      const options: ChurnReportOptions = { asOf, inactivityDays: 90, bucket, from: horizon - 700 * DAY_MS };
      const parts = [0, 1, 2, 3, 4, 5, 6].map((k) =>
        churnReportOf(timelines.slice((k * timelines.length) / 7, ((k + 1) * timelines.length) / 7), options),
      );
      const whole = churnReportOf(timelines, options);
      expect(whole.periods.length).toBeGreaterThan(20);
      expect(sumChurnReports(parts)).toEqual(whole);
    }
  });

  it('reads every document page by page, and builds the same population slice by slice', async () => {
    let pauses = 0;
    const paged = await loadLoyaltySources(store, collections, 'default', { pageSize: 97, pause: async () => void (pauses += 1) });
    const sorted = (docs: readonly object[]) => [...docs].map((d) => JSON.stringify(d)).sort();
    for (const name of Object.keys(sources) as (keyof typeof sources)[]) expect(sorted(paged[name])).toEqual(sorted(sources[name]));
    expect(pauses).toBeGreaterThan(20);
    const asOf = horizon + 30 * DAY_MS;
    const key = { asOf, windowDays: 200, inactivityDays: 120, rule: 'always' as const };
    const built = await buildPopulation(paged, key, async () => undefined, 37);
    const whole = loyaltyPopulation(customerHistories(sources, asOf, 'always'), { asOf, windowDays: 200, inactivityDays: 120 });
    expect(built.population.activeCustomers).toBe(whole.activeCustomers);
    expect(built.population.annualChurn).toEqual(whole.annualChurn);
    expect(sorted(built.population.timelines)).toEqual(sorted(whole.timelines));
  });

  it('keeps a population per key, reuses it where reusableAt says, and restates kept churn reports', async () => {
    const cache = new PopulationCache(4);
    const k1 = { of: 'tenant', state: '1' };
    const k2 = { of: 'tenant', state: '2' };
    let builds = 0;
    const asOf = (dayNumber(horizon) + 3) * DAY_MS + 5;
    const build = (at: number) => async () => {
      builds += 1;
      return buildPopulation(sources, { asOf: at, windowDays: 365, inactivityDays: 90, rule: 'auto' });
    };
    const report = (at: number) => ({ asOf: at, inactivityDays: 90, bucket: 'month' as const });
    const [first, second] = await Promise.all([
      cache.churnReport(k1, report(asOf), build(asOf)),
      cache.churnReport(k1, report(asOf + 1), build(asOf + 1)),
    ]);
    expect(builds).toBe(1); // the second request waited for the first one's build and found it serves
    expect(second).toEqual(churnReport(customerHistories(sources, asOf + 1), report(asOf + 1)));
    expect(first).toEqual(churnReport(customerHistories(sources, asOf), report(asOf)));
    const later = asOf + 3_600_000;
    expect(await cache.churnReport(k1, report(later), build(later))).toEqual(churnReport(customerHistories(sources, later), report(later)));
    expect(builds).toBe(1);
    await cache.population(k1, asOf + DAY_MS, build(asOf + DAY_MS)); // another day
    expect(builds).toBe(2);
    await cache.population(k2, asOf, build(asOf)); // another state (the read models moved)
    expect(builds).toBe(3);
    await cache.population(k1, asOf, build(asOf)); // the older state's entries were dropped
    expect(builds).toBe(4);
    await expect(cache.churnReport(k1, { ...report(asOf), from: asOf + DAY_MS * 40 }, build(asOf))).rejects.toThrow('`from`');
  });
});
