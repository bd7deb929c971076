import type { InMemoryReadStore } from '@crm/shared/read-model';
import { pipelineOpportunities } from './pipeline-opportunities.projection';
import { loadPipelineSummary, pipelineSummary, pipelineWhere } from './pipeline-summary';
import { pipelineHistory, irr, opportunityLost, opportunityOpened, opportunityWon, recorded, storeWith } from '@crm/projections/testing';

const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('pipeline summary', () => {
  let store: InMemoryReadStore;
  const summary = (filters = {}) => loadPipelineSummary(store, 'pipeline_opportunities', 'default', filters);

  beforeAll(async () => {
    store = await storeWith([pipelineOpportunities], recorded(pipelineHistory));
  });

  it('totals and weighs every stage per currency, with win rate, cycle and velocity', async () => {
    expect(await summary()).toEqual({
      period: { basis: 'closingDate', from: null, to: null },
      ownerId: null,
      stages: [
        { stage: 'qualification', probability: 10, count: 1, total: [irr(1_000_000)], weighted: [irr(100_000)] },
        { stage: 'needs_analysis', probability: 20, count: 0, total: [], weighted: [] },
        { stage: 'proposal', probability: 50, count: 1, total: [irr(2_000_000)], weighted: [irr(1_000_000)] },
        { stage: 'negotiation', probability: 80, count: 1, total: [usd(10_000)], weighted: [usd(8_000)] },
        { stage: 'won', probability: 100, count: 2, total: [irr(3_000_000)], weighted: [irr(3_000_000)] },
        { stage: 'lost', probability: 0, count: 1, total: [irr(1_500_000)], weighted: [irr(0)] },
      ],
      open: { count: 3, total: [irr(3_000_000), usd(10_000)], weighted: [irr(1_100_000), usd(8_000)] },
      winRate: 0.6667,
      // (10.5 + 48) ÷ 2
      averageCycleDays: 29.25,
      averageWonDeal: [irr(1_500_000)],
      // 2 open IRR deals × 1 500 000 × 2/3 ÷ 29.25 days; no USD deal was won, so no USD velocity.
      salesVelocity: [irr(68_376)],
    });
  });

  it('takes the period on closing dates: when won or lost, else when expected to close', async () => {
    const january = await summary({ from: '2026-01-01', to: '2026-01-31' });
    expect(january.stages.map((stage) => stage.count)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(january).toMatchObject({ winRate: 0.5, averageCycleDays: 10.5, averageWonDeal: [irr(900_000)], salesVelocity: [irr(0)] });
    const february = await summary({ from: '2026-02-01', to: '2026-02-28' });
    expect(february.stages.map((stage) => stage.count)).toEqual([0, 0, 1, 0, 1, 0]);
    expect(february).toMatchObject({ winRate: 1, averageCycleDays: 48, open: { weighted: [irr(1_000_000)] } });
  });

  it('filters by owner', async () => {
    const mine = await summary({ ownerId: 'u1' });
    expect(mine.stages.map((stage) => stage.count)).toEqual([1, 0, 0, 0, 1, 1]);
    expect(mine.winRate).toBe(0.5);
  });

  it('has no rates rather than zero ones when nothing closed', () => {
    expect(pipelineSummary([], {})).toMatchObject({
      open: { count: 0, total: [], weighted: [] },
      winRate: null,
      averageCycleDays: null,
      averageWonDeal: [],
      salesVelocity: null,
    });
  });

  it('rounds velocity once, at the end, half to even: no factor is rounded on the way', () => {
    const day = 86_400_000;
    const row = (status: string, stage: string, count: number, amount: number, cycleMs = 0) => ({
      group: { status, stage, 'amount.currency': 'IRR' },
      count,
      sums: { 'amount.amount': amount, weightedAmount: 0, cycleMs },
    });
    // Won 1 and 2 (mean 1.5), 3 open, win share 1, 1 day: 3 × 1.5 × 1 ÷ 1 = 4.5 → 4. Rounding the mean first gave 6.
    const rows = [row('won', 'negotiation', 2, 3, 2 * day), row('open', 'proposal', 3, 30)];
    expect(pipelineSummary(rows, {})).toMatchObject({ averageWonDeal: [irr(2)], salesVelocity: [irr(4)], averageCycleDays: 1 });
  });

  it('computes velocity in integers: a floating-point product near .5 past the minor unit was taken as a tie', () => {
    const row = (status: string, currency: string, count: number, amount: number, cycleMs = 0) => ({
      group: { status, stage: status === 'open' ? 'proposal' : status, 'amount.currency': currency },
      count,
      sums: { 'amount.amount': amount, weightedAmount: 0, cycleMs },
    });
    // 443 open IRR deals; 198 won in IRR and 22 in USD (won 220 of 239 closed); 735,645,046 ms of won cycles in all.
    // 443 × (14,683,531,675,629 ÷ 198) × (220 ÷ 239) ÷ (735,645,046 ÷ 220 ÷ 86,400,000) = 781,379,384,582,800.84…
    const rows = [
      row('won', 'IRR', 198, 14_683_531_675_629, 700_000_000),
      row('won', 'USD', 22, 2_200_000, 35_645_046),
      row('lost', 'IRR', 19, 1_000),
      row('open', 'IRR', 443, 5_000),
    ];
    const summary = pipelineSummary(rows, {});
    // Floating point gave …800.
    expect(summary.salesVelocity).toContainEqual(irr(781_379_384_582_801));
    expect(summary.averageWonDeal).toContainEqual(irr(74_159_250_887)); // 74,159,250,887.015…
  });

  it('queries only opened deals of the tenant, with whole-day bounds', () => {
    expect(pipelineWhere('default', { ownerId: 'u1', from: '2026-01-01', to: '2026-01-31' })).toEqual({
      tenantId: 'default',
      status: { in: ['open', 'won', 'lost'] },
      ownerId: 'u1',
      closingDate: { gte: '2026-01-01', lt: '2026-02-01' },
    });
  });
});

describe('pipeline summary in business days (Asia/Tehran)', () => {
  let store: InMemoryReadStore;
  /** Won and lost counts over a period. */
  const closed = async (filters: { from?: string; to?: string }) => {
    const answer = await loadPipelineSummary(store, 'pipeline_opportunities', 'default', filters);
    const count = (stage: string) => answer.stages.find((figures) => figures.stage === stage)?.count;
    return { won: count('won'), lost: count('lost') };
  };

  beforeAll(async () => {
    store = await storeWith(
      [pipelineOpportunities],
      recorded([
        // Won at 00:15 on 1 April in Tehran (+03:30), still 31 March in UTC.
        opportunityOpened('a1', { openedAt: '2025-03-01T08:00:00.000Z', expectedCloseDate: '2025-04-20' }),
        opportunityWon('a1', irr(1_000_000), 'qualification', '2025-03-31T20:45:00.000Z'),
        // Lost at 23:45 on 31 March in Tehran.
        opportunityOpened('a2', { openedAt: '2025-03-01T08:00:00.000Z', expectedCloseDate: '2025-04-20' }),
        opportunityLost('a2', 'qualification', '2025-03-31T20:15:00.000Z'),
        // Summer 2021, when Tehran kept +04:30: won at 00:15 on 2 July there (23:15 on 1 July at +03:30).
        opportunityOpened('s1', { openedAt: '2021-06-01T08:00:00.000Z', expectedCloseDate: '2021-07-20' }),
        opportunityWon('s1', irr(1_000_000), 'qualification', '2021-07-01T19:45:00.000Z'),
        // Lost at 00:15 on 1 July in Tehran: July's, still 30 June in UTC.
        opportunityOpened('s2', { openedAt: '2021-06-01T08:00:00.000Z', expectedCloseDate: '2021-07-20' }),
        opportunityLost('s2', 'qualification', '2021-06-30T19:45:00.000Z'),
      ]),
    );
  });

  it('closes a deal won at 2025-03-31T20:45Z on 1 April', async () => {
    expect(await closed({ from: '2025-04-01', to: '2025-04-30' })).toEqual({ won: 1, lost: 0 });
    expect(await closed({ from: '2025-03-01', to: '2025-03-31' })).toEqual({ won: 0, lost: 1 });
    // Open-ended: April's month kept, and 31 March read deal by deal at the edge.
    expect(await closed({ from: '2025-04-01' })).toEqual({ won: 1, lost: 0 });
    expect(await closed({ from: '2025-03-31' })).toEqual({ won: 1, lost: 1 });
  });

  it('keeps the +04:30 of Tehran’s summers before 2022', async () => {
    expect(await closed({ from: '2021-07-02', to: '2021-07-02' })).toEqual({ won: 1, lost: 0 });
    expect(await closed({ from: '2021-07-01', to: '2021-07-01' })).toEqual({ won: 0, lost: 1 });
    // Up to 30 June: the months kept before July hold neither.
    expect(await closed({ to: '2021-06-30' })).toEqual({ won: 0, lost: 0 });
    expect(await closed({ to: '2021-07-01' })).toEqual({ won: 0, lost: 1 });
  });
});
