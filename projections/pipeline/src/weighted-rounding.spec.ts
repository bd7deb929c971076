import type { InMemoryReadStore } from '@crm/shared/read-model';
import { irr, opportunityOpened, recorded, stageMoved, storeWith } from '@crm/projections/testing';
import { loadCampaignPerformance } from './campaign-performance';
import { loadOpportunityList } from './opportunity-list';
import { pipelineOpportunities } from './pipeline-opportunities.projection';
import { loadPipelineSummary, loadPipelineSummaryFromDeals, type PipelineFilters } from './pipeline-summary';
import { minorUnitsOfHundredths, weighedAmount, WeightedTotals } from './support';

/**
 * docs/metrics.md "Rounding": one rule for every figure, half to even, money to whole minor units; every factor is
 * kept exact and only the reported figure is rounded. A deal's weighted amount is rounded as it is reported in the
 * list; a weighted total is the exact sum of amount × probability, rounded once (not the sum of rounded rows).
 */
const C = 'pipeline_opportunities';
const collections = {
  leads: 'pipeline_leads',
  opportunities: C,
  campaigns: 'marketing_campaigns',
  lists: 'marketing_lists',
  members: 'marketing_list_members',
  audience: 'marketing_audience',
};

const deal = (id: string, amount: number, probability: number) =>
  opportunityOpened(id, { amount: irr(amount), probability, ownerId: 'u1', campaignId: 'c1' });

/** Every way the pipeline view reads its totals: the summaries (all-time, one owner, whole months and an edge) and the deals. */
const READS: readonly PipelineFilters[] = [
  {},
  { ownerId: 'u1' },
  { from: '2026-03-01' },
  { from: '2026-02-15' },
  { from: '2026-01-01', to: '2026-12-31' },
];

async function figures(store: InMemoryReadStore) {
  const list = await loadOpportunityList(store, C, 'default', { sort: 'weightedAmount', order: 'asc' });
  const rows = Object.fromEntries(list.items.map((row) => [row.id, row.weightedAmount]));
  const totals = await Promise.all(
    READS.map(async (filters) => {
      const summary = await loadPipelineSummary(store, C, 'default', filters);
      const stages = Object.fromEntries(summary.stages.map((stage) => [stage.stage, stage.weighted]));
      return { filters, open: summary.open.weighted, qualification: stages['qualification'], negotiation: stages['negotiation'] };
    }),
  );
  const fromDeals = (await loadPipelineSummaryFromDeals(store, C, 'default', {})).open.weighted;
  const campaign = (await loadCampaignPerformance(store, collections, 'default', 'c1'))?.weightedPipeline;
  return { rows, order: list.items.map((row) => row.id), totals, fromDeals, campaign };
}

describe('weighted amounts: each figure rounded half to even once, totals from the exact values', () => {
  it('weighs three 5 IRR deals at 10 % as 0 each (0.5 → 0) and totals them as 2 (1.5 → 2), not 1 each and 3', async () => {
    const store = await storeWith([pipelineOpportunities], recorded([deal('a', 5, 10), deal('b', 5, 10), deal('c', 5, 10)]));
    const answer = await figures(store);
    expect(answer.rows).toEqual({ a: irr(0), b: irr(0), c: irr(0) });
    for (const { filters, open, qualification } of answer.totals) {
      expect({ filters, open, qualification }).toEqual({ filters, open: [irr(2)], qualification: [irr(2)] });
    }
    expect(answer.fromDeals).toEqual([irr(2)]);
    expect(answer.campaign).toEqual([irr(2)]);
  });

  it('totals 3333 × 7 %, 1001 × 33 % and 2003 × 80 % as 2166 (exactly 2166.04), not 2165 from the rounded rows', async () => {
    const store = await storeWith(
      [pipelineOpportunities],
      recorded([deal('a', 3333, 7), deal('b', 1001, 33), deal('c', 2003, 10), stageMoved('c', 'qualification', 'negotiation', 80)]),
    );
    const answer = await figures(store);
    // 233.31, 330.33 and 1602.4.
    expect(answer.rows).toEqual({ a: irr(233), b: irr(330), c: irr(1602) });
    expect(answer.order).toEqual(['a', 'b', 'c']);
    for (const { filters, open, qualification, negotiation } of answer.totals) {
      // Qualification: 233.31 + 330.33 = 563.64 → 564 (563 from the rounded rows).
      expect({ filters, open, qualification, negotiation }).toEqual({
        filters,
        open: [irr(2166)],
        qualification: [irr(564)],
        negotiation: [irr(1602)],
      });
    }
    expect(answer.fromDeals).toEqual([irr(2166)]);
    expect(answer.campaign).toEqual([irr(2166)]);
  });

  it('rounds ties to even on odd and even totals alike: 4 × 0.5 = 2, 3 × 0.5 = 1.5 → 2, 5 × 0.5 = 2.5 → 2', async () => {
    for (const [deals, total] of [
      [4, 2],
      [3, 2],
      [5, 2],
      [7, 4],
    ] as const) {
      const events = Array.from({ length: deals }, (_, i) => deal(`d${i}`, 5, 10));
      const store = await storeWith([pipelineOpportunities], recorded(events));
      const summary = await loadPipelineSummary(store, C, 'default', {});
      expect({ deals, open: summary.open.weighted }).toEqual({ deals, open: [irr(total)] });
    }
  });

  it('keeps a deal of the largest amounts exact: (2^53 − 3) × 50 % is 4 503 599 627 370 494.5 → …494', async () => {
    const store = await storeWith([pipelineOpportunities], recorded([deal('a', Number.MAX_SAFE_INTEGER - 2, 50)]));
    const { items } = await loadOpportunityList(store, C, 'default', {});
    expect(items.map((row) => row.weightedAmount)).toEqual([irr(4_503_599_627_370_494)]);
    expect((await loadPipelineSummary(store, C, 'default', {})).open.weighted).toEqual([irr(4_503_599_627_370_494)]);
  });

  it('rounds exact hundredths half to even at any size, and keeps what each row’s rounding left out', () => {
    const cases: [bigint, number][] = [
      [0n, 0],
      [49n, 0],
      [50n, 0],
      [51n, 1],
      [150n, 2],
      [250n, 2],
      [251n, 3],
      [-150n, -2],
      [-250n, -2],
      [-251n, -3],
      [900_719_925_474_098_850n, 9_007_199_254_740_988],
      [900_719_925_474_098_949n, 9_007_199_254_740_989],
      [900_719_925_474_098_950n, 9_007_199_254_740_990],
    ];
    expect(cases.map(([hundredths]) => minorUnitsOfHundredths(hundredths))).toEqual(cases.map(([, units]) => units));
    expect(weighedAmount(5, 10)).toEqual({ weightedAmount: 0, weightedRest: 50 });
    expect(weighedAmount(15, 10)).toEqual({ weightedAmount: 2, weightedRest: -50 });
    expect(weighedAmount(3333, 7)).toEqual({ weightedAmount: 233, weightedRest: 31 });
    expect(weighedAmount(2003, 80)).toEqual({ weightedAmount: 1602, weightedRest: 40 });
    // Totals per currency, never across; a currency added with nothing still reported (as the amounts are).
    const totals = new WeightedTotals().add('IRR', 233, 31).add('IRR', 330, 33).add('IRR', 1602, 40).add('USD', 0, 50).add('EUR', 0, 0);
    expect(totals.toList()).toEqual([{ amount: 0, currency: 'EUR' }, irr(2166), { amount: 0, currency: 'USD' }]);
  });
});
