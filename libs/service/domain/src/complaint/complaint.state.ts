import type { MilestoneDeadline } from '../sla/sla-breaches';
import type { Severity, SlaDeadlines, SlaMilestone } from '../sla/sla-policy';
import type { ComplaintEvent, ComplaintReceived } from './complaint.events';
import type {
  Assignee,
  Urgency,
  CloseOutcome,
  ComplaintStatus,
  ComplaintTrail,
  EscalationLevel,
  OpenComplaintStatus,
} from './complaint.types';

/** What the rules need to remember about a complaint, whatever its status. */
export interface ComplaintFile {
  readonly complaintId: string;
  readonly receivedAt: string;
  readonly escalationLevel: EscalationLevel;
  readonly provisionalSeverity: Severity;
  readonly severity?: Severity;
  readonly urgency?: Urgency;
  readonly deadlines: SlaDeadlines;
  /** Where each milestone's clock starts: receipt, or the reopening that restarted it. */
  readonly clocks: Readonly<Record<SlaMilestone, string>>;
  readonly acknowledgedAt?: string;
  readonly assignee?: Assignee;
  readonly reopenCount: number;
  /**
   * The breach that stands for each milestone of the current handling cycle, by the
   * deadline it was recorded against; withdrawn by an extension, cleared by a reopening
   * that restarts the milestone's clock (the earlier breach stays on the stream).
   */
  readonly breaches: Readonly<Partial<Record<SlaMilestone, string>>>;
}

export interface Closing {
  readonly outcome: CloseOutcome;
  readonly closedAt: string;
  readonly satisfactionRecorded: boolean;
}

export type ComplaintState =
  | { readonly status: 'none' }
  | { readonly status: OpenComplaintStatus; readonly complaint: ComplaintFile }
  | { readonly status: 'closed'; readonly complaint: ComplaintFile; readonly closing: Closing };

export type ExistingComplaint = Exclude<ComplaintState, { status: 'none' }>;
export type ComplaintInProgress = Extract<ComplaintState, { status: OpenComplaintStatus }>;

export const initialComplaintState = (): ComplaintState => ({ status: 'none' });

function received(data: ComplaintReceived['data']): ComplaintState {
  return {
    status: 'received',
    complaint: {
      complaintId: data.complaintId,
      receivedAt: data.receivedAt,
      escalationLevel: data.escalationLevel,
      provisionalSeverity: data.provisionalSeverity,
      deadlines: data.deadlines,
      clocks: { acknowledge: data.receivedAt, resolve: data.receivedAt },
      reopenCount: 0,
      breaches: {},
    },
  };
}

/** Status, level, severity and deadlines always follow the event's trail, so evolve cannot drift from decide. */
function followTrail(complaint: ComplaintFile, trail: ComplaintTrail): ComplaintFile {
  return {
    ...complaint,
    escalationLevel: trail.escalationLevel,
    deadlines: trail.deadlines,
    ...(trail.severity === undefined ? {} : { severity: trail.severity }),
  };
}

function moveTo(state: ExistingComplaint, to: ComplaintStatus, complaint: ComplaintFile): ComplaintState {
  if (to !== 'closed') return { status: to, complaint };
  // Only ComplaintClosed enters `closed`; every other event that lands there found it closed already.
  return state.status === 'closed' ? { status: 'closed', complaint, closing: state.closing } : state;
}

export function evolveComplaint(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  if (event.type === 'ComplaintReceived') return received(event.data);
  if (state.status === 'none') return state;
  const complaint = followTrail(state.complaint, event.data);
  switch (event.type) {
    case 'ComplaintAcknowledged':
      return moveTo(state, event.data.to, { ...complaint, acknowledgedAt: event.data.acknowledgedAt });
    case 'ComplaintAssigned':
      return moveTo(state, event.data.to, { ...complaint, assignee: event.data.assignee });
    case 'ComplaintClosed': {
      const closing = { outcome: event.data.outcome, closedAt: event.data.closedAt, satisfactionRecorded: false };
      return { status: 'closed', complaint, closing };
    }
    case 'ComplaintReopened': {
      const restarted = event.data.clocks ?? {
        acknowledge: complaint.acknowledgedAt === undefined ? event.data.reopenedAt : complaint.clocks.acknowledge,
        resolve: event.data.reopenedAt,
      };
      // A breach of the acknowledgement stands once acknowledged; an unmet one restarts with its clock.
      const breaches = complaint.acknowledgedAt === undefined ? {} : pick(complaint.breaches, 'acknowledge');
      return moveTo(state, event.data.to, { ...complaint, clocks: restarted, reopenCount: event.data.reopenCount, breaches });
    }
    case 'ComplaintHandlingSatisfactionRecorded':
      return state.status === 'closed' ? { status: 'closed', complaint, closing: { ...state.closing, satisfactionRecorded: true } } : state;
    case 'ComplaintSlaBreached': {
      const breaches = { ...complaint.breaches, [event.data.milestone]: event.data.deadline };
      return moveTo(state, event.data.to, { ...complaint, breaches });
    }
    case 'ComplaintSlaBreachWithdrawn': {
      const { [event.data.milestone]: _withdrawn, ...breaches } = complaint.breaches;
      return moveTo(state, event.data.to, { ...complaint, breaches });
    }
    case 'ComplaintAssessed': {
      const { urgency: _previous, ...rest } = complaint;
      const assessed = event.data.urgency === undefined ? rest : { ...rest, urgency: event.data.urgency };
      return moveTo(state, event.data.to, assessed);
    }
    case 'ComplaintInvestigationNoteAdded':
    case 'ComplaintResponded':
    case 'ComplaintDecisionCommunicated':
    case 'ComplaintEscalated':
      return moveTo(state, event.data.to, complaint);
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

function pick<T extends object, K extends keyof T>(value: T, key: K): Partial<T> {
  return value[key] === undefined ? {} : ({ [key]: value[key] } as Partial<T>);
}

/**
 * The SLA view of a complaint: acknowledgement is met when acknowledged, resolution
 * when closed (any outcome: withdrawal also ends the handling). Reopening restarts
 * the resolve clock, so a reopened complaint is open against a fresh deadline.
 */
export function milestonesOf(state: ExistingComplaint): MilestoneDeadline[] {
  const { complaint } = state;
  // One breach per milestone and cycle: a deadline moved earlier after a breach is breached already.
  const recorded = (milestone: SlaMilestone) => complaint.breaches[milestone] !== undefined;
  const closedAt = state.status === 'closed' ? state.closing.closedAt : undefined;
  return [
    {
      milestone: 'acknowledge',
      deadline: complaint.deadlines.acknowledgeBy,
      ...(complaint.acknowledgedAt === undefined ? {} : { metAt: complaint.acknowledgedAt }),
      breachRecorded: recorded('acknowledge'),
    },
    {
      milestone: 'resolve',
      deadline: complaint.deadlines.resolveBy,
      ...(closedAt === undefined ? {} : { metAt: closedAt }),
      breachRecorded: recorded('resolve'),
    },
  ];
}
