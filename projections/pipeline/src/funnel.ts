import { compact, type Money } from '@crm/shared/kernel';
import {
  type AggregateRow,
  type ReadStore,
  type Scalar,
  type SummaryCell,
  type SummaryDoc,
  tenantKey,
  timeRange,
  type Where,
} from '@crm/shared/read-model';
import { loadCampaignNames } from '@crm/projections/marketing';
import {
  loadMonthYears,
  loadSummaryDoc,
  loadSummaryDocs,
  type MonthStrategy,
  monthTotals,
  periodCells,
  summaryId,
  unpackedCells,
} from './month-summaries';
import { LEAD_MONTH_PARTS, LEAD_SUMMARY_PACKED, type PipelineLead } from './pipeline-leads.projection';
import { PIPELINE_MONTH_PARTS, PIPELINE_SUMMARY_PACKED, type PipelineOpportunity } from './pipeline-opportunities.projection';
import { loadCellsAsOf } from './pipeline-as-of';
import { type MonthSplit, splitMonths } from './pipeline-summary';
import { businessInstants, MoneyTotals, ratio } from './support';

export const FUNNEL_GROUPINGS = ['source', 'campaign'] as const;
export type FunnelGrouping = (typeof FUNNEL_GROUPINGS)[number];

/** The period is on the lead's capture day (its business day): each lead is followed to wherever it got, however late. */
export interface FunnelFilters {
  readonly by?: FunnelGrouping;
  /** Inclusive business days (YYYY-MM-DD; BUSINESS_CALENDAR, `CRM_BUSINESS_TIME_ZONE`, Asia/Tehran by default). */
  readonly from?: string;
  readonly to?: string;
}

/** Each step as a share of the one before it, and overall; null when the step before is empty. */
export interface Conversion {
  readonly leadToQualified: number | null;
  readonly qualifiedToOpportunity: number | null;
  readonly opportunityToWon: number | null;
  readonly leadToWon: number | null;
}

export interface FunnelStep {
  readonly leads: number;
  readonly qualified: number;
  readonly disqualified: number;
  /** Qualified leads whose opportunity has been opened. */
  readonly opportunities: number;
  /** Of those, the ones won (and not reopened since). */
  readonly won: number;
  readonly wonRevenue: Money[];
  readonly conversion: Conversion;
}

export interface FunnelGroup extends FunnelStep {
  /** The source, or the campaign id; null for leads captured without a campaign. */
  readonly key: string | null;
  /** By campaign only: the campaign's name, null when the marketing context does not know it. */
  readonly name?: string | null;
}

/**
 * Deals opened without a qualified lead (entered straight as opportunities), so the
 * funnel's won revenue plus this row's is every won deal's: over the same dates the
 * funnel reconciles with the pipeline's won total. Their period is on openedAt.
 */
export interface DirectDeals {
  readonly basis: 'openedAt';
  readonly opportunities: number;
  readonly won: number;
  readonly wonRevenue: Money[];
  readonly opportunityToWon: number | null;
}

export interface Funnel {
  readonly by: FunnelGrouping;
  readonly period: { readonly basis: 'capturedAt'; readonly from: string | null; readonly to: string | null };
  /** Lead-sourced deals only, grouped by the lead's source or campaign. */
  readonly groups: FunnelGroup[];
  readonly total: FunnelStep;
  readonly direct: DirectDeals;
}

/** Opened deals grouped by [source, status, currency]: the ones with no source came from no lead. */
export const DIRECT_DEALS_AGGREGATE = { groupBy: ['source', 'status', 'amount.currency'], sum: ['amount.amount'] } as const;

export function directDeals(rows: readonly AggregateRow[]): DirectDeals {
  let opportunities = 0;
  let won = 0;
  const revenue = new MoneyTotals();
  for (const row of rows) {
    if (row.group['source'] !== null && row.group['source'] !== undefined) continue;
    opportunities += row.count;
    const currency = row.group['amount.currency'];
    if (row.group['status'] !== 'won' || typeof currency !== 'string') continue;
    won += row.count;
    revenue.add(currency, row.sums['amount.amount'] ?? 0);
  }
  return { basis: 'openedAt', opportunities, won, wonRevenue: revenue.toList(), opportunityToWon: ratio(won, opportunities) };
}

