import { recordedDemoHistory } from '@crm/demo-data';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { BUSINESS_CALENDAR } from '@crm/shared/kernel';
import type { AnyProjection, InMemoryReadStore } from '@crm/shared/read-model';
import { at, foldInBatches, irr, opportunityOpened, opportunityWon, recorded, stageMoved } from '@crm/projections/testing';
import { loadFunnel, loadFunnelAsOf } from './funnel';
import { pipelineOpportunities } from './pipeline-opportunities.projection';
import { loadPipelineSummary, loadPipelineSummaryAsOf } from './pipeline-summary';

const C = 'pipeline_opportunities';
const LEADS = 'pipeline_leads';
const projections = [pipelineOpportunities as unknown as AnyProjection];

/**
 * The definition of "as of the end of business day D": the view a build of only the events recorded by then
 * (`occurredAt` ≤ the day's last instant, as `crm rebuild --as-of` builds) gives without a period. The ledgers of a
 * build of the whole history must give the same figures, for the tenant, for each owner and for the funnel both ways.
 */
async function expectAsOfEqualsBuildOfPrefix(
  whole: InMemoryReadStore,
  events: readonly RecordedEvent[],
  day: string,
  owners: readonly string[],
) {
  const end = BUSINESS_CALENDAR.dayEnd(day);
  const prefix = await foldInBatches(
    projections,
    events.filter((event) => Date.parse(event.metadata.occurredAt) <= end),
    250,
  );
  expect(await loadPipelineSummaryAsOf(whole, C, 'default', {}, day)).toEqual(await loadPipelineSummary(prefix, C, 'default', {}));
  for (const ownerId of owners) {
    expect(await loadPipelineSummaryAsOf(whole, C, 'default', { ownerId }, day)).toEqual(
      await loadPipelineSummary(prefix, C, 'default', { ownerId }),
    );
  }
  for (const by of ['source', 'campaign'] as const) {
    expect(await loadFunnelAsOf(whole, { opportunities: C }, 'default', { by }, day)).toEqual(
      await loadFunnel(prefix, { leads: LEADS, opportunities: C }, 'default', { by }),
    );
  }
}

describe('the pipeline and the funnel as of a past business day, from the dated ledgers', () => {
  let events: RecordedEvent[];
  let whole: InMemoryReadStore;
  let owners: string[];
  let days: string[];

  beforeAll(async () => {
    events = recordedDemoHistory({ events: 20_000, seed: 11 }, pipelineOpportunities.eventTypes);
    whole = await foldInBatches(projections, events, 250);
    const rows = await whole.aggregate(C, { where: { tenantId: 'default', status: { in: ['open', 'won', 'lost'] } }, groupBy: 'ownerId' });
    owners = rows.flatMap((row) => (typeof row.group['ownerId'] === 'string' ? [row.group['ownerId']] : []));
    const recorded = events.map((event) => BUSINESS_CALENDAR.day(event.metadata.occurredAt)).sort();
    const [first, last] = [recorded[0] as string, recorded[recorded.length - 1] as string];
    const at = (share: number) => recorded[Math.floor(share * (recorded.length - 1))] as string;
    // Before the first event, its day, a few days inside, the last day, and a later day in another year.
    days = ['2019-06-30', first, at(0.13), at(0.5), at(0.77), last, `${Number(last.slice(0, 4)) + 1}-02-01`];
  });

  it('has a history of several owners and both closings to look back on', async () => {
    expect(owners.length).toBeGreaterThan(1);
    const now = await loadPipelineSummary(whole, C, 'default', {});
    expect(now.winRate).not.toBeNull();
    expect(new Set(days).size).toBe(days.length);
  });

  it.each([0, 1, 2, 3, 4, 5, 6])('day %#: the same figures as a build of the events recorded by its end', async (index) => {
    await expectAsOfEqualsBuildOfPrefix(whole, events, days[index] as string, owners);
  });

  it('a day in the middle shows fewer deals than today, and nothing before the first event', async () => {
    const count = (summary: { stages: readonly { count: number }[] }) => summary.stages.reduce((sum, stage) => sum + stage.count, 0);
    const before = await loadPipelineSummaryAsOf(whole, C, 'default', {}, days[0] as string);
    const middle = await loadPipelineSummaryAsOf(whole, C, 'default', {}, days[3] as string);
    const today = await loadPipelineSummary(whole, C, 'default', {});
    expect(count(before)).toBe(0);
    expect(count(middle)).toBeGreaterThan(0);
    expect(count(middle)).toBeLessThan(count(today));
  });

  it('two changes of one deal committed in the other order than their stamps never show it in a stage it left', async () => {
    // A command is stamped before it waits for its turn: the move stamped on the 12th commits first, the one stamped
    // on the 11th (measured against the state the first left) after it. The second counts from the 12th too.
    const history = recorded([
      opportunityOpened('o1', { openedAt: at(10), ownerId: 'u1' }),
      stageMoved('o1', 'qualification', 'proposal', 50),
      stageMoved('o1', 'proposal', 'negotiation', 80),
    ]).map((event, index) => ({ ...event, metadata: { ...event.metadata, occurredAt: at([10, 12, 11][index] as number) } }));
    const store = await foldInBatches(projections, history, 250);
    const stages = async (day: string, ownerId?: string) => {
      const summary = await loadPipelineSummaryAsOf(store, C, 'default', { ownerId }, day);
      return summary.stages.filter((stage) => stage.count !== 0).map((stage) => [stage.stage, stage.count]);
    };
    for (const ownerId of [undefined, 'u1']) {
      expect(await stages('2026-01-10', ownerId)).toEqual([['qualification', 1]]);
      expect(await stages('2026-01-11', ownerId)).toEqual([['qualification', 1]]);
      expect(await stages('2026-01-12', ownerId)).toEqual([['negotiation', 1]]);
    }
  });

  it('an event applied after later-dated ones (a command recorded late) still counts from its own day', async () => {
    // Deal o1 opened on 10 January and won on the 12th is applied first; o2, opened on 5 January, only after it.
    const dated = (events: readonly RecordedEvent[], days: readonly number[]) =>
      events.map((event, index) => ({ ...event, metadata: { ...event.metadata, occurredAt: at(days[index] as number) } }));
    const history = dated(
      recorded([
        opportunityOpened('o1', { openedAt: at(10), ownerId: 'u1' }),
        opportunityWon('o1', irr(2_000_000), 'qualification', at(12)),
        opportunityOpened('o2', { openedAt: at(5), ownerId: 'u1' }),
      ]),
      [10, 12, 5],
    );
    const store = await foldInBatches(projections, history, 250);
    const deals = async (day: string) => {
      const summary = await loadPipelineSummaryAsOf(store, C, 'default', { ownerId: 'u1' }, day);
      return Object.fromEntries(summary.stages.filter((stage) => stage.count > 0).map((stage) => [stage.stage, stage.count]));
    };
    expect(await deals('2026-01-04')).toEqual({});
    expect(await deals('2026-01-06')).toEqual({ qualification: 1 });
    expect(await deals('2026-01-11')).toEqual({ qualification: 2 });
    expect(await deals('2026-01-12')).toEqual({ qualification: 1, won: 1 });
    // As the build of the events recorded by then says, in the order they were recorded.
    for (const day of ['2026-01-06', '2026-01-11', '2026-01-12']) {
      await expectAsOfEqualsBuildOfPrefix(store, history, day, ['u1']);
    }
  });
});
