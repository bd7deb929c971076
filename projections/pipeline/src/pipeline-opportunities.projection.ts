import {
  type LeadCaptured,
  type LeadDisqualified,
  type LeadQualified,
  type LeadSource,
  OPEN_STAGES,
  type OpenStage,
  type OpportunityEvent,
  type OpportunityQuoteIssued,
  type OpportunitySolutionProposed,
  type OpportunityStage,
} from '@crm/sales/domain';
import { BUSINESS_CALENDAR, compact, type Money, persianSortKey, zonedVersion } from '@crm/shared/kernel';
import { defineProjection, keysetIndexes, type RecordedOf, type Scalar, type SummaryCell, tenantKey } from '@crm/shared/read-model';
import { monthSplitSummary } from './month-summaries';
import { datedEvolve, type LedgerDated, withAsOfLedger } from './pipeline-as-of';
import { weighedAmount } from './support';

/** Attribution a qualified lead hands to its opportunity: the opportunity events do not carry the lead's source. */
interface Attribution {
  readonly originLeadId?: string;
  readonly source?: LeadSource;
  readonly campaignId?: string;
  /** When the lead was captured (the funnel's period is on it), from the projection's `CapturedLead` document. */
  readonly leadCapturedAt?: string;
}

/**
 * LeadQualified comes just before the process manager opens the opportunity:
 * the document waits as `pending` (queries leave it out) until it is opened.
 */
export interface PendingOpportunity extends Attribution, LedgerDated {
  readonly tenantId: string;
  readonly opportunityId: string;
  readonly status: 'pending';
  readonly ownerId?: string;
}

export interface OpenedOpportunity extends Attribution, LedgerDated {
  readonly tenantId: string;
  readonly opportunityId: string;
  readonly status: 'open' | 'won' | 'lost';
  readonly name: string;
  /** `persianSortKey(name)`: what the list sorts by name on, in the Persian reading order. */
  readonly nameKey: string;
  readonly accountId: string;
  readonly contactId?: string;
  readonly ownerId?: string;
  /** The open stage it is at, or the one it was won or lost from. */
  readonly stage: OpenStage;
  /** `stageKey(deal)`: its place in the pipeline (PIPELINE_STAGES), then its id; what the list sorts by stage on. */
  readonly stageKey: string;
  /** Effective %: the deal's own while open (stage default unless overridden), 100 once won, 0 once lost. */
  readonly probability: number;
  /** The estimate while open; the amount it was won for once won. */
  readonly amount: Money;
  /** amount × probability ÷ 100 in amount's currency, rounded half to even to the minor unit: the deal's reported figure. */
  readonly weightedAmount: number;
  /**
   * What rounding `weightedAmount` left out, in hundredths of a minor unit (−50 to 50): amount × probability =
   * 100 × weightedAmount + weightedRest. Totals add both up and round once (WeightedTotals), never the rounded rows.
   */
  readonly weightedRest: number;
  /** A business day ('YYYY-MM-DD'): as entered, or the business day of an instant entered. */
  readonly expectedCloseDate: string;
  /**
   * The day it closed (won/lost: the business day of wonAt / lostAt, BUSINESS_CALENDAR) or is expected to close (open:
   * expectedCloseDate as written): what the pipeline's period filters on.
   */
  readonly closingDate: string;
  readonly openedAt: string;
  readonly wonAt?: string;
  readonly quoteId?: string;
  /** Opened → won, for the average sales cycle. */
  readonly cycleMs?: number;
  readonly lostAt?: string;
  readonly lostReason?: string;
  readonly reopenedAt?: string;
}

export type PipelineOpportunity = PendingOpportunity | OpenedOpportunity;

/**
 * A captured lead, kept under `{tenant}:~lead:{leadId}` (capturedLeadId): its capture instant, so the deal its
 * qualification opens can carry it (LeadQualified does not), and what the funnel counts of it until then (its group
 * and `leadStatus`), so that the funnel's leads, qualified leads and deals are all of one commit of this projection.
 * Its tenant is `leadTenantId`, not `tenantId`, so no query on the deals meets it.
 */
