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
import type { Actor, RecordedEvent } from '@crm/shared/event-sourcing';
import { defineProjection, type RecordedOf } from '@crm/shared/read-model';
import { PERSIAN_LABELS, stepText, type StepDetails } from './audit-step-text';
import { complaintEvolve, type FollowingComplaintEvent } from './complaint-fold';

export interface AuditBreach {
  readonly milestone: SlaMilestone;
  readonly deadline: string;
  readonly detectedAt: string;
  /** Present when the milestone was met, but late. */
  readonly metAt?: string;
  /** Set when a re-assessment extended the deadline before the milestone was met (ComplaintSlaBreachWithdrawn). */
  readonly withdrawnAt?: string;
  readonly revision: number;
}

/** One event of the complaint's stream, as an auditor reads it. */
export interface AuditStep {
  readonly revision: number;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly actor: Actor;
  readonly type: ComplaintEvent['type'];
  readonly label: string;
  readonly labelFa: string;
  /** Null for receipt: there was no status before it. */
  readonly from: ComplaintStatus | null;
  readonly to: ComplaintStatus;
  readonly escalationLevel: EscalationLevel;
  readonly severity?: Severity;
  /** The deadlines in force once this step was taken. */
  readonly deadlines: SlaDeadlines;
  readonly breach?: Omit<AuditBreach, 'revision' | 'withdrawnAt'>;
  readonly details: StepDetails;
  /** The hash chain as recorded; the query re-verifies it against the event store. */
  readonly hash: string;
  readonly prevHash: string;
}

export interface ComplaintAuditDoc {
  readonly tenantId: string;
  readonly complaintId: string;
  readonly streamId: string;
  readonly receivedAt: string;
  readonly channel: ServiceChannel;
  readonly category: string;
  readonly status: ComplaintStatus;
  readonly escalationLevel: EscalationLevel;
  readonly provisionalSeverity: Severity;
  readonly severity?: Severity;
  readonly deadlines: SlaDeadlines;
  readonly reopenCount: number;
  /** Of the last closing; stays after a reopening, for the record. */
  readonly outcome?: CloseOutcome;
  readonly breaches: readonly AuditBreach[];
  readonly lastRevision: number;
  readonly steps: readonly AuditStep[];
}

export const COMPLAINT_AUDIT = 'complaint-audit';

export const COMPLAINT_EVENT_TYPES: readonly ComplaintEvent['type'][] = [
  'ComplaintReceived',
  'ComplaintAcknowledged',
  'ComplaintAssessed',
  'ComplaintAssigned',
  'ComplaintInvestigationNoteAdded',
  'ComplaintResponded',
  'ComplaintDecisionCommunicated',
  'ComplaintEscalated',
  'ComplaintClosed',
  'ComplaintReopened',
  'ComplaintHandlingSatisfactionRecorded',
  'ComplaintSlaBreached',
  'ComplaintSlaBreachWithdrawn',
];

export const complaintDocumentId = (tenantId: string, complaintId: string) => `${tenantId}:${complaintId}`;

type StepDraft = { -readonly [K in keyof AuditStep]?: AuditStep[K] };

/**
 * Built field by field in the document's key order rather than by spreading
 * partial objects: the same JSON, at a fraction of the cost, since spreads of
 * objects of varying shapes are slow and this runs for every complaint event.
 */
function stepOf(event: RecordedOf<ComplaintEvent>): AuditStep {
  const { label, details } = stepText(event);
  const { metadata } = event;
  // The person a service acted for is part of "who": an auditor needs both.
  const { id, roles, onBehalfOf } = metadata.actor;
  const actor = onBehalfOf === undefined ? { id, roles: [...roles] } : { id, roles: [...roles], onBehalfOf };
  const labelFa = PERSIAN_LABELS[event.type];
  const { revision, type } = event;
  const { eventId, occurredAt, hash, prevHash } = metadata;
  if (event.type === 'ComplaintReceived') {
    const { status, escalationLevel, deadlines } = event.data;
    return {
      revision,
      eventId,
      occurredAt,
      actor,
      type,
      label,
      labelFa,
      from: null,
      to: status,
      escalationLevel,
      deadlines,
      details,
      hash,
      prevHash,
    };
  }
  const { from, to, escalationLevel, deadlines, severity } = event.data;
  const step: StepDraft = { revision, eventId, occurredAt, actor, type, label, labelFa, from, to, escalationLevel };
  if (severity !== undefined) step.severity = severity;
  step.deadlines = deadlines;
  if (event.type === 'ComplaintSlaBreached') {
    const { milestone, deadline, detectedAt, metAt } = event.data;
    step.breach = metAt === undefined ? { milestone, deadline, detectedAt } : { milestone, deadline, detectedAt, metAt };
  }
  step.details = details;
  step.hash = hash;
  step.prevHash = prevHash;
  return step as AuditStep;
}

function received(event: RecordedEvent<ComplaintReceived>): ComplaintAuditDoc {
  const d = event.data;
  return {
    tenantId: event.metadata.tenantId,
    complaintId: d.complaintId,
    streamId: event.streamId,
    receivedAt: d.receivedAt,
    channel: d.channel,
    category: d.category,
    status: d.status,
    escalationLevel: d.escalationLevel,
    provisionalSeverity: d.provisionalSeverity,
    deadlines: d.deadlines,
    reopenCount: 0,
    breaches: [],
    lastRevision: event.revision,
    steps: [stepOf(event)],
  };
}

function followed(doc: ComplaintAuditDoc, event: FollowingComplaintEvent): ComplaintAuditDoc {
  const { to, escalationLevel, deadlines, severity } = event.data;
  const step = stepOf(event);
  const next = {
    ...doc,
    status: to,
    escalationLevel,
    deadlines,
    ...(severity === undefined ? {} : { severity }),
    lastRevision: event.revision,
    steps: [...doc.steps, step],
  };
  switch (event.type) {
    case 'ComplaintClosed':
      return { ...next, outcome: event.data.outcome };
    case 'ComplaintReopened':
      return { ...next, reopenCount: event.data.reopenCount };
    case 'ComplaintSlaBreached':
      return step.breach ? { ...next, breaches: [...doc.breaches, { ...step.breach, revision: event.revision }] } : next;
    case 'ComplaintSlaBreachWithdrawn': {
      const { milestone, deadline, withdrawnAt } = event.data;
      const standing = (b: AuditBreach) => b.milestone === milestone && b.withdrawnAt === undefined && b.deadline === deadline;
      return { ...next, breaches: doc.breaches.map((b) => (standing(b) ? { ...b, withdrawnAt } : b)) };
    }
    default:
      return next;
  }
}

/**
 * The auditor's view of one complaint (DESIGN.md "who uses it": trace a complaint
 * from receipt to closing): every event of its stream as a step, in revision order,
 * with the current summary on top. Steps keep the stream's hashes so the query can
 * show the read model still agrees with the tamper-evident record.
 */
export const complaintAuditProjection = defineProjection<ComplaintAuditDoc, ComplaintEvent>({
  name: COMPLAINT_AUDIT,
  // 2: the receipt's step names what the complaint is about (its description, excerpted).
  version: 2,
  collection: 'complaint_audit',
  eventTypes: COMPLAINT_EVENT_TYPES,
  indexes: [['tenantId', 'receivedAt']],
  documentId: (event) => complaintDocumentId(event.metadata.tenantId, event.data.complaintId),
  evolve: complaintEvolve(received, followed),
});
