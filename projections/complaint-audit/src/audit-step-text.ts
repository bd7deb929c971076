import type { ComplaintEvent, Party } from '@crm/service/domain';

type JsonScalar = string | number | boolean;
export type StepDetail = JsonScalar | readonly string[] | Readonly<Record<string, JsonScalar>>;
export type StepDetails = Readonly<Record<string, StepDetail>>;

/**
 * Free text is excerpted: the trail stays bounded however long the notes are, and
 * `GET /streams/complaint-{id}` keeps every word. Code points, not UTF-16 units, so
 * an excerpt never ends in half a character.
 */
export const EXCERPT_LENGTH = 280;

export function excerpt(text: string): string {
  const points = Array.from(text);
  return points.length <= EXCERPT_LENGTH ? text : `${points.slice(0, EXCERPT_LENGTH).join('')}…`;
}

const human = (code: string) => code.replace(/_/g, ' ');

// Who complained, without the phone or email of someone not on file: the audit trail is read more widely than the stream.
function partyRef(party: Party): Readonly<Record<string, string>> {
  if ('contactId' in party) return { contactId: party.contactId };
  if ('accountId' in party) return { accountId: party.accountId };
  return { name: party.name };
}

function assigneeText(assignee: { readonly userId: string } | { readonly teamId: string }): string {
  return 'userId' in assignee ? `user ${assignee.userId}` : `team ${assignee.teamId}`;
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : { [key]: value });

export interface StepText {
  readonly label: string;
  readonly details: StepDetails;
}

/** A short line an auditor can scan, and the facts of the step that are not already in the trail's common fields. */
export function stepText(event: ComplaintEvent): StepText {
  switch (event.type) {
    case 'ComplaintReceived': {
      const d = event.data;
      // What the complaint is about, excerpted as notes are: the trail read over HTTP said who complained and what they
      // wanted, but not about what (`crm-cli audit` did; an outside probe).
      const details = {
        channel: d.channel,
        category: d.category,
        complainant: partyRef(d.complainant),
        description: excerpt(d.description),
      };
      return {
        label: `Received by ${human(d.channel)}`,
        details: { ...details, provisionalSeverity: d.provisionalSeverity, ...optional('desiredRemedy', d.desiredRemedy) },
      };
    }
    case 'ComplaintAcknowledged':
      return { label: 'Receipt acknowledged', details: { ...optional('message', event.data.message && excerpt(event.data.message)) } };
    case 'ComplaintAssessed': {
      const { severity, previousSeverity, urgency, rationale } = event.data;
      const label = previousSeverity === undefined ? `Assessed as ${severity}` : `Re-assessed from ${previousSeverity} to ${severity}`;
      const extras = { ...optional('urgency', urgency), ...optional('rationale', rationale && excerpt(rationale)) };
      return { label, details: { severity, ...optional('previousSeverity', previousSeverity), ...extras } };
    }
    case 'ComplaintAssigned': {
      const { assignee, previousAssignee } = event.data;
      const verb = previousAssignee === undefined ? 'Assigned' : 'Reassigned';
      return { label: `${verb} to ${assigneeText(assignee)}`, details: { assignee, ...optional('previousAssignee', previousAssignee) } };
    }
    case 'ComplaintInvestigationNoteAdded':
      return { label: 'Investigation note added', details: { note: excerpt(event.data.note) } };
    case 'ComplaintResponded': {
      const { response, remedy, actions } = event.data;
      return {
        label: 'Response recorded',
        // The texts of a step recorded after the complaint's personal data was erased are absent (recorded without text).
        details: { ...optional('response', response && excerpt(response)), ...optional('remedy', remedy), ...optional('actions', actions) },
      };
    }
    case 'ComplaintDecisionCommunicated':
      return {
        label: `Decision communicated by ${human(event.data.channel)}`,
        details: { ...optional('decision', event.data.decision && excerpt(event.data.decision)), channel: event.data.channel },
      };
    case 'ComplaintEscalated': {
      const { fromLevel, escalationLevel, reason } = event.data;
      return {
        label: `Escalated from ${human(fromLevel)} to ${human(escalationLevel)}`,
        details: { fromLevel, toLevel: escalationLevel, ...optional('reason', reason && excerpt(reason)) },
      };
    }
    case 'ComplaintClosed':
      return {
        label: `Closed as ${event.data.outcome}`,
        details: { outcome: event.data.outcome, ...optional('note', event.data.note && excerpt(event.data.note)) },
      };
    case 'ComplaintReopened':
      return {
        label: `Reopened (${event.data.reopenCount}×)`,
        details: {
          ...optional('reason', event.data.reason && excerpt(event.data.reason)),
          reopenCount: event.data.reopenCount,
          previousDeadlines: { ...event.data.previousDeadlines },
        },
      };
    case 'ComplaintHandlingSatisfactionRecorded': {
      const { score, outcome, comment } = event.data;
      return {
        label: `Satisfaction with handling ${score}/5`,
        details: { score, outcome, ...optional('comment', comment && excerpt(comment)) },
      };
    }
    case 'ComplaintSlaBreached': {
      const { milestone, metAt } = event.data;
      return { label: metAt === undefined ? `SLA breached: ${milestone} overdue` : `SLA breached: ${milestone} met late`, details: {} };
    }
    case 'ComplaintSlaBreachWithdrawn': {
      const { milestone, deadline, extendedTo, withdrawnAt } = event.data;
      return {
        label: `SLA breach withdrawn: ${milestone} deadline extended`,
        details: { milestone, deadline, extendedTo, withdrawnAt },
      };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** The step's name as Persian-speaking staff say it (DESIGN.md glossary), next to the English label. */
export const PERSIAN_LABELS: Readonly<Record<ComplaintEvent['type'], string>> = {
  ComplaintReceived: 'دریافت شکایت',
  ComplaintAcknowledged: 'اعلام وصول شکایت',
  ComplaintAssessed: 'ارزیابی شکایت',
  ComplaintAssigned: 'ارجاع به مسئول رسیدگی',
  ComplaintInvestigationNoteAdded: 'ثبت یادداشت بررسی',
  ComplaintResponded: 'ثبت پاسخ',
  ComplaintDecisionCommunicated: 'ابلاغ تصمیم به شکایت‌کننده',
  ComplaintEscalated: 'ارجاع به سطح بالاتر',
  ComplaintClosed: 'بستن شکایت',
  ComplaintReopened: 'بازگشایی شکایت',
  ComplaintHandlingSatisfactionRecorded: 'ثبت رضایت از نحوه رسیدگی',
  ComplaintSlaBreached: 'نقض مهلت رسیدگی',
  ComplaintSlaBreachWithdrawn: 'لغو نقض مهلت پس از تمدید مهلت',
};
