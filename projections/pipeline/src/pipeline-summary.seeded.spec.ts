import { recordedDemoHistory } from '@crm/demo-data';
import type { AnyProjection, InMemoryReadStore, ReadStore } from '@crm/shared/read-model';
import type { MonthStrategy } from './month-summaries';
import { pipelineOpportunities } from './pipeline-opportunities.projection';
import { loadOpportunityList, opportunityListQuery, type OpportunityListFilters } from './opportunity-list';
import { foldInBatches } from '@crm/projections/testing';
import { loadPipelineSummary, loadPipelineSummaryFromDeals, splitMonths, type PipelineFilters } from './pipeline-summary';

const C = 'pipeline_opportunities';

/** The store with a build's one `months` document (before the months documents per year) made to throw. */
function newDocumentsOnly(store: ReadStore): ReadStore {
  return Object.assign(Object.create(store) as ReadStore, {
    getMany: (collection: string, ids: readonly string[]) => {
      const stale = ids.find((id) => id.endsWith(':~summary:months'));
      if (stale !== undefined) return Promise.reject(new Error(`read ${stale}`));
      return store.getMany(collection, ids);
    },
  });
}

describe('pipeline summary kept by the projection', () => {
  it('splits closing-date periods into whole months and the part-months at its edges', () => {
    expect(splitMonths(undefined, undefined)).toEqual({ edges: [] });
    expect(splitMonths('2025-01-01', '2025-06-30')).toEqual({ firstMonth: '2025-01', endMonth: '2025-07', edges: [] });
    expect(splitMonths('2025-01-15', '2025-06-10')).toEqual({
      firstMonth: '2025-02',
      endMonth: '2025-06',
      edges: [
        { gte: '2025-01-15', lt: '2025-02-01' },
        { gte: '2025-06-01', lt: '2025-06-11' },
      ],
    });
    expect(splitMonths('2025-03-05', '2025-03-20').edges).toEqual([{ gte: '2025-03-05', lt: '2025-03-21' }]);
    expect(splitMonths('2025-12-15', undefined)).toEqual({ firstMonth: '2026-01', edges: [{ gte: '2025-12-15', lt: '2026-01-01' }] });
  });

  describe('on a seeded history, batch by batch, it answers exactly what every deal does', () => {
    let store: InMemoryReadStore;
    let owners: string[];
    beforeAll(async () => {
      const events = recordedDemoHistory({ events: 40_000, seed: 6 }, pipelineOpportunities.eventTypes);
      store = await foldInBatches([pipelineOpportunities as unknown as AnyProjection], events, 250);
      const rows = await store.aggregate(C, {
        where: { tenantId: 'default', status: { in: ['open', 'won', 'lost'] } },
        groupBy: 'ownerId',
      });
      owners = rows.flatMap((row) => (typeof row.group['ownerId'] === 'string' ? [row.group['ownerId']] : []));
    });

    const periods: readonly [string, PipelineFilters][] = [
      ['all time', {}],
      ['whole months', { from: '2025-01-01', to: '2025-06-30' }],
      ['part-months at both edges', { from: '2025-02-11', to: '2025-09-03' }],
      ['within one month', { from: '2025-04-03', to: '2025-04-27' }],
      ['from a day on', { from: '2025-05-17' }],
      ['up to a day', { to: '2025-03-14' }],
      ['from a month on, across a year', { from: '2025-12-01' }],
      ['up to a day of the next year', { to: '2026-01-19' }],
    ];
    it('has deals closing in two years', async () => {
      const later = await store.count(C, { tenantId: 'default', closingDate: { gte: '2026-01-01' } });
      expect(later).toBeGreaterThan(20);
    });
    it.each(periods)('%s', async (_name, period) => {
      const reference = await loadPipelineSummaryFromDeals(store, C, 'default', period);
      if (period.from === undefined && period.to === undefined) {
        expect(reference.stages.reduce((sum, stage) => sum + stage.count, 0)).toBeGreaterThan(200);
        expect(reference.winRate).not.toBeNull();
      }
      // The months documents per year answer, summed either way: the one `months` document of a build before them throws.
      for (const strategy of [undefined, 'years', 'complement'] as const satisfies readonly (MonthStrategy | undefined)[]) {
        expect(await loadPipelineSummary(newDocumentsOnly(store), C, 'default', period, strategy)).toEqual(reference);
      }
      expect(owners.length).toBeGreaterThan(1);
      for (const ownerId of owners) {
        const filters = { ...period, ownerId };
        expect(await loadPipelineSummary(store, C, 'default', filters)).toEqual(
          await loadPipelineSummaryFromDeals(store, C, 'default', filters),
        );
      }
    });
  });

  it('totals the opportunity list from the summary exactly as counting the deals does', async () => {
    const store = await foldInBatches(
      [pipelineOpportunities as unknown as AnyProjection],
      recordedDemoHistory({ events: 20_000, seed: 9 }, pipelineOpportunities.eventTypes),
      200,
    );
    const rows = await store.aggregate(C, { where: { tenantId: 'default' }, groupBy: ['ownerId', 'amount.currency'] });
    const owners = [...new Set(rows.flatMap((row) => (typeof row.group['ownerId'] === 'string' ? [row.group['ownerId']] : [])))];
    const combos: OpportunityListFilters[] = [
      {},
      { status: 'open' },
      { status: 'won', stage: 'negotiation' },
      { stage: 'proposal' },
      { currency: 'IRR' },
      ...owners.map((ownerId) => ({ ownerId, status: 'open' as const })),
    ];
    for (const filters of combos) {
      const counted = await store.count(C, opportunityListQuery('default', filters).where);
      expect((await loadOpportunityList(store, C, 'default', filters)).total).toBe(counted);
    }
    expect(await store.count(C, opportunityListQuery('default', {}).where)).toBeGreaterThan(100);
  });
});
