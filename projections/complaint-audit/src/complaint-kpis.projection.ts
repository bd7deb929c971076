import type {
  CloseOutcome,
  ComplaintEvent,
  ComplaintReceived,
  ComplaintStatus,
  EscalationLevel,
  ServiceChannel,
  Severity,
  SlaDeadlines,
  SlaMilestone,
} from '@crm/service/domain';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { normalizePersian } from '@crm/shared/kernel';
import { defineProjection } from '@crm/shared/read-model';
import { COMPLAINT_EVENT_TYPES, complaintDocumentId } from './complaint-audit.projection';
import { complaintEvolve, type FollowingComplaintEvent } from './complaint-fold';
import { utcInstant } from './numbers';

/**
 * One SLA milestone with the deadline in force. The acknowledgement follows the
 * complaint's current deadline while it is handled (a re-assessment re-dates it, and
 * the domain judges breaches the same way); each handling cycle (receipt, then every
 * reopening) has its own resolution milestone, met by the closing that ends the cycle.
 */
export interface MilestoneRecord {
  readonly milestone: SlaMilestone;
  readonly deadline: string;
  readonly metAt?: string;
  /** Closed without acknowledging (withdrawn): missed if the deadline had passed, otherwise it no longer applies. */
  readonly abandonedAt?: string;
}

/** A complaint reduced to what the KPIs aggregate; times in UTC so range filters compare as strings. */
export interface ComplaintKpiRow {
  readonly tenantId: string;
  readonly complaintId: string;
  readonly receivedAt: string;
  readonly channel: ServiceChannel;
  readonly category: string;
  /** The category as matched (Arabic ي/ك, ZWNJ, digits normalised), so spelling variants count together. */
  readonly categoryKey: string;
  readonly status: ComplaintStatus;
  readonly severity?: Severity;
  readonly escalationLevel: EscalationLevel;
  readonly acknowledgedAt?: string;
  /** Of the last closing; stays after a reopening, so status tells whether it still holds. */
  readonly closedAt?: string;
  readonly outcome?: CloseOutcome;
  readonly closings: number;
  readonly reopenCount: number;
  /** One per closing at most (the domain refuses a second). */
  readonly satisfactionScores: readonly number[];
  readonly breachesRecorded: number;
  readonly milestones: readonly MilestoneRecord[];
  readonly lastRevision: number;
}

export const COMPLAINT_KPIS = 'complaint-kpis';

function received(event: RecordedEvent<ComplaintReceived>): ComplaintKpiRow {
  const d = event.data;
  return {
    tenantId: event.metadata.tenantId,
    complaintId: d.complaintId,
    receivedAt: utcInstant(d.receivedAt),
    channel: d.channel,
    category: d.category,
    categoryKey: normalizePersian(d.category),
    status: d.status,
    escalationLevel: d.escalationLevel,
    closings: 0,
    reopenCount: 0,
    satisfactionScores: [],
    breachesRecorded: 0,
    milestones: [
      { milestone: 'acknowledge', deadline: utcInstant(d.deadlines.acknowledgeBy) },
      { milestone: 'resolve', deadline: utcInstant(d.deadlines.resolveBy) },
    ],
    lastRevision: event.revision,
  };
}

const isLive = (m: MilestoneRecord) => (m.milestone === 'acknowledge' ? m.abandonedAt === undefined : m.metAt === undefined);

/** The latest milestone of each kind that is still running takes the deadline the event carries. */
function redated(milestones: readonly MilestoneRecord[], deadlines: SlaDeadlines): MilestoneRecord[] {
  const last = (kind: SlaMilestone) => milestones.map((m) => m.milestone).lastIndexOf(kind);
  const latest = new Set([last('acknowledge'), last('resolve')]);
  return milestones.map((m, index) => {
    if (!latest.has(index) || !isLive(m)) return m;
    const deadline = utcInstant(m.milestone === 'acknowledge' ? deadlines.acknowledgeBy : deadlines.resolveBy);
    return { ...m, deadline };
  });
}

function settle(milestones: readonly MilestoneRecord[], kind: SlaMilestone, update: (m: MilestoneRecord) => MilestoneRecord) {
  const index = milestones.map((m) => m.milestone).lastIndexOf(kind);
  return milestones.map((m, i) => (i === index && isLive(m) ? update(m) : m));
}

function followed(row: ComplaintKpiRow, event: FollowingComplaintEvent): ComplaintKpiRow {
  const { to, escalationLevel, severity, deadlines } = event.data;
  const next: ComplaintKpiRow = {
    ...row,
    status: to,
    escalationLevel,
    ...(severity === undefined ? {} : { severity }),
    milestones: redated(row.milestones, deadlines),
    lastRevision: event.revision,
  };
  switch (event.type) {
    case 'ComplaintAcknowledged': {
      const at = utcInstant(event.data.acknowledgedAt);
      return { ...next, acknowledgedAt: at, milestones: settle(next.milestones, 'acknowledge', (m) => ({ ...m, metAt: at })) };
    }
    case 'ComplaintClosed': {
      const at = utcInstant(event.data.closedAt);
      const resolved = settle(next.milestones, 'resolve', (m) => ({ ...m, metAt: at }));
      const milestones = settle(resolved, 'acknowledge', (m) => (m.metAt === undefined ? { ...m, abandonedAt: at } : m));
      return { ...next, closedAt: at, outcome: event.data.outcome, closings: row.closings + 1, milestones };
    }
    case 'ComplaintReopened': {
      const { acknowledgeBy, resolveBy } = event.data.deadlines;
      const lastAck = [...next.milestones].reverse().find((m) => m.milestone === 'acknowledge');
      const restarted: MilestoneRecord[] = [
        ...(lastAck?.abandonedAt === undefined ? [] : [{ milestone: 'acknowledge' as const, deadline: utcInstant(acknowledgeBy) }]),
        { milestone: 'resolve', deadline: utcInstant(resolveBy) },
      ];
      return { ...next, reopenCount: event.data.reopenCount, milestones: [...next.milestones, ...restarted] };
    }
    case 'ComplaintHandlingSatisfactionRecorded':
      return { ...next, satisfactionScores: [...row.satisfactionScores, event.data.score] };
    case 'ComplaintSlaBreached':
      return { ...next, breachesRecorded: row.breachesRecorded + 1 };
    case 'ComplaintAssessed':
    case 'ComplaintAssigned':
    case 'ComplaintInvestigationNoteAdded':
    case 'ComplaintResponded':
    case 'ComplaintDecisionCommunicated':
    case 'ComplaintEscalated':
      return next;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** Per-complaint summary rows that the complaint KPIs (DESIGN.md "Analytics definitions") aggregate at query time. */
export const complaintKpisProjection = defineProjection<ComplaintKpiRow, ComplaintEvent>({
  name: COMPLAINT_KPIS,
  version: 1,
  collection: 'complaint_kpis',
  eventTypes: COMPLAINT_EVENT_TYPES,
  indexes: [['tenantId', 'receivedAt']],
  documentId: (event) => complaintDocumentId(event.metadata.tenantId, event.data.complaintId),
  evolve: complaintEvolve(received, followed),
});
