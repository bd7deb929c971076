import type { InMemoryReadStore } from '@crm/shared/read-model';
import { directDeals, funnel, funnelWhere, loadFunnel, type FunnelFilters } from './funnel';
import { pipelineLeads } from './pipeline-leads.projection';
import { pipelineOpportunities } from './pipeline-opportunities.projection';
import { campaignNamesId, marketingCampaigns } from '@crm/projections/marketing';
import { campaignPlanned, funnelHistory, irr, recorded, storeWith } from '@crm/projections/testing';

const collections = { leads: 'pipeline_leads', opportunities: 'pipeline_opportunities' };

describe('funnel', () => {
  let store: InMemoryReadStore;
  const load = (filters: FunnelFilters) => loadFunnel(store, collections, 'default', filters);

  beforeAll(async () => {
    store = await storeWith([pipelineLeads, pipelineOpportunities], recorded(funnelHistory));
  });

  it('follows leads to qualification, opened deals and wins, by source', async () => {
    const bySource = await load({});
    expect(bySource.by).toBe('source');
    expect(bySource.groups).toEqual([
      {
        key: 'phone',
        leads: 2,
        qualified: 1,
        disqualified: 0,
        opportunities: 1,
        won: 0,
        wonRevenue: [],
        conversion: { leadToQualified: 0.5, qualifiedToOpportunity: 1, opportunityToWon: 0, leadToWon: 0 },
      },
      {
        key: 'referral',
        leads: 1,
        qualified: 1,
        disqualified: 0,
        opportunities: 0,
        won: 0,
        wonRevenue: [],
        conversion: { leadToQualified: 1, qualifiedToOpportunity: 0, opportunityToWon: null, leadToWon: 0 },
      },
      {
        key: 'web',
        leads: 3,
        qualified: 2,
        disqualified: 1,
        opportunities: 2,
        won: 1,
        wonRevenue: [irr(900_000)],
        conversion: { leadToQualified: 0.6667, qualifiedToOpportunity: 1, opportunityToWon: 0.5, leadToWon: 0.3333 },
      },
    ]);
    expect(bySource.total).toEqual({
      leads: 6,
      qualified: 4,
      disqualified: 1,
      opportunities: 3,
      won: 1,
      wonRevenue: [irr(900_000)],
      conversion: { leadToQualified: 0.6667, qualifiedToOpportunity: 0.75, opportunityToWon: 0.3333, leadToWon: 0.1667 },
    });
  });

  it('groups by campaign, leads without one last', async () => {
    const byCampaign = await load({ by: 'campaign' });
    expect(
      byCampaign.groups.map(({ key, leads, qualified, opportunities, won }) => ({ key, leads, qualified, opportunities, won })),
    ).toEqual([
      { key: 'c1', leads: 2, qualified: 1, opportunities: 1, won: 0 },
      { key: null, leads: 4, qualified: 3, opportunities: 2, won: 1 },
    ]);
  });

  it('names the campaigns the marketing context knows', async () => {
    const named = await storeWith(
      [pipelineLeads, pipelineOpportunities, marketingCampaigns],
      recorded([...funnelHistory, campaignPlanned('c1')]),
    );
    const asked: string[] = [];
    const getMany: typeof named.getMany = (collection, ids) => {
      if (collection === 'marketing_campaigns') asked.push(...ids);
      return named.getMany(collection, ids);
    };
    const byCampaign = await loadFunnel(
      { aggregate: named.aggregate.bind(named), find: named.find.bind(named), get: named.get.bind(named), getMany },
      { ...collections, campaigns: 'marketing_campaigns' },
      'default',
      { by: 'campaign' },
    );
    expect(byCampaign.groups.map(({ key, name, leads }) => ({ key, name, leads }))).toEqual([
      { key: 'c1', name: 'جشنواره نوروز', leads: 2 },
      { key: null, name: null, leads: 4 },
    ]);
    // From the names summary: no campaign's own document is read.
    expect(asked).toEqual([campaignNamesId('default')]);
    expect((await loadFunnel(named, { ...collections, campaigns: 'marketing_campaigns' }, 'default', {})).groups[0]).not.toHaveProperty(
      'name',
    );
  });

  it('names the campaigns from their own documents while a build without the names summary serves', async () => {
    const named = await storeWith(
      [pipelineLeads, pipelineOpportunities, marketingCampaigns],
      recorded([...funnelHistory, campaignPlanned('c1')]),
    );
    await named.transaction((tx) => tx.delete('marketing_campaigns', campaignNamesId('default')));
    expect(await named.get('marketing_campaigns', campaignNamesId('default'))).toBeUndefined();
    const byCampaign = await loadFunnel(named, { ...collections, campaigns: 'marketing_campaigns' }, 'default', { by: 'campaign' });
    expect(byCampaign.groups.map(({ key, name }) => ({ key, name }))).toEqual([
      { key: 'c1', name: 'جشنواره نوروز' },
      { key: null, name: null },
    ]);
  });

  it('takes the period on the capture date', async () => {
    const january = await load({ from: '2026-01-01', to: '2026-01-31' });
    expect(january.period).toEqual({ basis: 'capturedAt', from: '2026-01-01', to: '2026-01-31' });
    expect(january.total).toMatchObject({ leads: 5, qualified: 4, opportunities: 3, won: 1 });
    expect((await load({ from: '2026-02-01' })).total).toMatchObject({ leads: 1, qualified: 0, opportunities: 0 });
    expect(funnelWhere('default', { to: '2026-01-31' })).toEqual({ tenantId: 'default', capturedAt: { lt: '2026-02-01' } });
  });

  it('is empty, with unknown rates, when there are no leads', () => {
    expect(funnel([], [], new Map(), {})).toEqual({
      by: 'source',
      period: { basis: 'capturedAt', from: null, to: null },
      groups: [],
      total: {
        leads: 0,
        qualified: 0,
        disqualified: 0,
        opportunities: 0,
        won: 0,
        wonRevenue: [],
        conversion: { leadToQualified: null, qualifiedToOpportunity: null, opportunityToWon: null, leadToWon: null },
      },
      direct: { basis: 'openedAt', opportunities: 0, won: 0, wonRevenue: [], opportunityToWon: null },
    });
  });

  it('reports the deals opened without a lead in their own row, so won revenue reconciles with the pipeline', () => {
    const row = (source: string | null, status: string, currency: string, count: number, amount: number) => ({
      group: { source, status, 'amount.currency': currency },
      count,
      sums: { 'amount.amount': amount },
    });
    const rows = [
      row('web', 'won', 'IRR', 3, 9_000),
      row(null, 'won', 'IRR', 2, 5_000),
      row(null, 'won', 'USD', 1, 70),
      row(null, 'open', 'IRR', 4, 1_000),
      row(null, 'lost', 'IRR', 1, 10),
    ];
    expect(directDeals(rows)).toEqual({
      basis: 'openedAt',
      opportunities: 8,
      won: 3,
      wonRevenue: [
        { amount: 5_000, currency: 'IRR' },
        { amount: 70, currency: 'USD' },
      ],
      opportunityToWon: 0.375,
    });
  });
});