export interface CapturedLead extends LedgerDated {
  readonly leadTenantId: string;
  readonly leadCapturedAt: string;
  readonly source: LeadSource;
  readonly campaignId?: string;
  /** `qualified`: from then on its deal (pending, then opened) stands for it in the funnel. */
  readonly leadStatus: 'captured' | 'qualified' | 'disqualified';
}

type PipelineDoc = PipelineOpportunity | CapturedLead;

export const capturedLeadId = (tenantId: string, leadId: string): string => `${tenantId}:~lead:${leadId}`;

const dealOf = (doc: PipelineDoc | null | undefined): PipelineOpportunity | null => (doc && 'opportunityId' in doc ? doc : null);

type HandledEvent =
  LeadCaptured | LeadQualified | LeadDisqualified | Exclude<OpportunityEvent, OpportunitySolutionProposed | OpportunityQuoteIssued>;

type Figures = 'weightedAmount' | 'weightedRest' | 'closingDate' | 'stageKey';

/**
 * The pipeline's stages in the sales domain's order: the open stages as a deal moves through them (OPEN_STAGES), then
 * the closings, won and lost (`OpportunityStage`; the pipeline view lists its stages the same way).
 */
export const PIPELINE_STAGES = [...OPEN_STAGES, 'won', 'lost'] as const satisfies readonly OpportunityStage[];
type StageLeftOut = Exclude<OpportunityStage, (typeof PIPELINE_STAGES)[number]>;
// A stage added to the domain and not here would have no place in the list's order: the compiler says so.
const EVERY_STAGE_PLACED: [StageLeftOut] extends [never] ? true : StageLeftOut = true;
void EVERY_STAGE_PLACED;

/**
 * A deal's place in the pipeline, from 0: an open deal at its stage's, a won or lost one at won's or lost's (after
 * every open stage), whatever stage it closed from.
 */
export const pipelinePlace = (status: OpenedOpportunity['status'], stage: OpenStage): number =>
  PIPELINE_STAGES.indexOf(status === 'open' ? stage : status);

/**
 * What `sort=stage` of the list orders by: the deal's place in the pipeline (two digits), then its id. One key per deal,
 * so the index on it gives a page in order by reading the page's rows. A place alone would tie every deal of a stage,
 * and the stores broke ties on the id by sorting the whole tie: a page of a stage of 54 000 deals read them all (200 ms
 * on SQLite, where this key takes 0.3 ms, as `amount` does). Ascending, a stage's deals come in id order, as ties
 * do; descending, in reverse id order, as ties do too.
 */
export const stageKey = (deal: Pick<OpenedOpportunity, 'status' | 'stage' | 'opportunityId'>): string =>
  `${String(pipelinePlace(deal.status, deal.stage)).padStart(2, '0')}:${deal.opportunityId}`;

/**
 * The fields the opportunity list sorts on (its SORT_FIELDS, which the compiler holds to this list), each indexed with
 * the id after it (`keysetIndexes`), which serves both directions.
 */
export const LIST_SORT_FIELDS = [
  'openedAt',
  'expectedCloseDate',
  'closingDate',
  'amount.amount',
  'weightedAmount',
  'probability',
  'nameKey',
  'stageKey',
] as const;

/** Recomputes the derived figures, so every event leaves them consistent with status, amount and dates. */
function settled(deal: Omit<OpenedOpportunity, Figures>): OpenedOpportunity {
  const { weightedAmount, weightedRest } = weighedAmount(deal.amount.amount, deal.probability);
  const closedAt = deal.status === 'won' ? deal.wonAt : deal.status === 'lost' ? deal.lostAt : undefined;
  // A date as written; an instant (the API takes either) as its business day, so it filters and buckets as a date.
  const expectedCloseDate = /^\d{4}-\d{2}-\d{2}$/.test(deal.expectedCloseDate)
    ? deal.expectedCloseDate
    : BUSINESS_CALENDAR.day(deal.expectedCloseDate);
  const closingDate = closedAt === undefined ? expectedCloseDate : BUSINESS_CALENDAR.day(closedAt);
  return { ...deal, expectedCloseDate, weightedAmount, weightedRest, closingDate, stageKey: stageKey(deal) };
}

const withoutFigures = ({
  weightedAmount: _w,
  weightedRest: _r,
  closingDate: _c,
  stageKey: _s,
  ...deal
}: OpenedOpportunity): Omit<OpenedOpportunity, Figures> => deal;

