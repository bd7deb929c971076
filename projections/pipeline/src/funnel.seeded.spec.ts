import { recordedDemoHistory } from '@crm/demo-data';
import { type AnyProjection, type InMemoryReadStore, type ReadStore, tenantKey } from '@crm/shared/read-model';
import { DIRECT_DEALS_AGGREGATE, funnel, funnelWhere, loadFunnel, type FunnelFilters } from './funnel';
import { pipelineLeads, type PipelineLead } from './pipeline-leads.projection';
import { pipelineOpportunities, type PipelineOpportunity } from './pipeline-opportunities.projection';
import { dateRange } from './support';
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
    where: compact({ tenantId: 'default', status: { in: ['open', 'won', 'lost'] }, openedAt: dateRange(filters.from, filters.to) }),
    groupBy: [...DIRECT_DEALS_AGGREGATE.groupBy],
    sum: [...DIRECT_DEALS_AGGREGATE.sum],
  });
  return funnel(counts, leads, new Map([...deals.values()].map((r) => [r.doc.opportunityId, r.doc])), filters, new Map(), direct);
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
  ];
  it.each(periods.flatMap(([name, period]) => (['source', 'campaign'] as const).map((by) => [name, by, { ...period, by }] as const)))(
    '%s, by %s',
    async (_name, _by, filters) => {
      const reference = await fromEveryLead(store, filters);
      if (filters.from === undefined && filters.to === undefined) {
        expect(reference.total.leads).toBeGreaterThan(1_000);
        expect(reference.total.won).toBeGreaterThan(20);
        expect(reference.direct.won).toBeGreaterThan(20); // deals opened without a lead: the summary's share of them is checked too
      }
      expect(await loadFunnel(store, collections, 'default', filters)).toEqual(reference);
    },
  );
});
