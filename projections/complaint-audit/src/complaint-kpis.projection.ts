import type {
  CloseOutcome,
  ComplaintEvent,
  ComplaintReceived,
  ComplaintStatus,
  EscalationLevel,
  ServiceChannel,
  Severity,
  SlaMilestone,
} from '@crm/service/domain';
import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { normalizePersian } from '@crm/shared/kernel';
import { defineProjection, utcInstant } from '@crm/shared/read-model';
import { COMPLAINT_EVENT_TYPES, complaintDocumentId } from './complaint-audit.projection';
import { complaintEvolve, type FollowingComplaintEvent } from './complaint-fold';

/**
 * One step of a complaint as the KPIs need it, at the time the step says it happened
 * (receivedAt, acknowledgedAt, closedAt, detectedAt, …), so any figure can be taken
 * as of a past instant by folding only the steps at or before it (docs/metrics.md).
 */
export type KpiStep =
  | {
      readonly kind: 'status';
      readonly at: string;
      readonly to: ComplaintStatus;
      readonly level: EscalationLevel;
      readonly severity?: Severity;
      /** The deadlines in force after the step (UTC). */
      readonly acknowledgeBy: string;
      readonly resolveBy: string;
    }
  | { readonly kind: 'acknowledged'; readonly at: string }
  | { readonly kind: 'closed'; readonly at: string; readonly outcome: CloseOutcome }
  | { readonly kind: 'reopened'; readonly at: string }
  | { readonly kind: 'satisfaction'; readonly at: string; readonly score: number }
  | { readonly kind: 'breached'; readonly at: string; readonly milestone: SlaMilestone }
  | { readonly kind: 'breachWithdrawn'; readonly at: string; readonly milestone: SlaMilestone };

/** A complaint reduced to what the KPIs aggregate; times in UTC so range filters compare as strings. */
export interface ComplaintKpiRow {
  readonly tenantId: string;
  readonly complaintId: string;
  readonly receivedAt: string;
  readonly channel: ServiceChannel;
  readonly category: string;
  /** The category as matched (Arabic ي/ك, ZWNJ, digits normalised), so spelling variants count together. */
  readonly categoryKey: string;
  /** The deadlines set at receipt (UTC). */
  readonly acknowledgeBy: string;
  readonly resolveBy: string;
  /** Every step after receipt, in stream order; the KPIs fold the ones at or before asOf. */
  readonly steps: readonly KpiStep[];
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
    acknowledgeBy: utcInstant(d.deadlines.acknowledgeBy),
    resolveBy: utcInstant(d.deadlines.resolveBy),
    steps: [],
    lastRevision: event.revision,
  };
}

/** When the step happened, by the time the event itself records. */
export function complaintStepTime(event: FollowingComplaintEvent): string {
  const d = event.data as unknown as Record<string, unknown>;
  switch (event.type) {
    case 'ComplaintAcknowledged':
      return event.data.acknowledgedAt;
    case 'ComplaintAssessed':
      return event.data.assessedAt;
    case 'ComplaintAssigned':
      return event.data.assignedAt;
    case 'ComplaintInvestigationNoteAdded':
      return event.data.notedAt;
    case 'ComplaintResponded':
      return event.data.respondedAt;
    case 'ComplaintDecisionCommunicated':
      return event.data.communicatedAt;
    case 'ComplaintEscalated':
      return event.data.escalatedAt;
    case 'ComplaintClosed':
      return event.data.closedAt;
    case 'ComplaintReopened':
      return event.data.reopenedAt;
    case 'ComplaintHandlingSatisfactionRecorded':
      return event.data.recordedAt;
    case 'ComplaintSlaBreached':
      return event.data.detectedAt;
    case 'ComplaintSlaBreachWithdrawn':
      return event.data.withdrawnAt;
    default: {
      const _exhaustive: never = event;
      return String(d['at'] ?? _exhaustive);
    }
  }
}

function stepsOf(event: FollowingComplaintEvent): KpiStep[] {
  const at = utcInstant(complaintStepTime(event));
  const { to, escalationLevel: level, severity, deadlines } = event.data;
  const status: KpiStep = {
    kind: 'status',
    at,
    to,
    level,
    ...(severity === undefined ? {} : { severity }),
    acknowledgeBy: utcInstant(deadlines.acknowledgeBy),
    resolveBy: utcInstant(deadlines.resolveBy),
  };
  switch (event.type) {
    case 'ComplaintAcknowledged':
      return [status, { kind: 'acknowledged', at }];
    case 'ComplaintClosed':
      return [status, { kind: 'closed', at, outcome: event.data.outcome }];
    case 'ComplaintReopened':
      // The new cycle's milestones first, so the deadlines the reopening sets are theirs.
      return [{ kind: 'reopened', at }, status];
    case 'ComplaintHandlingSatisfactionRecorded':
      return [status, { kind: 'satisfaction', at, score: event.data.score }];
    case 'ComplaintSlaBreached':
      return [status, { kind: 'breached', at, milestone: event.data.milestone }];
    case 'ComplaintSlaBreachWithdrawn':
      return [status, { kind: 'breachWithdrawn', at, milestone: event.data.milestone }];
    default:
      return [status];
  }
}

function followed(row: ComplaintKpiRow, event: FollowingComplaintEvent): ComplaintKpiRow {
  return { ...row, steps: [...row.steps, ...stepsOf(event)], lastRevision: event.revision };
}

/** Per-complaint step rows that the complaint KPIs (docs/metrics.md) fold as of the date asked. */
export const complaintKpisProjection = defineProjection<ComplaintKpiRow, ComplaintEvent>({
  name: COMPLAINT_KPIS,
  version: 2,
  collection: 'complaint_kpis',
  eventTypes: COMPLAINT_EVENT_TYPES,
  indexes: [['tenantId', 'receivedAt']],
  documentId: (event) => complaintDocumentId(event.metadata.tenantId, event.data.complaintId),
  evolve: complaintEvolve(received, followed),
});