/** Back to open: whatever the closing recorded no longer holds. */
function reopened(deal: OpenedOpportunity): Omit<OpenedOpportunity, Figures> {
  const { wonAt: _w, quoteId: _q, cycleMs: _c, lostAt: _l, lostReason: _r, ...open } = withoutFigures(deal);
  return open;
}

const opened = (doc: PipelineDoc | null): OpenedOpportunity | null => {
  const deal = dealOf(doc);
  return deal === null || deal.status === 'pending' ? null : deal;
};

/** The kinds of cell a deal adds, each kept in its own summary document of the tenant (month-summaries.ts). */
export const PIPELINE_SUMMARY_KINDS = ['pipeline', 'owner', 'funnelSource', 'funnelCampaign', 'direct'] as const;

/** Dimensions moved into the value names of a kind's document (month-summaries.ts): one cell per campaign. */
export const PIPELINE_SUMMARY_PACKED: Readonly<Record<string, readonly string[]>> = { funnelCampaign: ['status', 'currency'] };

/** The months documents of the funnel's kinds (month-summaries.ts), apart from the pipeline's `months`: what a funnel with a period reads. */
export const PIPELINE_MONTH_PARTS: Readonly<Record<string, string>> = {
  funnelSource: 'funnelSourceMonths',
  funnelCampaign: 'funnelCampaignMonths',
  direct: 'directMonths',
};

/**
 * What a deal adds to the totals. `pipeline`: per status, stage, currency and
 * closing month; `owner`: per owner, status, stage and currency (no month, so
 * the cells stay few however long the history); for a deal qualified from a
 * lead (it carries the lead's source), per status and currency and the lead's
 * capture month, `funnelSource` by the lead's source and `funnelCampaign` by its
 * campaign; for a deal opened without a lead, `direct` per status, currency and
 * opening month. Every month is a business month (BUSINESS_CALENDAR, Asia/Tehran
 * by default): the closing day's, or the instant's in the business time zone.
 *
 * A deal still `pending` (its lead qualified, the deal not opened yet) adds a `pending` cell to the funnel kinds,
 * without a currency (`''`): so every qualified lead is one funnel cell of its deal, and the funnel counts its
 * qualified leads from the same documents as their deals (one commit of this projection; `pipeline-leads` commits at
 * its own pace, and a group read from both could show more deals than qualified leads). A captured lead not
 * qualified (`captured`, `disqualified`) adds its own cell to the funnel kinds (`leadCells`), also without a currency:
 * so every lead of the funnel is one cell of this projection.
 */
export function pipelineCells(doc: PipelineDoc): readonly SummaryCell[] {
  // Kept by document (documents are never changed in place): a fold asks for a document's cells after the event that
  // made it and again before the next, and the same cell objects let their keys be computed once (summaryCellKey).
  let cells = cellsOfDocument.get(doc);
  if (cells === undefined) cellsOfDocument.set(doc, (cells = cellsOf(doc)));
  return cells;
}

const cellsOfDocument = new WeakMap<PipelineDoc, readonly SummaryCell[]>();

/**
 * One dimensions object for equal dimensions, found by a key far cheaper than summaryCellKey's (the names and values
 * as written: every cell of a kind is written in one order). The fold keys each placed cell by its dimensions object
 * (summaryCellKey keeps the key by object), and so does every form placed from it (month-summaries.ts): one object per
 * dimensions computes each key once, where every new document made new ones. Bounded by the cells there can be (the
 * kinds × statuses × stages × currencies × months × owners, sources or campaigns), and by INTERNED_DIMS at most.
 */
const internedDims = new Map<string, Readonly<Record<string, Scalar>>>();
const INTERNED_DIMS = 100_000;

function interned(cells: SummaryCell[]): SummaryCell[] {
  for (let i = 0; i < cells.length; i += 1) {
    const cell = cells[i] as SummaryCell;
    let key = '';
    for (const name in cell.dims) key += `${name}\u0000${String(cell.dims[name])}\u0001${typeof cell.dims[name]}\u0002`;
    let dims = internedDims.get(key);
    if (dims === undefined) {
      if (internedDims.size >= INTERNED_DIMS) internedDims.clear();
      internedDims.set(key, (dims = cell.dims));
    }
    if (dims !== cell.dims) cells[i] = { dims, values: cell.values };
  }
  return cells;
}

