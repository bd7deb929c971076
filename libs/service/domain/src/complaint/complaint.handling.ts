import { DomainError, requireText } from '@crm/shared/event-sourcing';
import type * as C from './complaint.commands';
import type { ComplaintEvent } from './complaint.events';
import { checkedTime, inProgress, TEXT_REQUIRED, textUnlessErased, trail, withRevealedBreaches } from './complaint.guards';
import type { ComplaintInProgress, ComplaintState } from './complaint.state';
import { escalationRank } from './complaint.types';
import { COMPLAINT_REFUSALS } from './complaint.refusals';

function requireAcknowledged(state: ComplaintInProgress, step: string): void {
  if (state.complaint.acknowledgedAt === undefined) {
    throw new DomainError(COMPLAINT_REFUSALS.NOT_ACKNOWLEDGED, `Acknowledge the complaint before ${step}`);
  }
}

export function addNote({ data }: C.AddInvestigationNote, state: ComplaintState): ComplaintEvent[] {
  const complaint = inProgress(state);
  const at = checkedTime(complaint, data.at, 'at');
  const note = requireText(data.note, 'note', TEXT_REQUIRED);
  requireAcknowledged(complaint, 'investigating it');
  const to = complaint.status === 'acknowledged' ? 'investigating' : complaint.status;
  return withRevealedBreaches(
    state,
    [{ type: 'ComplaintInvestigationNoteAdded', data: { ...trail(complaint, to), note, notedAt: at } }],
    at,
  );
}

/**
 * A response may be revised until closing; a revision after the decision was communicated needs communicating again.
 * Its text may be left out only once the complaint's personal data is erased (`textUnlessErased`).
 */
export function respond({ data }: C.RespondToComplaint, state: ComplaintState): ComplaintEvent[] {
  const complaint = inProgress(state);
  const at = checkedTime(complaint, data.at, 'at');
  const response = textUnlessErased(data.response, 'response', data.personalDataErased);
  requireAcknowledged(complaint, 'responding');
  // ISO 10002 7.4: every complaint is initially assessed; a response without a severity would escape the KPIs by severity.
  if (complaint.complaint.severity === undefined) {
    throw new DomainError(COMPLAINT_REFUSALS.NOT_ASSESSED, 'Assess the complaint before responding');
  }
  const extras = {
    ...(data.remedy === undefined ? {} : { remedy: data.remedy }),
    ...(data.actions === undefined ? {} : { actions: data.actions.map((action, i) => requireText(action, `actions.${i}`, TEXT_REQUIRED)) }),
  };
  return withRevealedBreaches(
    state,
    [{ type: 'ComplaintResponded', data: { ...trail(complaint, 'responded'), ...response, ...extras, respondedAt: at } }],
    at,
  );
}

/**
 * Communicating again (a letter after a phone call) is allowed and recorded. The decision's text may be left out only
 * once the complaint's personal data is erased: the step then records that and how it was told, not what.
 */
export function communicate({ data }: C.CommunicateDecision, state: ComplaintState): ComplaintEvent[] {
  const complaint = inProgress(state);
  const at = checkedTime(complaint, data.at, 'at');
  const decision = textUnlessErased(data.decision, 'decision', data.personalDataErased);
  if (complaint.status !== 'responded' && complaint.status !== 'decision_communicated') {
    throw new DomainError(COMPLAINT_REFUSALS.NO_RESPONSE, 'There is no response to communicate a decision on', {
      status: complaint.status,
    });
  }
  const event = { ...trail(complaint, 'decision_communicated'), ...decision, channel: data.channel, communicatedAt: at };
  return withRevealedBreaches(state, [{ type: 'ComplaintDecisionCommunicated', data: event }], at);
}

/**
 * Upward only, but levels may be skipped: a complainant can go straight to court. The reason may be left out only once
 * the complaint's personal data is erased.
 */
export function escalate({ data }: C.EscalateComplaint, state: ComplaintState): ComplaintEvent[] {
  const complaint = inProgress(state);
  const at = checkedTime(complaint, data.at, 'at');
  const reason = textUnlessErased(data.reason, 'reason', data.personalDataErased);
  const fromLevel = complaint.complaint.escalationLevel;
  if (escalationRank(data.toLevel) <= escalationRank(fromLevel)) {
    throw new DomainError(COMPLAINT_REFUSALS.ESCALATION_NOT_UPWARD, `Cannot escalate from ${fromLevel} to ${data.toLevel}`, {
      fromLevel,
      toLevel: data.toLevel,
    });
  }
  // Escalated after its decision was communicated (an appeal of it), the complaint is handled again at the new level:
  // it goes back to investigation and needs a new response and decision there before it closes as resolved or
  // unresolved. Before, it kept its status and closed as resolved on the old level's decision (an outside probe).
  // Escalated before a decision, the new level decides on the handling so far (a response stands).
  const to = complaint.status === 'decision_communicated' ? 'investigating' : complaint.status;
  return withRevealedBreaches(
    state,
    [
      {
        type: 'ComplaintEscalated',
        data: { ...trail(complaint, to), escalationLevel: data.toLevel, fromLevel, ...reason, escalatedAt: at },
      },
    ],
    at,
  );
}
