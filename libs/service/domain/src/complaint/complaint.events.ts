import type { Event } from '@crm/shared/event-sourcing';
import type { Party, RelatedTo, ServiceChannel } from '../shared/party';
import type { Severity, SlaDeadlines, SlaMilestone } from '../sla/sla-policy';
import type { Assignee, CloseOutcome, ComplaintTrail, EscalationLevel, Urgency } from './complaint.types';

export type ComplaintReceived = Event<
  'ComplaintReceived',
  {
    complaintId: string;
    complainant: Party;
    channel: ServiceChannel;
    category: string;
    description: string;
    desiredRemedy?: string;
    relatedTo?: RelatedTo;
    receivedAt: string;
    status: 'received';
    escalationLevel: 'local';
    /** The acknowledgement clock runs from receipt, before anyone has rated the complaint. */
    provisionalSeverity: Severity;
    deadlines: SlaDeadlines;
  }
>;

export type ComplaintAcknowledged = Event<'ComplaintAcknowledged', ComplaintTrail & { acknowledgedAt: string; message?: string }>;

export type ComplaintAssessed = Event<
  'ComplaintAssessed',
  ComplaintTrail & {
    severity: Severity;
    urgency?: Urgency;
    rationale?: string;
    assessedAt: string;
    previousSeverity?: Severity;
    previousDeadlines: SlaDeadlines;
  }
>;

export type ComplaintAssigned = Event<
  'ComplaintAssigned',
  ComplaintTrail & { assignee: Assignee; previousAssignee?: Assignee; assignedAt: string }
>;

export type ComplaintInvestigationNoteAdded = Event<'ComplaintInvestigationNoteAdded', ComplaintTrail & { note: string; notedAt: string }>;

/**
 * `response`, `decision` and an escalation's or reopening's `reason` are absent only from a step recorded after the
 * complaint's personal data was erased, without text (commands' `PersonalDataErased`): what is left of the step is
 * what it did to the handling (status, level, deadlines), nothing about the person.
 */
export type ComplaintResponded = Event<
  'ComplaintResponded',
  ComplaintTrail & { response?: string; remedy?: string; actions?: readonly string[]; respondedAt: string }
>;

export type ComplaintDecisionCommunicated = Event<
  'ComplaintDecisionCommunicated',
  ComplaintTrail & { decision?: string; channel: ServiceChannel; communicatedAt: string }
>;

export type ComplaintEscalated = Event<
  'ComplaintEscalated',
  ComplaintTrail & { fromLevel: EscalationLevel; reason?: string; escalatedAt: string }
>;

export type ComplaintClosed = Event<'ComplaintClosed', ComplaintTrail & { outcome: CloseOutcome; note?: string; closedAt: string }>;

export type ComplaintReopened = Event<
  'ComplaintReopened',
  ComplaintTrail & {
    reason?: string;
    reopenedAt: string;
    reopenCount: number;
    previousDeadlines: SlaDeadlines;
    /**
     * Where each milestone's clock starts after the reopening (deadlines of a later re-assessment count from it): the
     * reopening, or for a clock resumed after a withdrawal, its start moved on by the time the complaint stood
     * withdrawn. Absent on reopenings recorded before: both then restart at the reopening (the acknowledgement's only
     * if never acknowledged).
     */
    clocks?: Readonly<Record<SlaMilestone, string>>;
  }
>;

export type ComplaintHandlingSatisfactionRecorded = Event<
  'ComplaintHandlingSatisfactionRecorded',
  ComplaintTrail & {
    score: number;
    comment?: string;
    outcome: CloseOutcome;
    /** When the complainant gave it, when the request said (a call noted later); recordedAt otherwise. */
    respondedAt?: string;
    recordedAt: string;
  }
>;

export type ComplaintSlaBreached = Event<
  'ComplaintSlaBreached',
  ComplaintTrail & {
    milestone: SlaMilestone;
    deadline: string;
    detectedAt: string;
    /** Present when the milestone was met, but late. */
    metAt?: string;
  }
>;

/**
 * A breach recorded against a deadline that a re-assessment has since extended, before
 * the milestone was met: the deadline it was judged against is no longer the one in
 * force, so the breach no longer stands. If the new deadline has passed too, a new
 * ComplaintSlaBreached against it follows in the same decision.
 */
export type ComplaintSlaBreachWithdrawn = Event<
  'ComplaintSlaBreachWithdrawn',
  ComplaintTrail & {
    milestone: SlaMilestone;
    /** The deadline the withdrawn breach was recorded against. */
    deadline: string;
    /** The deadline in force from now on (also in `deadlines`). */
    extendedTo: string;
    withdrawnAt: string;
  }
>;

export type ComplaintEvent =
  | ComplaintReceived
  | ComplaintAcknowledged
  | ComplaintAssessed
  | ComplaintAssigned
  | ComplaintInvestigationNoteAdded
  | ComplaintResponded
  | ComplaintDecisionCommunicated
  | ComplaintEscalated
  | ComplaintClosed
  | ComplaintReopened
  | ComplaintHandlingSatisfactionRecorded
  | ComplaintSlaBreached
  | ComplaintSlaBreachWithdrawn;