function cellsOf(doc: PipelineDoc): SummaryCell[] {
  return interned(cellsOfNew(doc));
}

function cellsOfNew(doc: PipelineDoc): SummaryCell[] {
  if ('leadStatus' in doc) return leadCells(doc);
  const lead = dealOf(doc);
  if (lead !== null && lead.status === 'pending')
    return lead.source === undefined ? [] : leadFunnelCells('pending', { ...lead, source: lead.source });
  const deal = opened(doc);
  if (deal === null) return [];
  const { status, stage, amount } = deal;
  // `weighted` and `weightedRest` add up to the exact weighted total (WeightedTotals), rounded only where it is reported.
  const values = {
    count: 1,
    amount: amount.amount,
    weighted: deal.weightedAmount,
    weightedRest: deal.weightedRest,
    cycleMs: deal.cycleMs ?? 0,
  };
  const cells: SummaryCell[] = [
    { dims: { kind: 'pipeline', status, stage, currency: amount.currency, month: deal.closingDate.slice(0, 7) }, values },
    { dims: { kind: 'owner', ownerId: deal.ownerId ?? null, status, stage, currency: amount.currency }, values },
  ];
  const funnel = { count: 1, amount: amount.amount };
  if (deal.source !== undefined) {
    const month = leadMonth(deal);
    cells.push(
      { dims: { kind: 'funnelSource', status, source: deal.source, currency: amount.currency, ...month }, values: funnel },
      {
        dims: { kind: 'funnelCampaign', status, campaignId: deal.campaignId ?? null, currency: amount.currency, ...month },
        values: funnel,
      },
    );
  } else {
    cells.push({
      dims: { kind: 'direct', status, currency: amount.currency, month: BUSINESS_CALENDAR.month(deal.openedAt) },
      values: funnel,
    });
  }
  return cells;
}

/**
 * A lead not qualified (`captured` or `disqualified`) in the funnel cells, without a currency: with the deals' cells
 * (a qualified lead is its deal's `pending`, `open`, `won` or `lost` cell) they count every lead of the funnel.
 */
function leadCells(lead: CapturedLead): SummaryCell[] {
  return lead.leadStatus === 'qualified' ? [] : leadFunnelCells(lead.leadStatus, lead);
}

/** One lead in the funnel kinds, by its source and its campaign, without a currency: a lead not qualified, or a pending deal. */
function leadFunnelCells(
  status: string,
  lead: { readonly source: LeadSource; readonly campaignId?: string; readonly leadCapturedAt?: string },
): SummaryCell[] {
  const month = leadMonth(lead);
  return [
    { dims: { kind: 'funnelSource', status, source: lead.source, currency: '', ...month }, values: { count: 1 } },
    { dims: { kind: 'funnelCampaign', status, campaignId: lead.campaignId ?? null, currency: '', ...month }, values: { count: 1 } },
  ];
}

/** The lead's capture month (business month) as a cell's `month`; none when the deal does not know its lead's capture. */
const leadMonth = (deal: Pick<Attribution, 'leadCapturedAt'>): Readonly<Record<string, string>> =>
  deal.leadCapturedAt === undefined ? {} : { month: BUSINESS_CALENDAR.month(deal.leadCapturedAt) };

/**
 * The longest `nameKey` kept: a sort key takes 2 to 5 characters a letter (more where NFKC expands one), and a list
 * cursor carries it. Names alike for their first 200 letters or so tie, and ties go by id.
 */
export const NAME_KEY_LENGTH = 400;

