import { type Actor, type ChainVerification, type RecordedEvent, verifyChain } from '@crm/shared/event-sourcing';
import {
  type ComplaintEvent,
  type ComplaintState,
  evolveComplaint,
  initialComplaintState,
  type Party,
  type SlaDeadlines,
  type SlaMilestone,
} from '@crm/service/domain';

export interface AuditStep {
  readonly revision: number;
  readonly position: string;
  /** When it happened, as the step records it (acknowledgedAt, closedAt…). */
  readonly at: string;
  readonly recordedAt: string;
  readonly actor: Actor;
  readonly type: string;
  readonly what: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly level: string | undefined;
  readonly deadlines: SlaDeadlines | undefined;
  /** The deadlines differ from the step before (receipt, assessment, reopening). */
  readonly deadlinesChanged: boolean;
}

export interface AuditBreach {
  readonly milestone: SlaMilestone;
  readonly deadline: string;
  readonly detectedAt: string;
  readonly metAt?: string;
  readonly withdrawnAt?: string;
}

export interface AuditTrail {
  readonly complaintId: string;
  readonly streamId: string;
  readonly steps: readonly AuditStep[];
  readonly breaches: readonly AuditBreach[];
  /** The complaint as its events leave it (the domain's own fold). */
  readonly state: ComplaintState;
  readonly integrity: ChainVerification;
}

const human = (code: string) => code.replace(/_/g, ' ');
/** A step's text after a colon; none for a step recorded without it (after the complaint's personal data was erased). */
const said = (text: string | undefined) => (text === undefined ? '' : `: ${text}`);

/**
 * Who complained, without the phone or email of someone not on file, as the trail over HTTP names them (its
 * `partyRef`): the trail is read more widely than the stream, which keeps them (an outside probe found the CLI's
 * trail printing the phone the HTTP one leaves out).
 */
function partyText(party: Party): string {
  if ('contactId' in party) return `contact ${party.contactId}`;
  if ('accountId' in party) return `account ${party.accountId}`;
  return party.name;
}

/** The step in one line: what happened and its own facts. */
function describe(event: ComplaintEvent): { what: string; at: string } {
  switch (event.type) {
    case 'ComplaintReceived': {
      const d = event.data;
      const remedy = d.desiredRemedy ? `; wants: ${d.desiredRemedy}` : '';
      return {
        what: `received by ${human(d.channel)} from ${partyText(d.complainant)}: [${d.category}] ${d.description}${remedy}`,
        at: d.receivedAt,
      };
    }
    case 'ComplaintAcknowledged':
      return { what: `acknowledged${event.data.message ? `: ${event.data.message}` : ''}`, at: event.data.acknowledgedAt };
    case 'ComplaintAssessed': {
      const d = event.data;
      const verb = d.previousSeverity === undefined ? `assessed ${d.severity}` : `re-assessed ${d.previousSeverity} → ${d.severity}`;
      return { what: `${verb}${d.urgency ? `, ${d.urgency}` : ''}${d.rationale ? `: ${d.rationale}` : ''}`, at: d.assessedAt };
    }
    case 'ComplaintAssigned': {
      const { assignee } = event.data;
      return {
        what: `assigned to ${'userId' in assignee ? `user ${assignee.userId}` : `team ${assignee.teamId}`}`,
        at: event.data.assignedAt,
      };
    }
    case 'ComplaintInvestigationNoteAdded':
      return { what: `investigation note: ${event.data.note}`, at: event.data.notedAt };
    case 'ComplaintResponded': {
      const d = event.data;
      return { what: `responded${said(d.response)}${d.remedy ? ` (remedy: ${d.remedy})` : ''}`, at: d.respondedAt };
    }
    case 'ComplaintDecisionCommunicated':
      return { what: `decision communicated by ${human(event.data.channel)}${said(event.data.decision)}`, at: event.data.communicatedAt };
    case 'ComplaintEscalated': {
      const d = event.data;
      return { what: `escalated ${human(d.fromLevel)} → ${human(d.escalationLevel)}${said(d.reason)}`, at: d.escalatedAt };
    }
    case 'ComplaintClosed':
      return { what: `closed, ${event.data.outcome}${event.data.note ? `: ${event.data.note}` : ''}`, at: event.data.closedAt };
    case 'ComplaintReopened':
      return { what: `reopened (${event.data.reopenCount}×)${said(event.data.reason)}`, at: event.data.reopenedAt };
    case 'ComplaintHandlingSatisfactionRecorded': {
      const d = event.data;
      return { what: `satisfaction with the handling ${d.score}/5${d.comment ? `: ${d.comment}` : ''}`, at: d.recordedAt };
    }
    case 'ComplaintSlaBreached': {
      const d = event.data;
      const how = d.metAt === undefined ? 'still unmet' : `met late at ${d.metAt}`;
      return { what: `SLA BREACHED: ${d.milestone} was due by ${d.deadline}, ${how}`, at: d.detectedAt };
    }
    case 'ComplaintSlaBreachWithdrawn': {
      const d = event.data;
      return { what: `SLA breach withdrawn: ${d.milestone} deadline ${d.deadline} extended to ${d.extendedTo}`, at: d.withdrawnAt };
    }
    default: {
      const unknown = event as { type: string };
      return { what: human(unknown.type), at: '' };
    }
  }
}

const sameDeadlines = (a: SlaDeadlines | undefined, b: SlaDeadlines | undefined) =>
  a?.acknowledgeBy === b?.acknowledgeBy && a?.resolveBy === b?.resolveBy;

/**
 * A complaint's audit trail (API.md: every step in order — when, who, what,
 * from → to, level, deadlines, breaches — and the integrity check), computed
 * from its stream alone, so it needs no read model and cannot disagree with the events.
 */
export function auditTrail(complaintId: string, streamId: string, events: readonly RecordedEvent[]): AuditTrail {
  let state = initialComplaintState();
  let previous: SlaDeadlines | undefined;
  const steps: AuditStep[] = [];
  const breaches: AuditBreach[] = [];
  for (const recorded of events) {
    const event = { type: recorded.type, data: recorded.data } as ComplaintEvent;
    const data = recorded.data as { from?: string; to?: string; status?: string; escalationLevel?: string; deadlines?: SlaDeadlines };
    const { what, at } = describe(event);
    steps.push({
      revision: recorded.revision,
      position: recorded.position,
      at: at || recorded.metadata.occurredAt,
      recordedAt: recorded.metadata.occurredAt,
      actor: recorded.metadata.actor,
      type: recorded.type,
      what,
      from: data.from,
      to: data.to ?? data.status,
      level: data.escalationLevel,
      deadlines: data.deadlines,
      deadlinesChanged: data.deadlines !== undefined && !sameDeadlines(previous, data.deadlines),
    });
    previous = data.deadlines ?? previous;
    if (event.type === 'ComplaintSlaBreached') {
      const { milestone, deadline, detectedAt, metAt } = event.data;
      breaches.push({ milestone, deadline, detectedAt, ...(metAt === undefined ? {} : { metAt }) });
    }
    if (event.type === 'ComplaintSlaBreachWithdrawn') {
      const { milestone, deadline, withdrawnAt } = event.data;
      const index = breaches.findIndex((b) => b.milestone === milestone && b.deadline === deadline && b.withdrawnAt === undefined);
      if (index >= 0) breaches[index] = { ...(breaches[index] as AuditBreach), withdrawnAt };
    }
    state = evolveComplaint(state, event);
  }
  return { complaintId, streamId, steps, breaches, state, integrity: verifyChain(events) };
}
