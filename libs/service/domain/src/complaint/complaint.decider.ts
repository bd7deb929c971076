import { assertNever, DomainError, requireText, type Decider } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';
import { normalizeParty } from '../shared/party';
import { instantOf } from '../shared/time';
import { sameInstant } from '../sla/sla-breaches';
import {
  assertValidPolicy,
  DEFAULT_SLA_POLICY,
  deadlineFor,
  deadlinesFor,
  SLA_MILESTONES,
  type Severity,
  type SlaPolicy,
} from '../sla/sla-policy';
import { close, recordSatisfaction, recordSlaBreach, reopen } from './complaint.closing';
import type * as C from './complaint.commands';
import type { ComplaintCommand } from './complaint.commands';
import type { ComplaintEvent } from './complaint.events';
import { checkedTime, inProgress, policyOf, TEXT_REQUIRED, trail, withRevealedBreaches, type Config } from './complaint.guards';
import { addNote, communicate, escalate, respond } from './complaint.handling';
import { evolveComplaint, initialComplaintState, type ComplaintState } from './complaint.state';
import { COMPLAINT_REFUSALS } from './complaint.refusals';

export interface ComplaintDeciderOptions {
  /** The policy used when a command brings none. */
  readonly slaPolicy?: SlaPolicy;
  /** Severity whose deadlines run from receipt until the complaint is assessed. */
  readonly provisionalSeverity?: Severity;
}

function receive({ data }: C.ReceiveComplaint, state: ComplaintState, config: Config): ComplaintEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(COMPLAINT_REFUSALS.ALREADY_RECEIVED, `Complaint ${data.complaintId} was already received`);
  }
  instantOf(data.receivedAt, 'receivedAt');
  const policy = policyOf(config, data.slaPolicy);
  return [
    {
      type: 'ComplaintReceived',
      data: {
        complaintId: data.complaintId,
        complainant: normalizeParty(data.complainant, 'complainant', COMPLAINT_REFUSALS.NAME_REQUIRED),
        channel: data.channel,
        category: requireText(data.category, 'category', TEXT_REQUIRED),
        description: requireText(data.description, 'description', TEXT_REQUIRED),
        ...(data.desiredRemedy === undefined ? {} : { desiredRemedy: data.desiredRemedy }),
        ...(data.relatedTo === undefined ? {} : { relatedTo: data.relatedTo }),
        receivedAt: data.receivedAt,
        status: 'received',
        escalationLevel: 'local',
        provisionalSeverity: config.provisionalSeverity,
        deadlines: deadlinesFor(policy, config.provisionalSeverity, data.receivedAt),
      },
    },
  ];
}

function acknowledge({ data }: C.AcknowledgeComplaint, state: ComplaintState): ComplaintEvent[] {
  const complaint = inProgress(state);
  if (complaint.complaint.acknowledgedAt !== undefined) {
    throw new DomainError(COMPLAINT_REFUSALS.ALREADY_ACKNOWLEDGED, 'The complaint was already acknowledged', {
      acknowledgedAt: complaint.complaint.acknowledgedAt,
    });
  }
  const at = checkedTime(complaint, data.at, 'at');
  const message = data.message === undefined ? {} : { message: data.message };
  return withRevealedBreaches(
    state,
    [{ type: 'ComplaintAcknowledged', data: { ...trail(complaint, 'acknowledged'), acknowledgedAt: at, ...message } }],
    at,
  );
}

/**
 * ISO 10002 puts the initial assessment after receipt, not after acknowledgement:
 * the severity is what tells us how soon to acknowledge, so assessing first is allowed.
 * Re-assessment is allowed while in progress (investigation may show it is worse);
 * deadlines are recomputed from where their clocks started, never from now.
 *
 * SLA rule: a completed milestone is judged against the deadline in force when it
 * was completed, so an assessment after the acknowledgement re-dates only the
 * resolution. A deadline extended before its milestone is met withdraws a breach
 * recorded against the old one (ComplaintSlaBreachWithdrawn); if the new deadline has
 * passed as well, the breach against it is recorded in the same decision.
 */