const groupField = (by: FunnelGrouping): 'source' | 'campaignId' => (by === 'campaign' ? 'campaignId' : 'source');

export function funnelWhere(tenantId: string, filters: FunnelFilters): Where {
  return compact({ tenantId, capturedAt: timeRange(filters.from, filters.to) });
}

class Tally {
  leads = 0;
  qualified = 0;
  disqualified = 0;
  opportunities = 0;
  won = 0;
  readonly revenue = new MoneyTotals();

  step(): FunnelStep {
    const { leads, qualified, disqualified, opportunities, won } = this;
    return {
      leads,
      qualified,
      disqualified,
      opportunities,
      won,
      wonRevenue: this.revenue.toList(),
      conversion: {
        leadToQualified: ratio(qualified, leads),
        qualifiedToOpportunity: ratio(opportunities, qualified),
        opportunityToWon: ratio(won, opportunities),
        leadToWon: ratio(won, leads),
      },
    };
  }
}

/** Deals opened from qualified leads, by the lead's group: how many, in which status, for how much. */
export interface DealOutcome {
  readonly key: Scalar;
  readonly status: 'open' | 'won' | 'lost';
  readonly count: number;
  readonly currency: string;
  /** Summed over `count` deals, minor units. */
  readonly amount: number;
}

/** The outcomes of the qualified leads' deals, joined lead by lead. */
export function dealOutcomes(
  qualifiedLeads: readonly PipelineLead[],
  opportunities: ReadonlyMap<string, PipelineOpportunity>,
  by: FunnelGrouping,
): DealOutcome[] {
  const field = groupField(by);
  return qualifiedLeads.flatMap((lead): DealOutcome[] => {
    const deal = lead.opportunityId === undefined ? undefined : opportunities.get(lead.opportunityId);
    if (!deal || deal.status === 'pending') return [];
    return [{ key: lead[field] ?? null, status: deal.status, count: 1, currency: deal.amount.currency, amount: deal.amount.amount }];
  });
}

/**
 * leadCounts: leads grouped by [group field, status]; qualifiedLeads: the
 * qualified ones with their opportunityId; opportunities: those deals by id.
 */
export function funnel(
  leadCounts: readonly AggregateRow[],
  qualifiedLeads: readonly PipelineLead[],
  opportunities: ReadonlyMap<string, PipelineOpportunity>,
  filters: FunnelFilters,
  campaignNames: ReadonlyMap<string, string> = new Map(),
  directRows: readonly AggregateRow[] = [],
): Funnel {
  return funnelOf(leadCounts, dealOutcomes(qualifiedLeads, opportunities, filters.by ?? 'source'), filters, campaignNames, directRows);
}

/**
 * The funnel from lead counts grouped by [group field, status] (`captured`, `qualified`, `disqualified`) and the
 * outcomes of their deals. loadFunnel takes both from the deals' projection (`leadRowsOf`), so that a group's leads,
 * qualified leads and deals are of one commit: `pipeline-leads` is another projection, committed at its own pace, and
 * read from both a group could show more deals than qualified leads, or more qualified leads than leads, for a moment.
 */
