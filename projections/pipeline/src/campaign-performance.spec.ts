import type { InMemoryReadStore } from '@crm/shared/read-model';
import { campaignRoi, loadCampaignPerformance, MARKETING_MISSING_NOTE } from './campaign-performance';
import { pipelineLeads } from './pipeline-leads.projection';
import { pipelineOpportunities } from './pipeline-opportunities.projection';
import { funnelHistory } from './testing/scenarios';
import { irr, recorded, storeWith } from './testing/sales-history';

const collections = { leads: 'pipeline_leads', opportunities: 'pipeline_opportunities' };

describe('campaign performance', () => {
  let store: InMemoryReadStore;

  beforeAll(async () => {
    store = await storeWith([pipelineLeads, pipelineOpportunities], recorded(funnelHistory));
  });

  it('counts what sales events attribute to the campaign and leaves the marketing figures null, saying why', async () => {
    expect(await loadCampaignPerformance(store, collections, 'default', 'c1')).toEqual({
      campaignId: 'c1',
      leads: 2,
      qualified: 1,
      disqualified: 0,
      // o4 from its lead, o7 opened directly for the campaign.
      opportunities: 2,
      open: 1,
      won: 1,
      lost: 0,
      wonRevenue: [irr(700_000)],
      weightedPipeline: [irr(300_000)],
      conversion: { leadToQualified: 0.5, winRate: 1 },
      targets: null,
      responses: null,
      budget: null,
      cost: null,
      roi: null,
      missing: { fields: ['targets', 'responses', 'budget', 'cost', 'roi'], note: MARKETING_MISSING_NOTE },
    });
  });

  it('knows no campaign that no lead or deal names', async () => {
    expect(await loadCampaignPerformance(store, collections, 'default', 'c2')).toBeUndefined();
    expect(await loadCampaignPerformance(store, collections, 'acme', 'c1')).toBeUndefined();
  });

  it('computes ROI only from a known, non-zero cost in the revenue’s currency', () => {
    expect(campaignRoi([irr(250)], null)).toBeNull();
    expect(campaignRoi([irr(250)], irr(0))).toBeNull();
    expect(campaignRoi([irr(250)], irr(100))).toBe(1.5);
    expect(campaignRoi([], irr(100))).toBe(-1);
    expect(campaignRoi([{ amount: 5, currency: 'USD' }], irr(100))).toBeNull();
  });
});