export const pipelineOpportunities = defineProjection<PipelineDoc, HandledEvent>({
  name: 'pipeline-opportunities',
  // 4: keeps a per-tenant summary (pipelineCells) next to the deals.
  // 5: one summary per kind of cell and a packed `months` one (month-summaries.ts).
  // 6: the `funnelCampaign` summary packed by campaign (PIPELINE_SUMMARY_PACKED).
  // 7: the lead's capture instant on the deal (`CapturedLead`), the funnel's cells by the lead's capture month in
  // months documents of their own, and `direct` cells (PIPELINE_MONTH_PARTS).
  // 8: every months document one per year (`months:2025`, `funnelSourceMonths:2025`, …), named from the deal's
  // closing, capture or opening month before and after the event, and `years`.
  // 9: the closing day of a won or lost deal, and the capture and opening months, are the business day and month
  // (BUSINESS_CALENDAR, Asia/Tehran by default), no longer the UTC ones.
  // 10: `weightedAmount` rounded half to even (was half up), and `weightedRest` (the hundredths it left out) on the deal
  // and in the `pipeline` and `owner` cells, so that weighted totals are the exact sum rounded once.
  // 11: `nameKey`, the deal's name as the list sorts it (persianSortKey), indexed.
  // 12: a deal still `pending` (its lead qualified, not opened yet) in the funnel cells (`pending`, no currency), so
  // the funnel counts qualified leads from the same documents as their deals.
  // 13: the captured lead's group and `leadStatus` (LeadDisqualified handled), and a lead not qualified in the funnel
  // cells (`captured`, `disqualified`), so the funnel counts every lead from the same documents as the deals.
  // 14: `stageKey`, the deal's place in the pipeline (open stages in the domain's order, then won, then lost) and its
  // id, what the list sorts by stage on (it sorted on the stage's name), indexed.
  // 15: one index per sort field (the field, then the id), walked backwards for a descending page: finds break ties on
  // the id in the sort's direction now (a descending index beside each cost a rebuild 14% and a first build 79% here).
  // 16: a dated ledger of the all-time cells, and on each document the day its last change counts from there
  // (`ledgerDay`; pipeline-as-of.ts): the pipeline and the funnel as of a past business day.
  version: zonedVersion(16), // in another zone than Asia/Tehran, a version of that zone's own (business-time.ts)
  readsOwnBuildsOnly: true, // its days are business days: another version's may be other days
  collection: 'pipeline_opportunities',
  readsPersonalData: false,
  eventTypes: [
    'LeadCaptured',
    'LeadQualified',
    'LeadDisqualified',
    'OpportunityOpened',
    'OpportunityStageMoved',
    'OpportunityEstimateRevised',
    'OpportunityWon',
    'OpportunityLost',
    'OpportunityReopened',
  ],
  indexes: [
    // A pipeline period's deals (a range of closing dates after a status), and the list of one status by closing date
    // in either direction: declared without the id, PostgreSQL's planner took it for that list and sorted each tie.
    ...keysetIndexes(['tenantId', 'status'], 'closingDate'),
    ['tenantId', 'ownerId'],
    ['tenantId', 'campaignId'],
    // Every sort of the list (SORT_FIELDS), then the id it breaks ties on, in the page's order: a page (and a keyset
    // page) walks the index forwards or backwards and reads its own rows, however many deals share its value (a page of
    // `sort=probability` sorted every deal at 10%, and one of a closing date every deal closing that day). `openedAt`
    // also serves the funnel's deals opened without a lead in a part-month. One index per sort since version 15 (two,
    // one per direction, before: ties broke on the id ascending in both).
    ...LIST_SORT_FIELDS.flatMap((field) => keysetIndexes(['tenantId'], field)),
    // The funnel's part-months at a period's edges: the deals of the leads captured then, and those leads.
    ['tenantId', 'leadCapturedAt'],
    ['leadTenantId', 'leadCapturedAt'],
  ],
  documentId: (event) => {
    const { tenantId } = event.metadata;
    switch (event.type) {
      case 'LeadCaptured':
      case 'LeadDisqualified':
        return capturedLeadId(tenantId, event.data.leadId);
      case 'LeadQualified':
        // The captured lead is named so the deal's fold can read it (`peer`); it becomes `qualified` (its deal counts it now).
        return [tenantKey(tenantId, event.data.opportunity.opportunityId), capturedLeadId(tenantId, event.data.leadId)];
      default:
        return tenantKey(tenantId, event.data.opportunityId);
    }
  },
  summary: {
    cells: pipelineCells,
    ...withAsOfLedger<PipelineDoc, HandledEvent>(
      monthSplitSummary<PipelineDoc, HandledEvent>(PIPELINE_SUMMARY_KINDS, PIPELINE_SUMMARY_PACKED, PIPELINE_MONTH_PARTS, {
        cells: pipelineCells,
        evolve: (doc, event, id, peer) => evolvePipeline(doc, event, id, peer),
      }),
      PIPELINE_SUMMARY_PACKED,
    ),
  },
  // Each changed document keeps the day its change counts from in the ledger (`ledgerDay`, pipeline-as-of.ts).
  evolve: datedEvolve(evolvePipeline),
});