export function funnelOf(
  leadCounts: readonly AggregateRow[],
  outcomes: readonly DealOutcome[],
  filters: FunnelFilters,
  campaignNames: ReadonlyMap<string, string> = new Map(),
  directRows: readonly AggregateRow[] = [],
): Funnel {
  const by = filters.by ?? 'source';
  const field = groupField(by);
  const groups = new Map<Scalar, Tally>();
  const total = new Tally();
  const tallyOf = (key: Scalar): Tally => {
    let tally = groups.get(key);
    if (!tally) groups.set(key, (tally = new Tally()));
    return tally;
  };
  for (const row of leadCounts) {
    const status = row.group['status'];
    for (const tally of [tallyOf(row.group[field] ?? null), total]) {
      tally.leads += row.count;
      if (status === 'qualified') tally.qualified += row.count;
      if (status === 'disqualified') tally.disqualified += row.count;
    }
  }
  for (const outcome of outcomes) {
    for (const tally of [tallyOf(outcome.key), total]) {
      tally.opportunities += outcome.count;
      if (outcome.status !== 'won') continue;
      tally.won += outcome.count;
      tally.revenue.add(outcome.currency, outcome.amount);
    }
  }
  // Named groups in code-point order, "no campaign" last.
  const keys = [...groups.keys()].sort((a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : String(a) < String(b) ? -1 : 1));
  return {
    by,
    period: { basis: 'capturedAt', from: filters.from ?? null, to: filters.to ?? null },
    groups: keys.map((key) => {
      const named = by === 'campaign' ? { name: key === null ? null : (campaignNames.get(String(key)) ?? null) } : {};
      return { key: key === null ? null : String(key), ...named, ...(groups.get(key) as Tally).step() };
    }),
    total: total.step(),
    direct: directDeals(directRows),
  };
}

/**
 * Every count comes from the deals' projection (`pipeline-opportunities`, which keeps the leads not qualified beside the
 * deals, `leadRowsOf`), so the funnel's leads, qualified leads and deals are of one commit. Without a period: its
 * all-time funnel summary (per source or campaign and status) and the `pipeline` one (every deal, for the direct
 * row). With a period: the months documents by the lead's capture month (`funnelSourceMonths` or
 * `funnelCampaignMonths`) and opening month (`directMonths`) for the whole months, and grouped aggregates over the
 * documents of the part-months at its edges (by `leadCapturedAt`, and by `openedAt` for the deals without a lead).
 * Days and months are business ones (BUSINESS_CALENDAR): a part-month's days are read as the instants that bound them
 * in the business time zone. A store with none of those documents (nothing recorded yet) is read from the leads'
 * projection and the deals themselves (`leadCounts`, `joinedOutcomes`).
 */
export async function loadFunnel(
  store: Pick<ReadStore, 'aggregate' | 'find' | 'get' | 'getMany'>,
  collections: { readonly leads: string; readonly opportunities: string; readonly campaigns?: string },
  tenantId: string,
  filters: FunnelFilters,
  /** How a period's whole months are summed; by default whichever reads fewer documents (periodCells). */
  strategy?: MonthStrategy,
): Promise<Funnel> {
  const by = filters.by ?? 'source';
  const dated = filters.from !== undefined || filters.to !== undefined;
  const [outcomes, direct, leads] = dated
    ? await datedDeals(store, collections, tenantId, filters, splitMonths(filters.from, filters.to), strategy)
    : await allTimeDeals(store, collections, tenantId, filters, by);
  const counts = leads ?? (await leadCounts(store, collections.leads, tenantId, filters, strategy));
  const names = await campaignNames(store, collections.campaigns, tenantId, counts, filters);
  return funnelOf(counts, outcomes, filters, names, direct);
}

/**
 * The funnel (no period) as it stood at the end of business day `day` ('YYYY-MM-DD'): leads, qualified leads and deals
 * from the dated ledger of the deals' projection (pipeline-as-of.ts), the same cells the all-time funnel reads from
 * its summaries, summed up to that day. Campaign names are the campaigns' names now.
 */
