import type { DisqualifyReason, LeadEvent, LeadSource, LeadUpdated } from '@crm/sales/domain';
import { defineProjection, type RecordedOf, type SummaryCell, tenantKey } from '@crm/shared/read-model';
import { monthSplitSummary } from './month-summaries';
import { BUSINESS_CALENDAR, compact, zonedVersion } from '@crm/shared/kernel';

/**
 * One document per lead, for the funnel and campaign attribution. It does not
 * know whether the lead's deal was won: OpportunityWon does not name the lead.
 * The deal knows its lead's capture instant instead (pipeline-opportunities),
 * which is what the funnel's deal cells are dated by; joining `opportunityId`
 * to the deals is the funnel's definition, and its fallback.
 */
export interface PipelineLead {
  readonly tenantId: string;
  readonly leadId: string;
  readonly source: LeadSource;
  readonly campaignId?: string;
  readonly ownerId?: string;
  readonly capturedAt: string;
  readonly status: 'captured' | 'qualified' | 'disqualified';
  readonly qualifiedAt?: string;
  readonly opportunityId?: string;
  readonly accountId?: string;
  readonly contactId?: string;
  readonly disqualifiedAt?: string;
  readonly disqualifyReason?: DisqualifyReason;
}

type HandledEvent = Exclude<LeadEvent, LeadUpdated>;

/** The kinds of cell a lead adds, each kept in its own summary document of the tenant (month-summaries.ts). */
export const LEAD_SUMMARY_KINDS = ['source', 'campaign'] as const;

/** Dimensions moved into the value names of a kind's document (month-summaries.ts): one cell per campaign. */
export const LEAD_SUMMARY_PACKED: Readonly<Record<string, readonly string[]>> = { campaign: ['status'] };

/** Each kind's month cells in a months document of its own (month-summaries.ts): a funnel with a period reads its grouping's. */
export const LEAD_MONTH_PARTS: Readonly<Record<string, string>> = { source: 'sourceMonths', campaign: 'campaignMonths' };

/**
 * What a lead adds to the funnel's counts: per source, and per campaign, with its status and capture month (the
 * business month, BUSINESS_CALENDAR: a lead captured at 2025-02-28T21:00Z, 00:30 on 1 March in Tehran, is March's).
 */
export function leadCells(lead: PipelineLead): SummaryCell[] {
  const common = { status: lead.status, month: BUSINESS_CALENDAR.month(lead.capturedAt) };
  return [
    { dims: { kind: 'source', source: lead.source, ...common }, values: { count: 1 } },
    { dims: { kind: 'campaign', campaignId: lead.campaignId ?? null, ...common }, values: { count: 1 } },
  ];
}

export const pipelineLeads = defineProjection<PipelineLead, HandledEvent>({
  name: 'pipeline-leads',
  // 4: keeps a per-tenant summary (leadCells) next to the leads.
  // 5: one summary per kind of cell and a packed `months` one (month-summaries.ts).
  // 6: the `campaign` summary packed by campaign (LEAD_SUMMARY_PACKED).
  // 7: the month cells of each kind in a document of their own (LEAD_MONTH_PARTS), no longer in `months`.
  // 8: those months documents one per year (`sourceMonths:2025`), named from the lead's capture month, and `years`.
  // 9: the capture month is the business month (BUSINESS_CALENDAR, Asia/Tehran by default), no longer the UTC one.
  version: zonedVersion(9), // in another zone than Asia/Tehran, a version of that zone's own (business-time.ts)
  readsOwnBuildsOnly: true, // its days are business days: another version's may be other days
  collection: 'pipeline_leads',
  readsPersonalData: false,
  eventTypes: ['LeadCaptured', 'LeadAssigned', 'LeadQualified', 'LeadDisqualified'],
  indexes: [
    ['tenantId', 'capturedAt'],
    ['tenantId', 'campaignId'],
    ['tenantId', 'status'],
  ],
  documentId: (event) => tenantKey(event.metadata.tenantId, event.data.leadId),
  summary: {
    cells: leadCells,
    ...monthSplitSummary<PipelineLead, HandledEvent>(LEAD_SUMMARY_KINDS, LEAD_SUMMARY_PACKED, LEAD_MONTH_PARTS, {
      cells: leadCells,
      evolve: (doc, event) => evolveLead(doc, event),
    }),
  },
  evolve: evolveLead,
});

function evolveLead(doc: PipelineLead | null, event: RecordedOf<HandledEvent>): PipelineLead | null {
  if (event.type === 'LeadCaptured') {
    const { leadId, source, campaignId, ownerId, capturedAt } = event.data;
    return { tenantId: event.metadata.tenantId, leadId, source, ...compact({ campaignId, ownerId }), capturedAt, status: 'captured' };
  }
  // A lead is always captured first; without its capture there is no date to place it in the funnel.
  if (doc === null) return null;
  switch (event.type) {
    case 'LeadAssigned':
      return { ...doc, ownerId: event.data.ownerId };
    case 'LeadQualified': {
      const { opportunity, account, contact, qualifiedAt } = event.data;
      return {
        ...doc,
        status: 'qualified',
        qualifiedAt,
        opportunityId: opportunity.opportunityId,
        accountId: account.accountId,
        contactId: contact.contactId,
      };
    }
    case 'LeadDisqualified': {
      const { reason, disqualifiedAt } = event.data;
      return { ...doc, status: 'disqualified', disqualifiedAt, disqualifyReason: reason };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