function evolvePipeline(
  doc: PipelineDoc | null,
  event: RecordedOf<HandledEvent>,
  id: string,
  peer?: (id: string) => PipelineDoc | null,
): PipelineDoc | null {
  const { tenantId } = event.metadata;
  switch (event.type) {
    case 'LeadCaptured': {
      const { capturedAt, source, campaignId } = event.data;
      return { leadTenantId: tenantId, leadCapturedAt: capturedAt, source, ...compact({ campaignId }), leadStatus: 'captured' };
    }
    case 'LeadDisqualified':
      // Only a lead not qualified (the decider refuses the others): a qualified one is counted by its deal.
      return doc !== null && 'leadStatus' in doc && doc.leadStatus === 'captured' ? { ...doc, leadStatus: 'disqualified' } : doc;
    case 'LeadQualified': {
      const { leadId, source, campaignId, ownerId, opportunity } = event.data;
      const lead = capturedLeadId(tenantId, leadId);
      if (id === lead) return doc !== null && 'leadStatus' in doc ? { ...doc, leadStatus: 'qualified' } : doc;
      const captured = peer?.(lead);
      const leadCapturedAt = captured && 'leadCapturedAt' in captured ? captured.leadCapturedAt : undefined;
      const attribution = compact({ originLeadId: leadId, source, campaignId, leadCapturedAt });
      const deal = opened(doc);
      if (deal) return { ...deal, ...attribution };
      return { tenantId, opportunityId: opportunity.opportunityId, status: 'pending', ...compact({ ownerId }), ...attribution };
    }
    case 'OpportunityOpened': {
      const { opportunityId, name, accountId, stage, probability, amount, expectedCloseDate, openedAt, ...more } = event.data;
      const prior = dealOf(doc);
      return settled({
        tenantId,
        opportunityId,
        status: 'open',
        name,
        nameKey: persianSortKey(name).slice(0, NAME_KEY_LENGTH),
        accountId,
        stage,
        probability,
        amount,
        expectedCloseDate,
        openedAt,
        ...compact({
          contactId: more.contactId,
          ownerId: more.ownerId ?? prior?.ownerId,
          originLeadId: more.originLeadId ?? prior?.originLeadId,
          source: prior?.source,
          campaignId: more.campaignId ?? prior?.campaignId,
          leadCapturedAt: prior?.leadCapturedAt,
        }),
      });
    }
    default:
      return evolveOpened(opened(doc), event);
  }
}

function evolveOpened(
  deal: OpenedOpportunity | null,
  event: Exclude<HandledEvent, LeadCaptured | LeadQualified | LeadDisqualified | { type: 'OpportunityOpened' }>,
) {
  // Only a deal that was opened can move; the decider guarantees it, the projection does not invent one.
  if (deal === null) return null;
  const base = withoutFigures(deal);
  switch (event.type) {
    case 'OpportunityStageMoved':
      return settled({ ...base, stage: event.data.to, probability: event.data.probability });
    case 'OpportunityEstimateRevised': {
      const { amount, probability, expectedCloseDate } = event.data;
      return settled({ ...base, ...compact({ amount, probability, expectedCloseDate }) });
    }
    case 'OpportunityWon': {
      const { amount, stage, quoteId, wonAt } = event.data;
      const cycleMs = Math.max(0, Date.parse(wonAt) - Date.parse(deal.openedAt));
      return settled({ ...reopened(deal), ...compact({ quoteId }), status: 'won', stage, amount, probability: 100, wonAt, cycleMs });
    }
    case 'OpportunityLost': {
      const { stage, reason, lostAt } = event.data;
      return settled({ ...reopened(deal), status: 'lost', stage, probability: 0, lostAt, lostReason: reason });
    }
    case 'OpportunityReopened': {
      const { stage, probability, reopenedAt } = event.data;
      return settled({ ...reopened(deal), status: 'open', stage, probability, reopenedAt });
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