export async function loadFunnelAsOf(
  store: Pick<ReadStore, 'getMany'>,
  collections: { readonly opportunities: string; readonly campaigns?: string },
  tenantId: string,
  filters: Pick<FunnelFilters, 'by'>,
  day: string,
): Promise<Funnel> {
  const by = filters.by ?? 'source';
  const funnelKind = by === 'campaign' ? 'funnelCampaign' : 'funnelSource';
  const cells = await loadCellsAsOf(store, collections.opportunities, tenantId, PIPELINE_SUMMARY_PACKED, day);
  const funnelCells = cells.filter((cell) => cell.dims['kind'] === funnelKind);
  const pipelineCells = cells.filter((cell) => cell.dims['kind'] === 'pipeline');
  const counts = leadRowsOf(funnelCells, by);
  const names = await campaignNames(store, collections.campaigns, tenantId, counts, { by });
  return funnelOf(counts, summaryOutcomes(funnelCells, by), { by }, names, summaryDirectRows(pipelineCells, funnelCells));
}

type DealSide = [outcomes: readonly DealOutcome[], direct: readonly AggregateRow[], leads: readonly AggregateRow[] | undefined];

/** Without a period: the deals' two all-time summaries, in one read (the direct row is every deal less the lead-sourced ones). */
async function allTimeDeals(
  store: Pick<ReadStore, 'aggregate' | 'find' | 'get' | 'getMany'>,
  collections: { readonly leads: string; readonly opportunities: string },
  tenantId: string,
  filters: FunnelFilters,
  by: FunnelGrouping,
): Promise<DealSide> {
  const funnelKind = by === 'campaign' ? 'funnelCampaign' : 'funnelSource';
  const [pipeline, funnel] = await loadSummaryDocs(store, collections.opportunities, [
    summaryId(tenantId, 'pipeline'),
    summaryId(tenantId, funnelKind),
  ]);
  if (pipeline === undefined && funnel === undefined) {
    const [outcomes, direct] = await Promise.all([
      joinedOutcomes(store, collections, tenantId, filters),
      directRowsOpenedIn(store, collections.opportunities, tenantId, filters),
    ]);
    return [outcomes, direct, undefined];
  }
  const cells = funnel === undefined ? [] : unpackedCells(funnel, PIPELINE_SUMMARY_PACKED[funnelKind] ?? []);
  return [
    summaryOutcomes(cells, by),
    pipeline === undefined ? [] : summaryDirectRows(Object.values(pipeline.cells), cells),
    leadRowsOf(cells, by),
  ];
}

/**
 * Lead counts from the leads' own projection (`pipeline-leads`), where the deals' has no funnel documents. Without a
 * period, its all-time summary; with a period open on one side, the per-month summary for its whole capture months
 * and a grouped aggregate over the leads of a part-month at its edge; bounded on both sides, the period's own leads.
 */
async function leadCounts(
  store: Pick<ReadStore, 'aggregate' | 'find' | 'get' | 'getMany'>,
  leads: string,
  tenantId: string,
  filters: FunnelFilters,
  strategy?: MonthStrategy,
): Promise<AggregateRow[]> {
  const by = filters.by ?? 'source';
  const field = groupField(by);
  // A period bounded on both sides counts its own leads (index on tenant and capture time): that costs what the
  // period holds, where the summary costs every month of the history.
  const bounded = filters.from !== undefined && filters.to !== undefined;
  const dated = filters.from !== undefined || filters.to !== undefined;
  const everyLead = () => store.aggregate(leads, { where: funnelWhere(tenantId, filters), groupBy: [field, 'status'] });
  if (bounded) return [...(await everyLead())];
  const split = splitMonths(filters.from, filters.to);
  const [leadYears, ...edges] = await Promise.all([
    dated ? loadMonthYears(store, leads, tenantId) : Promise.resolve(undefined),
    ...split.edges.map((days) =>
      store.aggregate(leads, { where: { tenantId, capturedAt: businessInstants(days) }, groupBy: [field, 'status'] }),
    ),
  ]);
  const wholeMonths = split.firstMonth === undefined || split.endMonth === undefined || split.firstMonth < split.endMonth;
  let cells: readonly SummaryCell[] | undefined;
  if (leadYears !== undefined) {
    // The capture months' documents of the years the period covers (or the all-time cells less the years outside it).
    const allTime = { id: summaryId(tenantId, by), cells: (doc: SummaryDoc) => unpackedCells(doc, LEAD_SUMMARY_PACKED[by] ?? []) };
    const range = { part: String(LEAD_MONTH_PARTS[by]), kind: by, firstMonth: split.firstMonth, endMonth: split.endMonth };
    cells = await periodCells(store, leads, tenantId, leadYears, range, allTime, strategy);
  } else {
    // No period, or a build from before the months documents per year (its one months document per grouping).
    const leadSummary = await loadSummaryDoc(store, leads, summaryId(tenantId, dated ? String(LEAD_MONTH_PARTS[by]) : by));
    if (leadSummary !== undefined) {
      cells = !wholeMonths
        ? []
        : dated
          ? monthTotals(leadSummary, by, split.firstMonth, split.endMonth)
          : unpackedCells(leadSummary, LEAD_SUMMARY_PACKED[by] ?? []);
    }
  }
  // No summary: no lead yet, or a collection built before summaries were kept (it serves until its rebuild switches over).
  if (cells === undefined) return [...(await everyLead())];
  return [
    ...edges.flat(),
    ...cells.flatMap(({ dims, values }): AggregateRow[] =>
      dims['kind'] !== by
        ? []
        : [{ group: { [field]: dims[field] ?? null, status: dims['status'] ?? null }, count: values['count'] ?? 0, sums: {} }],
    ),
  ];
}

