import { recordedDemoHistory } from '@crm/demo-data';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { foldEvents, InMemoryReadStore, type AnyProjection, type DocumentRecord } from '@crm/shared/read-model';
import { projectionSpec } from '@crm/shared/testing';
import { churnReport, churnReportOf, negatedChurnReport, sumChurnReports, type ChurnReportOptions } from './churn-report';
import { customerActivityProjection } from './customer-activity.projection';
import { customerHistories } from './customer-history';
import { DAY_MS } from './days';
import { changeMarkerId, LOYALTY_PROJECTION_NAMES, sortablePosition, type CustomerInteractionDoc } from './documents';
import { LOYALTY_CHURN_PROJECTIONS } from './index';
import { KeptPopulation, SortedList } from './kept-population';
import { latestFact } from './loyalty-population';
import {
  buildPopulation,
  loadLoyaltySources,
  PopulationCache,
  updatePopulation,
  type BuiltPopulation,
  type LoyaltyCollections,
  type PopulationMarks,
} from './loyalty-reads';
import { rfmValues } from './rfm';

describe('changed-since stamps', () => {
  it('stamp a document with the sortable position of the event that last changed it, and leave one unchanged alone', () => {
    const opened = {
      type: 'AccountOpened',
      data: { accountId: 'a1', name: 'فولاد', nameKey: 'فولاد', openedAt: '2025-01-05T00:00:00Z' },
    } as const;
    projectionSpec(customerActivityProjection)
      .given([opened, { type: 'AccountUpdated', data: { accountId: 'a1', changes: {}, updatedAt: '2025-01-06T00:00:00Z' } }])
      .thenDocument('default:a1', {
        tenantId: 'default',
        accountId: 'a1',
        name: 'فولاد',
        openedAt: '2025-01-05T00:00:00.000Z',
        status: 'open',
        closures: [],
        purchases: [],
        lastPosition: sortablePosition('1'),
      });
    expect(customerActivityProjection.indexes).toContainEqual(['tenantId', 'lastPosition']);
  });

  it('sort as the positions of each event store do', () => {
    const ordered = (positions: string[]) => [...positions].map(sortablePosition).sort();
    expect(ordered(['10', '9', '100', '0'])).toEqual(['0', '9', '10', '100'].map(sortablePosition));
    // PostgreSQL: transaction id, then position; EventStoreDB: commit, then prepare.
    expect(ordered(['10/3', '9/12', '10/20', '123456789012345678/1'])).toEqual(
      ['9/12', '10/3', '10/20', '123456789012345678/1'].map(sortablePosition),
    );
    expect(ordered(['18446744073709551615:1', '7:7', '7:10'])).toEqual(['7:7', '7:10', '18446744073709551615:1'].map(sortablePosition));
  });
});

describe('SortedList', () => {
  it('counts below and equal as a sorted array does, through insertions and removals', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, -0, 0, -2];
    const list = SortedList.of(values);
    const check = (held: number[]) => {
      for (const v of [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 9, 10]) {
        expect(list.below(v)).toBe(held.filter((x) => x < v).length);
        expect(list.equal(v)).toBe(held.filter((x) => x === v).length);
      }
      expect(list.size).toBe(held.length);
    };
    check(values);
    const held = [...values];
    for (const [op, v] of [
      ['remove', 5],
      ['insert', 7],
      ['remove', -2],
      ['insert', 5],
      ['remove', 0],
      ['insert', -0],
    ] as const) {
      if (op === 'remove') {
        list.remove(v);
        held.splice(held.indexOf(v), 1);
      } else {
        list.insert(v);
        held.push(v);
      }
      check(held);
    }
    expect(() => list.remove(8)).toThrow(RangeError);
  });
});

/** The loyalty read models of a history, kept in a store as the runner keeps them, fed events a batch at a time. */
class FoldedStore {
  readonly store = new InMemoryReadStore();
  private readonly documents = new Map<AnyProjection, Map<string, DocumentRecord<object>>>(
    LOYALTY_CHURN_PROJECTIONS.map((projection) => [projection, new Map()]),
  );

  async apply(events: readonly RecordedEvent[]): Promise<void> {
    const compare = (a: string, b: string) => Math.sign(Number(a) - Number(b));
    for (const [projection, documents] of this.documents) {
      const handled = events.filter((event) => projection.eventTypes.includes(event.type));
      const folded = foldEvents(projection, documents, handled, compare);
      if (folded.failure) throw folded.failure.error;
      await this.store.transaction((tx) => {
        for (const [id, record] of folded.changed) {
          if (record === null) {
            documents.delete(id);
            tx.delete(projection.collection, id);
          } else {
            const copy = JSON.parse(JSON.stringify(record)) as DocumentRecord<object>;
            documents.set(id, copy);
            tx.put(projection.collection, id, copy.doc, copy.position);
          }
        }
      });
    }
  }

