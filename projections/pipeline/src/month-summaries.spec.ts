import {
  at,
  estimateRevised,
  irr,
  leadCaptured,
  leadQualified,
  opportunityOpened,
  opportunityWon,
  stageMoved,
} from '@crm/projections/testing';
import { projectionSpec } from '@crm/shared/testing';
import { monthCells, unpackedCells } from './month-summaries';
import { pipelineLeads } from './pipeline-leads.projection';
import { pipelineOpportunities } from './pipeline-opportunities.projection';

/** A `pipeline` or `owner` cell's figures; `weightedRest` is 0 for these amounts (their weighted amounts are whole). */
const figures = (count: number, amount: number, weighted: number, cycleMs = 0, weightedRest = 0) => ({
  count,
  amount,
  weighted,
  weightedRest,
  cycleMs,
});
/** A month's figures as packed in its year's cell: `03|count`. */
const inMonth = (month: string, values: Record<string, number>) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [`${month.slice(5)}|${name}`, value]));

describe('a tenant’s summary split by kind of cell, and packed month cells', () => {
  // o1 opens for March and is moved to February; o2 (owner u1) opens for March and is won in January.
  const cycleMs = 10 * 86_400_000 + 12 * 3_600_000;
  const history = [
    opportunityOpened('o1'),
    estimateRevised('o1', { expectedCloseDate: '2026-02-10' }),
    opportunityOpened('o2', { ownerId: 'u1' }),
    stageMoved('o2', 'qualification', 'negotiation', 80),
    opportunityWon('o2', irr(900_000), 'negotiation', at(13, 20), 'q1'),
  ];
  const open = { status: 'open', stage: 'qualification', currency: 'IRR' };
  const won = { status: 'won', stage: 'negotiation', currency: 'IRR' };

  it('keeps each kind of cell, without its month, in its own document: what the all-time views read', () => {
    const spec = projectionSpec(pipelineOpportunities).given(history);
    spec.thenSummary('default:~summary:pipeline', [
      { dims: { kind: 'pipeline', ...open }, values: figures(1, 1_000_000, 100_000) },
      { dims: { kind: 'pipeline', ...won }, values: figures(1, 900_000, 900_000, cycleMs) },
    ]);
    spec.thenSummary('default:~summary:owner', [
      { dims: { kind: 'owner', ownerId: null, ...open }, values: figures(1, 1_000_000, 100_000) },
      { dims: { kind: 'owner', ownerId: 'u1', ...won }, values: figures(1, 900_000, 900_000, cycleMs) },
    ]);
  });

  it('keeps a lead-sourced deal in the funnel documents, by source and by campaign', () => {
    const spec = projectionSpec(pipelineOpportunities).given([
      leadQualified('l1', 'o1', { source: 'campaign', campaignId: 'c1' }),
      opportunityOpened('o1', { originLeadId: 'l1', campaignId: 'c1' }),
      opportunityOpened('o2'),
    ]);
    const deal = { status: 'open', currency: 'IRR' };
    spec.thenSummary('default:~summary:funnelSource', [
      { dims: { kind: 'funnelSource', source: 'campaign', ...deal }, values: { count: 1, amount: 1_000_000 } },
    ]);
    // One cell per campaign: status and currency in the value names; the deal pending until opened (its lead
    // qualified: `pending`, no currency) keeps its zero.
    spec.thenSummary('default:~summary:funnelCampaign', [
      {
        dims: { kind: 'funnelCampaign', campaignId: 'c1' },
        values: { 'pending||count': 0, 'open|IRR|count': 1, 'open|IRR|amount': 1_000_000 },
      },
    ]);
  });

  it('keeps a qualified lead whose deal is not opened yet as a pending deal, without a currency: the funnel counts its qualified leads there', () => {
    const spec = projectionSpec(pipelineOpportunities).given([
      leadCaptured('l1', 'campaign', { campaignId: 'c1', capturedAt: '2025-12-20T09:00:00.000Z' }),
      leadQualified('l1', 'o1', { source: 'campaign', campaignId: 'c1' }),
    ]);
    const pending = { status: 'pending', currency: '' };
    spec.thenSummary('default:~summary:funnelSource', [
      { dims: { kind: 'funnelSource', source: 'campaign', ...pending }, values: { count: 1 } },
    ]);
    spec.thenSummary('default:~summary:funnelCampaign', [
      // The lead counted as captured until its qualification, then as its deal (a status emptied keeps its zeros).
      { dims: { kind: 'funnelCampaign', campaignId: 'c1' }, values: { 'captured||count': 0, 'pending||count': 1 } },
    ]);
    spec.thenSummary('default:~summary:funnelSourceMonths:2025', [
      { dims: { kind: 'funnelSource', source: 'campaign', ...pending, year: '2025' }, values: inMonth('2025-12', { count: 1 }) },
    ]);
  });

  it('keeps one cell per campaign, a status emptied keeping its zeros, and unpacks it as the cells it stands for', () => {
    const spec = projectionSpec(pipelineOpportunities).given([
      leadQualified('l1', 'o1', { source: 'campaign', campaignId: 'c1' }),
      opportunityOpened('o1', { originLeadId: 'l1', campaignId: 'c1' }),
      opportunityWon('o1', irr(900_000), 'qualification', at(13, 20), 'q1'),
    ]);
    const packed = {
      dims: { kind: 'funnelCampaign', campaignId: 'c1' },
      values: { 'pending||count': 0, 'open|IRR|count': 0, 'open|IRR|amount': 0, 'won|IRR|count': 1, 'won|IRR|amount': 900_000 },
    };
    spec.thenSummary('default:~summary:funnelCampaign', [packed]);
    expect(unpackedCells({ summary: true, cells: { a: packed } }, ['status', 'currency'])).toEqual([
      { dims: { kind: 'funnelCampaign', campaignId: 'c1', status: 'won', currency: 'IRR' }, values: { count: 1, amount: 900_000 } },
    ]);
    // A document built before the packing is read as it is.
    const before = { dims: { kind: 'funnelCampaign', campaignId: 'c1', status: 'won', currency: 'IRR' }, values: { count: 1 } };
    expect(unpackedCells({ summary: true, cells: { a: before } }, ['status', 'currency'])).toEqual([before]);
  });

  it('packs the month cells one per dimensions and year, months in the value names; a month emptied keeps its zeros', () => {
    projectionSpec(pipelineOpportunities)
      .given(history)
      .thenSummary('default:~summary:months:2026', [
        {
          dims: { kind: 'pipeline', ...open, year: '2026' },
          values: { ...inMonth('2026-03', figures(0, 0, 0)), ...inMonth('2026-02', figures(1, 1_000_000, 100_000)) },
        },
        { dims: { kind: 'pipeline', ...won, year: '2026' }, values: inMonth('2026-01', figures(1, 900_000, 900_000, cycleMs)) },
      ]);
  });

  it('unpacks the month cells, leaving out the months that came to nothing', () => {
    const doc = {
      summary: true as const,
      cells: {
        a: {
          dims: { kind: 'pipeline', ...open, year: '2026' },
          values: { ...inMonth('2026-03', figures(0, 0, 0)), ...inMonth('2026-02', figures(1, 1_000_000, 100_000)) },
        },
      },
    };
    expect(monthCells(doc)).toEqual([{ dims: { kind: 'pipeline', ...open, month: '2026-02' }, values: figures(1, 1_000_000, 100_000) }]);
  });

  it('dates a lead-sourced deal by its lead’s capture month and a deal opened without a lead by its opening month, in months documents of their own', () => {
    const spec = projectionSpec(pipelineOpportunities).given([
      leadCaptured('l1', 'campaign', { campaignId: 'c1', capturedAt: '2025-12-20T09:00:00.000Z' }),
      leadQualified('l1', 'o1', { source: 'campaign', campaignId: 'c1' }),
      opportunityOpened('o1', { originLeadId: 'l1', campaignId: 'c1' }),
      opportunityOpened('o2'),
    ]);
    const deal = { status: 'open', currency: 'IRR' };
    const oneDeal = { count: 1, amount: 1_000_000 };
    spec.thenSummary('default:~summary:funnelSourceMonths:2025', [
      { dims: { kind: 'funnelSource', source: 'campaign', ...deal, year: '2025' }, values: inMonth('2025-12', oneDeal) },
    ]);
    spec.thenSummary('default:~summary:funnelCampaignMonths:2025', [
      { dims: { kind: 'funnelCampaign', campaignId: 'c1', ...deal, year: '2025' }, values: inMonth('2025-12', oneDeal) },
    ]);
    spec.thenSummary('default:~summary:directMonths:2026', [
      { dims: { kind: 'direct', ...deal, year: '2026' }, values: inMonth('2026-01', oneDeal) },
    ]);
    spec.thenSummary('default:~summary:direct', [{ dims: { kind: 'direct', ...deal }, values: oneDeal }]);
    // The pipeline's months keep only its own cells: a period of the pipeline reads no funnel cells.
    spec.thenSummary('default:~summary:months:2026', [
      { dims: { kind: 'pipeline', ...open, year: '2026' }, values: inMonth('2026-03', figures(2, 2_000_000, 200_000)) },
    ]);
    spec.thenSummary('default:~summary:years', [
      { dims: { part: 'months' }, values: { '2026': 2 } },
      { dims: { part: 'funnelSourceMonths' }, values: { '2025': 1 } },
      { dims: { part: 'funnelCampaignMonths' }, values: { '2025': 1 } },
      { dims: { part: 'directMonths' }, values: { '2026': 1 } },
    ]);
  });

  it('splits the leads’ counts the same way', () => {
    const leads = projectionSpec(pipelineLeads).given([
      leadCaptured('l1', 'campaign', { campaignId: 'c1' }),
      leadCaptured('l2', 'phone'),
      leadQualified('l1', 'o1', { source: 'campaign', campaignId: 'c1' }),
    ]);
    const captured = { status: 'captured' };
    const qualified = { status: 'qualified' };
    leads.thenSummary('default:~summary:source', [
      { dims: { kind: 'source', source: 'phone', ...captured }, values: { count: 1 } },
      { dims: { kind: 'source', source: 'campaign', ...qualified }, values: { count: 1 } },
    ]);
    leads.thenSummary('default:~summary:campaign', [
      { dims: { kind: 'campaign', campaignId: null }, values: { 'captured|count': 1 } },
      { dims: { kind: 'campaign', campaignId: 'c1' }, values: { 'captured|count': 0, 'qualified|count': 1 } },
    ]);
    // Each kind's month cells in a document of its own: a funnel with a period reads only its grouping's.
    leads.thenSummary('default:~summary:sourceMonths:2026', [
      { dims: { kind: 'source', source: 'phone', ...captured, year: '2026' }, values: { '01|count': 1 } },
      { dims: { kind: 'source', source: 'campaign', ...qualified, year: '2026' }, values: { '01|count': 1 } },
    ]);
    leads.thenSummary('default:~summary:campaignMonths:2026', [
      { dims: { kind: 'campaign', campaignId: null, ...captured, year: '2026' }, values: { '01|count': 1 } },
      { dims: { kind: 'campaign', campaignId: 'c1', ...qualified, year: '2026' }, values: { '01|count': 1 } },
    ]);
    leads.thenSummary('default:~summary:years', [
      { dims: { part: 'sourceMonths' }, values: { '2026': 2 } },
      { dims: { part: 'campaignMonths' }, values: { '2026': 2 } },
    ]);
    leads.thenDocument('default:~summary:months', null);
    leads.thenDocument('default:~summary:sourceMonths', null);
  });

  it('keeps each year of a months document apart: a deal whose closing month moves to another year leaves its old year', () => {
    const spec = projectionSpec(pipelineOpportunities).given([
      opportunityOpened('o1'),
      estimateRevised('o1', { expectedCloseDate: '2027-02-10' }),
      opportunityOpened('o2'),
    ]);
    spec.thenSummary('default:~summary:months:2026', [
      { dims: { kind: 'pipeline', ...open, year: '2026' }, values: inMonth('2026-03', figures(1, 1_000_000, 100_000)) },
    ]);
    spec.thenSummary('default:~summary:months:2027', [
      { dims: { kind: 'pipeline', ...open, year: '2027' }, values: inMonth('2027-02', figures(1, 1_000_000, 100_000)) },
    ]);
    spec.thenSummary('default:~summary:years', [
      { dims: { part: 'months' }, values: { '2026': 1, '2027': 1 } },
      { dims: { part: 'directMonths' }, values: { '2026': 2 } },
    ]);
    spec.thenDocument('default:~summary:months', null);
  });

  it('names the year of a lead’s capture for a deal opened before the qualification that hands it over', () => {
    // The deal's new capture month comes from the lead's document (`peer`): without it, no year would be named.
    const spec = projectionSpec(pipelineOpportunities).given([
      leadCaptured('l1', 'phone', { capturedAt: '2024-11-05T09:00:00.000Z' }),
      opportunityOpened('o1'),
      leadQualified('l1', 'o1', { source: 'phone' }),
    ]);
    const deal = { status: 'open', currency: 'IRR' };
    spec.thenSummary('default:~summary:funnelSourceMonths:2024', [
      {
        dims: { kind: 'funnelSource', source: 'phone', ...deal, year: '2024' },
        values: inMonth('2024-11', { count: 1, amount: 1_000_000 }),
      },
    ]);
    spec.thenSummary('default:~summary:directMonths:2026', [
      { dims: { kind: 'direct', ...deal, year: '2026' }, values: inMonth('2026-01', { count: 0, amount: 0 }) },
    ]);
  });
});