/**
 * A funnel cell's status as its lead's: a lead not qualified is `captured` or `disqualified`; a deal, `pending` (not
 * opened yet), `open`, `won` or `lost`, stands for its qualified lead.
 */
const LEAD_STATUS: Readonly<Record<string, 'captured' | 'qualified' | 'disqualified'>> = {
  captured: 'captured',
  disqualified: 'disqualified',
  pending: 'qualified',
  open: 'qualified',
  won: 'qualified',
  lost: 'qualified',
};

/**
 * Every lead of the funnel by group and status, from the deals' `funnelSource` or `funnelCampaign` cells: one cell per
 * lead, its own while not qualified, its deal's after.
 */
function leadRowsOf(cells: readonly SummaryCell[], by: FunnelGrouping): AggregateRow[] {
  const rows = cells.map(({ dims, values }): AggregateRow => ({ group: dims, count: values['count'] ?? 0, sums: {} }));
  return asLeadRows(rows, groupField(by), 'status');
}

/** Rows grouped by the group field and a funnel status (LEAD_STATUS, in `statusField`) as lead counts by [field, status]. */
function asLeadRows(rows: readonly AggregateRow[], field: 'source' | 'campaignId', statusField: string): AggregateRow[] {
  return rows.flatMap((row): AggregateRow[] => {
    const status = LEAD_STATUS[String(row.group[statusField])];
    return status === undefined ? [] : [{ group: { [field]: row.group[field] ?? null, status }, count: row.count, sums: {} }];
  });
}

/** The deals' grouping that stands for DealOutcome (by the lead's source or campaign, status and currency). */
const outcomeAggregate = (field: 'source' | 'campaignId') => ({ groupBy: [field, 'status', 'amount.currency'], sum: ['amount.amount'] });

/**
 * A period's deals: the lead-sourced ones by their lead's capture month, the others by their opening month, from
 * the months documents for the whole months and the deals of each part-month edge. A months document that is not
 * there (no such deal yet, or a build from before they were kept still serving) falls back to the deals themselves.
 */