  /** The tenant's change markers, read as the views read them (before any document). */
  async marks(collections: LoyaltyCollections): Promise<PopulationMarks> {
    const roles = Object.keys(collections) as (keyof LoyaltyCollections)[];
    const positions = await Promise.all(
      roles.map(async (role) => (await this.store.get(collections[role], changeMarkerId('default')))?.position ?? null),
    );
    return {
      collections,
      positions: Object.fromEntries(roles.map((role, i) => [role, positions[i] ?? null])) as PopulationMarks['positions'],
    };
  }
}

describe('a kept population updated account by account, on a seeded history', () => {
  const types = [...new Set(LOYALTY_CHURN_PROJECTIONS.flatMap((p) => p.eventTypes))];
  const seeded = recordedDemoHistory({ events: 30_000, seed: 5 }, types);
  const collectionOf = (name: string) => (LOYALTY_CHURN_PROJECTIONS.find((p) => p.name === name) as AnyProjection).collection;
  const collections: LoyaltyCollections = {
    activity: collectionOf(LOYALTY_PROJECTION_NAMES.activity),
    wonDeals: collectionOf(LOYALTY_PROJECTION_NAMES.wonDeals),
    interactions: collectionOf(LOYALTY_PROJECTION_NAMES.interactions),
    contactLinks: collectionOf(LOYALTY_PROJECTION_NAMES.contactLinks),
    opportunityLinks: collectionOf(LOYALTY_PROJECTION_NAMES.opportunityLinks),
  };

  it('equals the population built afresh after each batch of changes, and so do its churn reports', async () => {
    const folded = new FoldedStore();
    const cut = Math.floor(seeded.length * 0.98);
    await folded.apply(seeded.slice(0, cut));
    const all = await loadLoyaltySources(folded.store, collections, 'default');
    const horizon = latestFact(all);
    // After every fact, the ones to come included (they are dated before the history's last): each update serves it.
    const asOf = horizon + 40 * DAY_MS;
    const key = { asOf, windowDays: 365, inactivityDays: 120, rule: 'auto' as const };

    // Changes a stream brings, built from documents the history left: purchases, interactions, a contact moved to
    // another account, a deal relinked (its interactions follow it) and won for the account it now belongs to, an
    // account closed, an account opened with a purchase.
    const metadata = (seeded[seeded.length - 1] as RecordedEvent).metadata;
    let position = Number((seeded[seeded.length - 1] as RecordedEvent).position) + 1_000;
    const event = (type: string, data: object): RecordedEvent =>
      ({ streamId: `s-${position}`, type, data, revision: 0, position: String((position += 1)), metadata }) as RecordedEvent;
    const interactions = (
      await folded.store.find<CustomerInteractionDoc>(collections.interactions, { where: { tenantId: 'default' } })
    ).map((r) => r.doc);
    const contactId = interactions.find((i) => i.contactId !== undefined)?.contactId as string;
    const opportunityId = interactions.find((i) => i.opportunityId !== undefined)?.opportunityId as string;
    expect(contactId).toBeDefined();
    expect(opportunityId).toBeDefined();
    const accounts = all.activities.map((a) => a.accountId);
    const contactAccount = all.contactLinks.find((l) => l.contactId === contactId)?.accountId;
    const dealAccount = all.opportunityLinks.find((l) => l.opportunityId === opportunityId)?.accountId;
    const elsewhere = (accountId: string | undefined) => accounts.find((a) => a !== accountId) as string;
    const day = (n: number) => new Date(horizon - n * DAY_MS).toISOString();
    const irr = (amount: number) => ({ amount, currency: 'IRR' });
    const crafted: RecordedEvent[][] = [
      [
        event('PurchaseRecorded', {
          accountId: accounts[3],
          purchaseId: 'x-p1',
          amount: irr(7_000),
          occurredAt: day(2),
          externalRef: 'x1',
        }),
        event('InteractionLogged', {
          interactionId: 'x-i1',
          channel: 'phone',
          direction: 'inbound',
          regarding: { type: 'account', id: accounts[5] },
          summary: 'x',
          occurredAt: day(1),
          loggedAt: day(1),
        }),
      ],
      [
        event('ContactLinkedToAccount', {
          contactId,
          accountId: elsewhere(contactAccount),
          previousAccountId: contactAccount,
          linkedAt: day(3),
        }),
      ],
      [
        event('OpportunityOpened', {
          opportunityId,
          accountId: elsewhere(dealAccount),
          name: 'x',
          need: 'x',
          amount: irr(5),
          expectedCloseDate: '2030-01-01',
          stage: 'qualification',
          probability: 10,
          openedAt: day(4),
        }),
        event('OpportunityWon', {
          opportunityId,
          accountId: elsewhere(dealAccount),
          amount: irr(90_000),
          stage: 'negotiation',
          wonAt: day(2),
        }),
      ],
      [event('AccountClosed', { accountId: accounts[7], reason: 'x', closedAt: day(1) })],
      [
        event('AccountOpened', { accountId: 'x-new', name: 'x', nameKey: 'x', openedAt: day(30) }),
        event('PurchaseRecorded', { accountId: 'x-new', purchaseId: 'x-p2', amount: irr(100), occurredAt: day(20), externalRef: 'x2' }),
      ],
    ];
    const rest = seeded.slice(cut);
    // The rest of the history first (the crafted events come after it in the log).
    const batches = [rest.slice(0, rest.length / 2), rest.slice(rest.length / 2), ...crafted];

    let builds = 0;
    const build = async (marks: PopulationMarks) => {
      builds += 1;
      return buildPopulation(await loadLoyaltySources(folded.store, collections, 'default'), key, undefined, 200, marks);
    };
    const cache = new PopulationCache(4);
    const report: ChurnReportOptions = { asOf, inactivityDays: 120, bucket: 'month' };
    const cacheKey = (marks: PopulationMarks) => ({ of: 'default', state: JSON.stringify(marks.positions) });
    let marks = await folded.marks(collections);
    await cache.churnReport(cacheKey(marks), report, () => build(marks));
    let kept: BuiltPopulation = await build(marks);
    expect(builds).toBe(2);

    for (const batch of batches) {
      await folded.apply(batch);
      marks = await folded.marks(collections);
      const updated = await updatePopulation(folded.store, collections, 'default', kept, key, marks, { maxAccounts: 10_000 });
      if (updated === undefined) throw new Error('the update gave up');
      kept = updated;
      const sources = await loadLoyaltySources(folded.store, collections, 'default');
      const fresh = (await buildPopulation(sources, key)).population;
      const byAccount = (p: KeptPopulation) => [...p.timelines].sort((a, b) => a.accountId.localeCompare(b.accountId));
      expect(byAccount(kept.population)).toEqual(byAccount(fresh));
      expect(kept.population.activeCustomers).toBe(fresh.activeCustomers);
      expect(kept.population.annualChurn).toEqual(fresh.annualChurn);
      for (const history of customerHistories(sources, asOf)) {
        const values = rfmValues(history, asOf, 365);
        if (values !== undefined) expect(kept.population.scores(values)).toEqual(fresh.scores(values));
      }
      // Through the cache: updated, not built, and the kept report's parts restated or recomputed per slice.
      const now = await cache.churnReport(
        cacheKey(marks),
        report,
        async () => build(marks),
        (from) => updatePopulation(folded.store, collections, 'default', from, key, marks, { maxAccounts: 10_000 }),
      );
      expect(now).toEqual(churnReport(customerHistories(sources, asOf), report));
    }
    expect(builds).toBe(2);
    // Taking a group's report out of a total leaves the report of the others.
    const timelines = kept.population.timelines;
    expect(sumChurnReports([churnReportOf(timelines, report), negatedChurnReport(churnReportOf(timelines.slice(0, 100), report))])).toEqual(
      churnReportOf(timelines.slice(100), report),
    );
    // The stream did move figures: the new account is counted, the closed one is lost.
    expect(kept.population.has('x-new')).toBe(true);
    const closed = kept.population.timelines.find((t) => t.accountId === accounts[7]);
    expect(closed?.spans.every((span) => span.to !== undefined)).toBe(true);
  });

  it('gives up when more accounts changed than it may re-read, and on another serving collection', async () => {
    const folded = new FoldedStore();
    const cut = Math.floor(seeded.length * 0.5);
    await folded.apply(seeded.slice(0, cut));
    const asOf = latestFact(await loadLoyaltySources(folded.store, collections, 'default')) + DAY_MS;
    const key = { asOf, windowDays: 365, inactivityDays: 120, rule: 'auto' as const };
    const kept = await buildPopulation(
      await loadLoyaltySources(folded.store, collections, 'default'),
      key,
      undefined,
      200,
      await folded.marks(collections),
    );
    await folded.apply(seeded.slice(cut));
    const marks = await folded.marks(collections);
    expect(await updatePopulation(folded.store, collections, 'default', kept, key, marks, { maxAccounts: 5 })).toBeUndefined();
    const moved = { ...collections, activity: 'elsewhere' };
    expect(await updatePopulation(folded.store, moved, 'default', kept, key, { ...marks, collections: moved })).toBeUndefined();
    // A day later the kept one does not serve: a build is needed, not an update.
    expect(await updatePopulation(folded.store, collections, 'default', kept, { ...key, asOf: asOf + DAY_MS }, marks)).toBeUndefined();
  });
});
