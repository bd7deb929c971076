import { recordedDemoHistory } from '@crm/demo-data';
import { type AnyProjection, type InMemoryReadStore, type ReadStore, tenantKey, timeRange } from '@crm/shared/read-model';
import { DIRECT_DEALS_AGGREGATE, funnel, funnelWhere, loadFunnel, type FunnelFilters } from './funnel';
import type { MonthStrategy } from './month-summaries';
import { pipelineLeads, type PipelineLead } from './pipeline-leads.projection';
import { pipelineOpportunities, type PipelineOpportunity } from './pipeline-opportunities.projection';
import { foldInBatches } from '@crm/projections/testing';
import { compact } from '@crm/shared/kernel';

const collections = { leads: 'pipeline_leads', opportunities: 'pipeline_opportunities' };

/** The funnel as defined: every lead of the period counted, every qualified one followed to its deal. */
async function fromEveryLead(store: ReadStore, filters: FunnelFilters) {
  const field = filters.by === 'campaign' ? 'campaignId' : 'source';
  const where = funnelWhere('default', filters);
  const counts = await store.aggregate(collections.leads, { where, groupBy: [field, 'status'] });
  const leads = (await store.find<PipelineLead>(collections.leads, { where: { ...where, status: 'qualified' } })).map((r) => r.doc);
  const ids = leads.flatMap((lead) => (lead.opportunityId ? [tenantKey('default', lead.opportunityId)] : []));
  const deals = await store.getMany<PipelineOpportunity>(collections.opportunities, ids);
  const direct = await store.aggregate(collections.opportunities, {
    where: compact({ tenantId: 'default', status: { in: ['open', 'won', 'lost'] }, openedAt: timeRange(filters.from, filters.to) }),
    groupBy: [...DIRECT_DEALS_AGGREGATE.groupBy],
    sum: [...DIRECT_DEALS_AGGREGATE.sum],
  });
  return funnel(counts, leads, new Map([...deals.values()].map((r) => [r.doc.opportunityId, r.doc])), filters, new Map(), direct);
}

/** The store with what a build before the months documents per year read made to throw: the join, and its one months document per kind. */
function newDocumentsOnly(store: ReadStore): ReadStore {
  const old = /:~summary:(months|sourceMonths|campaignMonths|funnelSourceMonths|funnelCampaignMonths|directMonths)$/;
  return Object.assign(Object.create(store) as ReadStore, {
    find: () => Promise.reject(new Error('the funnel joined the leads to their deals')),
    getMany: (collection: string, ids: readonly string[]) => {
      const stale = ids.find((id) => old.test(id));
      if (stale !== undefined) return Promise.reject(new Error(`read ${stale}`));
      return store.getMany(collection, ids);
    },
  });
}

describe('funnel from the summaries, on a seeded history folded batch by batch', () => {
  let store: InMemoryReadStore;
  beforeAll(async () => {
    const types = [...new Set([...pipelineLeads.eventTypes, ...pipelineOpportunities.eventTypes])];
    const events = recordedDemoHistory({ events: 40_000, seed: 8 }, types);
    store = await foldInBatches([pipelineLeads, pipelineOpportunities] as unknown as AnyProjection[], events, 300);
  });

  const periods: readonly [string, FunnelFilters][] = [
    ['all time', {}],
    ['whole months', { from: '2025-02-01', to: '2025-05-31' }],
    ['part-months at both edges', { from: '2025-01-20', to: '2025-07-09' }],
    ['within one month', { from: '2025-03-02', to: '2025-03-30' }],
    ['up to a day', { to: '2025-04-14' }],
    ['from a day on', { from: '2025-03-17' }],
    ['from a month on, across a year', { from: '2025-11-01' }],
    ['up to a day of the next year', { to: '2026-02-09' }],
    ['across a year', { from: '2025-10-07', to: '2026-01-31' }],
  ];
  const strategies: readonly (MonthStrategy | undefined)[] = [undefined, 'years', 'complement'];

  it('has a history across two years', async () => {
    const years = await store.aggregate(collections.leads, { where: { tenantId: 'default', capturedAt: { gte: '2026-01-01' } } });
    expect(years[0]?.count).toBeGreaterThan(100);
  });

  it.each(
    periods.flatMap(([name, period]) =>
      (['source', 'campaign'] as const).flatMap((by) =>
        (name === 'all time' ? [undefined] : strategies).map((strategy) => [name, by, strategy ?? 'either', { ...period, by }] as const),
      ),
    ),
  )('%s, by %s, months summed from %s', async (_name, _by, strategy, filters) => {
    const reference = await fromEveryLead(store, filters);
    if (filters.from === undefined && filters.to === undefined) {
      expect(reference.total.leads).toBeGreaterThan(1_000);
      expect(reference.total.won).toBeGreaterThan(20);
      expect(reference.direct.won).toBeGreaterThan(20); // deals opened without a lead: the summary's share of them is checked too
    }
    // The documents per year answer: the join lead by lead and the months documents of a build before them throw.
    expect(
      await loadFunnel(newDocumentsOnly(store), collections, 'default', filters, strategy === 'either' ? undefined : strategy),
    ).toEqual(reference);
  });
});