async function datedDeals(
  store: Pick<ReadStore, 'aggregate' | 'find' | 'getMany'>,
  collections: { readonly leads: string; readonly opportunities: string },
  tenantId: string,
  filters: FunnelFilters,
  split: MonthSplit,
  strategy?: MonthStrategy,
): Promise<DealSide> {
  const by = filters.by ?? 'source';
  const field = groupField(by);
  const kind = by === 'campaign' ? 'funnelCampaign' : 'funnelSource';
  const { opportunities } = collections;
  const years = await loadMonthYears(store, opportunities, tenantId);
  const range = { firstMonth: split.firstMonth, endMonth: split.endMonth };
  // The months documents of the years the period covers (or the all-time cells less the years outside it); without
  // `years`, a build from before them: its one months document per kind.
  const monthsOf = async (part: 'funnelSource' | 'funnelCampaign' | 'direct'): Promise<readonly SummaryCell[] | undefined> => {
    if (years !== undefined) {
      const allTime = {
        id: summaryId(tenantId, part),
        cells: (doc: SummaryDoc) => unpackedCells(doc, PIPELINE_SUMMARY_PACKED[part] ?? []),
      };
      return periodCells(
        store,
        opportunities,
        tenantId,
        years,
        { part: String(PIPELINE_MONTH_PARTS[part]), kind: part, ...range },
        allTime,
        strategy,
      );
    }
    const doc = await loadSummaryDoc(store, opportunities, summaryId(tenantId, String(PIPELINE_MONTH_PARTS[part])));
    return doc === undefined ? undefined : monthTotals(doc, part, split.firstMonth, split.endMonth);
  };
  const [funnelMonths, directMonths] = await Promise.all([monthsOf(kind), monthsOf('direct')]);
  const edgesOf = (dateField: 'leadCapturedAt' | 'openedAt', aggregate: { groupBy: readonly string[]; sum: readonly string[] }) =>
    Promise.all(
      split.edges.map((range) =>
        store.aggregate(opportunities, {
          where: { tenantId, [dateField]: businessInstants(range) },
          groupBy: [...aggregate.groupBy],
          sum: [...aggregate.sum],
        }),
      ),
    );
  // Every lead with the deals: from the same months documents, and at the edges from the same aggregate over the deals
  // (a pending deal is one of their rows) and one over the leads not qualified, kept beside them.
  let leads: AggregateRow[] | undefined;
  const leadsAtEdges = () =>
    Promise.all(
      split.edges.map((range) =>
        store.aggregate(opportunities, {
          where: { leadTenantId: tenantId, leadCapturedAt: businessInstants(range), leadStatus: { in: ['captured', 'disqualified'] } },
          groupBy: [field, 'leadStatus'],
        }),
      ),
    );
  const [outcomes, direct] = await Promise.all([
    funnelMonths === undefined
      ? joinedOutcomes(store, collections, tenantId, filters)
      : Promise.all([edgesOf('leadCapturedAt', outcomeAggregate(field)), leadsAtEdges()]).then(([edges, notQualified]) => {
          const rows = edges.flat();
          leads = [
            ...leadRowsOf(funnelMonths, by),
            ...asLeadRows(rows, field, 'status'),
            ...asLeadRows(notQualified.flat(), field, 'leadStatus'),
          ];
          return [
            ...summaryOutcomes(funnelMonths, by),
            ...rows.flatMap((row): DealOutcome[] => {
              const status = row.group['status'];
              if (status !== 'open' && status !== 'won' && status !== 'lost') return [];
              const currency = String(row.group['amount.currency']);
              return [{ key: row.group[field] ?? null, status, count: row.count, currency, amount: row.sums['amount.amount'] ?? 0 }];
            }),
          ];
        }),
    directMonths === undefined
      ? directRowsOpenedIn(store, opportunities, tenantId, filters)
      : edgesOf('openedAt', DIRECT_DEALS_AGGREGATE).then((edges) => [
          ...directMonths.map(({ dims, values }): AggregateRow => ({
            group: { source: null, status: dims['status'] ?? null, 'amount.currency': dims['currency'] ?? null },
            count: values['count'] ?? 0,
            sums: { 'amount.amount': values['amount'] ?? 0 },
          })),
          ...edges.flat(),
        ]),
  ]);
  return [outcomes, direct, leads];
}