function assess({ data }: C.AssessComplaint, state: ComplaintState, config: Config): ComplaintEvent[] {
  const complaint = inProgress(state);
  const at = checkedTime(complaint, data.at, 'at');
  const policy = policyOf(config, data.slaPolicy);
  const { clocks, deadlines: previousDeadlines, severity: previousSeverity, acknowledgedAt } = complaint.complaint;
  const deadlines = {
    acknowledgeBy:
      acknowledgedAt === undefined
        ? deadlineFor(policy, data.severity, 'acknowledge', clocks.acknowledge)
        : previousDeadlines.acknowledgeBy,
    resolveBy: deadlineFor(policy, data.severity, 'resolve', clocks.resolve),
  };
  const unchanged =
    previousSeverity === data.severity &&
    sameInstant(previousDeadlines.acknowledgeBy, deadlines.acknowledgeBy) &&
    sameInstant(previousDeadlines.resolveBy, deadlines.resolveBy);
  if (unchanged && data.urgency === complaint.complaint.urgency) return [];
  const assessed: ComplaintEvent = {
    type: 'ComplaintAssessed',
    data: {
      ...trail(complaint),
      severity: data.severity,
      deadlines,
      ...(data.urgency === undefined ? {} : { urgency: data.urgency }),
      ...(data.rationale === undefined ? {} : { rationale: data.rationale }),
      assessedAt: at,
      ...(previousSeverity === undefined ? {} : { previousSeverity }),
      previousDeadlines,
    },
  };
  // A deadline already passed is a breach before it is moved: recorded first, then withdrawn if the new one is later
  // (the trail keeps that the milestone was late once, whether or not the deadline watcher had seen it yet).
  const standing = withRevealedBreaches(state, [], at);
  const before = standing.reduce(evolveComplaint, state);
  return [...standing, ...withRevealedBreaches(before, [assessed, ...withdrawnBreaches(evolveComplaint(before, assessed), at)], at)];
}

/** Breaches that stand against a deadline now extended (only unmet milestones are ever re-dated). */
function withdrawnBreaches(state: ComplaintState, at: string): ComplaintEvent[] {
  if (state.status === 'none') return [];
  const { breaches, deadlines } = state.complaint;
  const inForce = { acknowledge: deadlines.acknowledgeBy, resolve: deadlines.resolveBy };
  return SLA_MILESTONES.flatMap((milestone): ComplaintEvent[] => {
    const deadline = breaches[milestone];
    if (deadline === undefined || instantOf(inForce[milestone], 'deadline') <= instantOf(deadline, 'deadline')) return [];
    return [
      {
        type: 'ComplaintSlaBreachWithdrawn',
        data: { ...trail(state), milestone, deadline, extendedTo: inForce[milestone], withdrawnAt: at },
      },
    ];
  });
}

function assign({ data }: C.AssignComplaint, state: ComplaintState): ComplaintEvent[] {
  const complaint = inProgress(state);
  const at = checkedTime(complaint, data.at, 'at');
  const previous = complaint.complaint.assignee;
  if (previous !== undefined && JSON.stringify(previous) === JSON.stringify(data.assignee)) return [];
  const previousAssignee = previous === undefined ? {} : { previousAssignee: previous };
  return withRevealedBreaches(
    state,
    [{ type: 'ComplaintAssigned', data: { ...trail(complaint), assignee: data.assignee, ...previousAssignee, assignedAt: at } }],
    at,
  );
}

function decideComplaint(command: ComplaintCommand, state: ComplaintState, config: Config): ComplaintEvent[] {
  switch (command.type) {
    case 'ReceiveComplaint':
      return receive(command, state, config);
    case 'AcknowledgeComplaint':
      return acknowledge(command, state);
    case 'AssessComplaint':
      return assess(command, state, config);
    case 'AssignComplaint':
      return assign(command, state);
    case 'AddInvestigationNote':
      return addNote(command, state);
    case 'RespondToComplaint':
      return respond(command, state);
    case 'CommunicateDecision':
      return communicate(command, state);
    case 'EscalateComplaint':
      return escalate(command, state);
    case 'CloseComplaint':
      return close(command, state);
    case 'ReopenComplaint':
      return reopen(command, state, config);
    case 'RecordHandlingSatisfaction':
      return recordSatisfaction(command, state);
    case 'RecordSlaBreach':
      return recordSlaBreach(command, state);
    default:
      return assertNever(command, 'complaint command');
  }
}

export type ComplaintDecider = Decider<ComplaintState, ComplaintCommand, ComplaintEvent>;

/** The policy is configuration, not state: events record the deadlines it produced, so replay never consults it. */
export function createComplaintDecider(options: ComplaintDeciderOptions = {}): ComplaintDecider {
  const config: Config = {
    slaPolicy: options.slaPolicy ?? DEFAULT_SLA_POLICY,
    provisionalSeverity: options.provisionalSeverity ?? 'medium',
  };
  assertValidPolicy(config.slaPolicy);
  return {
    initialState: initialComplaintState,
    decide: (command, state) => decideComplaint(command, state, config),
    evolve: evolveComplaint,
    isNew: (command) => command.type === 'ReceiveComplaint',
    existence: { notFound: NOT_FOUND.complaint, alreadyExists: COMPLAINT_REFUSALS.ALREADY_RECEIVED },
    refusals: COMPLAINT_REFUSALS,
  };
}

export const complaintDecider = createComplaintDecider();