/** Deals opened in the period without a lead, grouped over the deals (period on openedAt): without `directMonths`, or no period kept. */
function directRowsOpenedIn(store: Pick<ReadStore, 'aggregate'>, opportunities: string, tenantId: string, filters: FunnelFilters) {
  return store.aggregate(opportunities, {
    where: compact({ tenantId, status: { in: ['open', 'won', 'lost'] }, openedAt: timeRange(filters.from, filters.to) }),
    ...DIRECT_DEALS_AGGREGATE,
    groupBy: [...DIRECT_DEALS_AGGREGATE.groupBy],
    sum: [...DIRECT_DEALS_AGGREGATE.sum],
  });
}

/** Deals opened without a lead, from the summaries: every deal's `pipeline` cells less the lead-sourced deals' funnel cells. */
function summaryDirectRows(pipeline: readonly SummaryCell[], funnel: readonly SummaryCell[]): AggregateRow[] {
  const rows = new Map<string, { status: string; currency: string; count: number; amount: number }>();
  const cells = [...pipeline, ...funnel];
  for (const { dims, values } of cells) {
    const status = String(dims['status']);
    const sign = dims['kind'] === 'pipeline' ? 1 : dims['kind'] === 'funnelSource' || dims['kind'] === 'funnelCampaign' ? -1 : 0;
    if (sign === 0 || (status !== 'open' && status !== 'won' && status !== 'lost')) continue;
    const currency = String(dims['currency']);
    const key = `${status}\u0000${currency}`;
    const row = rows.get(key) ?? { status, currency, count: 0, amount: 0 };
    row.count += sign * (values['count'] ?? 0);
    row.amount += sign * (values['amount'] ?? 0);
    rows.set(key, row);
  }
  return [...rows.values()]
    .filter((row) => row.count !== 0)
    .map((row) => ({
      group: { source: null, status: row.status, 'amount.currency': row.currency },
      count: row.count,
      sums: { 'amount.amount': row.amount },
    }));
}

/** The lead-sourced deals' outcomes from the `funnelSource` or `funnelCampaign` summary's cells. */
function summaryOutcomes(cells: readonly SummaryCell[], by: FunnelGrouping): DealOutcome[] {
  const field = groupField(by);
  return cells.flatMap(({ dims, values }): DealOutcome[] => {
    const status = dims['status'];
    if (status !== 'open' && status !== 'won' && status !== 'lost') return [];
    return [
      { key: dims[field] ?? null, status, count: values['count'] ?? 0, currency: String(dims['currency']), amount: values['amount'] ?? 0 },
    ];
  });
}

/** The period's qualified leads and their deals, joined lead by lead. */
async function joinedOutcomes(
  store: Pick<ReadStore, 'find' | 'getMany'>,
  collections: { readonly leads: string; readonly opportunities: string },
  tenantId: string,
  filters: FunnelFilters,
): Promise<DealOutcome[]> {
  const qualified = await store.find<PipelineLead>(collections.leads, {
    where: { ...funnelWhere(tenantId, filters), status: 'qualified' },
  });
  const leads = qualified.map((record) => record.doc);
  const ids = leads.flatMap((lead) => (lead.opportunityId === undefined ? [] : [tenantKey(tenantId, lead.opportunityId)]));
  const found = await store.getMany<PipelineOpportunity>(collections.opportunities, ids);
  const deals = new Map([...found.values()].map((record) => [record.doc.opportunityId, record.doc]));
  return dealOutcomes(leads, deals, filters.by ?? 'source');
}

/** Names of the campaigns the grouping shows, from the marketing read model. */
async function campaignNames(
  store: Pick<ReadStore, 'getMany'>,
  collection: string | undefined,
  tenantId: string,
  counts: readonly AggregateRow[],
  filters: FunnelFilters,
): Promise<Map<string, string>> {
  if (collection === undefined || filters.by !== 'campaign') return new Map();
  const ids = [...new Set(counts.flatMap((row) => (typeof row.group['campaignId'] === 'string' ? [row.group['campaignId']] : [])))];
  return loadCampaignNames(store, collection, tenantId, ids);
}
