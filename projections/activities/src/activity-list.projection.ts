import type { ActivityEvent, ActivityType, Assignee, CustomerRef, OccurrenceStatus, Recurrence, Regarding } from '@crm/activities/domain';
import { compact } from '@crm/shared/kernel';
import { defineProjection, DOCUMENT_ID, type RecordedOf, tenantKey, utcInstant } from '@crm/shared/read-model';

/** One occurrence of an activity (a one-off has one), by its index. */
export interface OccurrenceRow {
  /** UTC. */
  readonly dueAt: string;
  readonly status: OccurrenceStatus;
  /** When it was done, as the completion says (UTC). */
  readonly completedAt?: string;
  readonly outcome?: string;
  readonly cancelledAt?: string;
}

/**
 * One activity as the people working it see it: what, about what, whose, when, and each occurrence's state. One
 * document per activity, folded from its own stream only (so an erasure refolds it from the log like a rebuild,
 * docs/personal-data.md "Refold"): the subject, description and outcomes are personal data.
 */
export interface ActivityDoc {
  readonly tenantId: string;
  readonly activityId: string;
  readonly type: ActivityType;
  readonly subject: string;
  readonly description?: string;
  readonly regarding: Regarding;
  /** `{type}:{id}` of `regarding`: what the list filters on. */
  readonly regardingKey: string;
  readonly assignee: Assignee;
  /** `user:{id}` or `team:{id}`: what the list filters on. */
  readonly assigneeKey: string;
  readonly customer?: CustomerRef;
  /** `open` while an occurrence is open; `closed` once every one is completed or cancelled. */
  readonly status: 'open' | 'closed';
  /**
   * What the list sorts on (UTC): the earliest due time of an open occurrence; once closed, the latest due time of any
   * occurrence. So "open, due before now" is what is overdue.
   */
  readonly dueAt: string;
  readonly durationMinutes?: number;
  readonly recurrence?: Recurrence;
  readonly occurrences: readonly OccurrenceRow[];
  readonly scheduledAt: string;
  /** UTC of when its last change was recorded (the event's own time: a completion may be dated in the past). */
  readonly updatedAt: string;
}

export const ACTIVITY_LIST = 'activity-list';

export const regardingKeyOf = (regarding: Regarding): string => `${regarding.type}:${regarding.id}`;
export const assigneeKeyOf = (assignee: Assignee): string => ('userId' in assignee ? `user:${assignee.userId}` : `team:${assignee.teamId}`);

/** Status and sort time of a set of occurrences (see ActivityDoc.status and dueAt). */
function withOccurrences(doc: ActivityDoc, occurrences: readonly OccurrenceRow[], updatedAt: string): ActivityDoc {
  const open = occurrences.filter((o) => o.status === 'open').map((o) => o.dueAt);
  const status = open.length > 0 ? 'open' : 'closed';
  const latest = (dues: readonly string[]) => dues.reduce((a, b) => (b > a ? b : a), doc.dueAt);
  const earliest = (dues: readonly string[]) => dues.reduce((a, b) => (b < a ? b : a));
  const dueAt = status === 'open' ? earliest(open) : latest(occurrences.map((o) => o.dueAt));
  return { ...doc, occurrences, status, dueAt, updatedAt: utcInstant(updatedAt) };
}

const setOccurrence = (
  occurrences: readonly OccurrenceRow[],
  index: number,
  change: (o: OccurrenceRow) => OccurrenceRow,
): OccurrenceRow[] => occurrences.map((o, i) => (i === index ? change(o) : o));

/** The document an activity's events make, as the decider's own state follows them (activity.state.ts). */
export function evolveActivityDoc(doc: ActivityDoc | null, event: RecordedOf<ActivityEvent>): ActivityDoc | null {
  if (event.type === 'ActivityScheduled') {
    if (doc !== null) return doc; // a redelivered schedule: the activity is already on file
    const d = event.data;
    const occurrences: OccurrenceRow[] = d.occurrences.map((dueAt) => ({ dueAt: utcInstant(dueAt), status: 'open' }));
    const scheduled: ActivityDoc = {
      tenantId: event.metadata.tenantId,
      activityId: d.activityId,
      type: d.activityType,
      subject: d.subject,
      ...compact({ description: d.description, customer: d.customer, durationMinutes: d.durationMinutes, recurrence: d.recurrence }),
      regarding: d.regarding,
      regardingKey: regardingKeyOf(d.regarding),
      assignee: d.assignee,
      assigneeKey: assigneeKeyOf(d.assignee),
      status: 'open',
      dueAt: occurrences[0]?.dueAt ?? utcInstant(d.dueAt),
      occurrences,
      scheduledAt: utcInstant(d.scheduledAt),
      updatedAt: utcInstant(event.metadata.occurredAt),
    };
    return withOccurrences(scheduled, occurrences, event.metadata.occurredAt);
  }
  if (doc === null) return null; // no schedule on file: nothing to change
  switch (event.type) {
    case 'ActivityRescheduled': {
      const { occurrence, dueAt, rescheduledAt } = event.data;
      return withOccurrences(
        doc,
        setOccurrence(doc.occurrences, occurrence, (o) => ({ ...o, dueAt: utcInstant(dueAt) })),
        rescheduledAt,
      );
    }
    case 'ActivityReassigned': {
      const { to } = event.data;
      return { ...doc, assignee: to, assigneeKey: assigneeKeyOf(to), updatedAt: utcInstant(event.metadata.occurredAt) };
    }
    case 'ActivityCompleted': {
      const { occurrence, outcome, completedAt } = event.data;
      const done = (o: OccurrenceRow): OccurrenceRow => ({ ...o, status: 'completed', completedAt: utcInstant(completedAt), outcome });
      return withOccurrences(doc, setOccurrence(doc.occurrences, occurrence, done), event.metadata.occurredAt);
    }
    case 'ActivityCancelled': {
      const { occurrences, cancelledAt } = event.data;
      const at = utcInstant(cancelledAt);
      const rows = doc.occurrences.map((o, i) => (occurrences.includes(i) ? { ...o, status: 'cancelled' as const, cancelledAt: at } : o));
      return withOccurrences(doc, rows, event.metadata.occurredAt);
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/**
 * Activities as a list their people work from (`GET /activities`, `GET /activities/{id}`): one document per activity,
 * indexed for one person's or team's open activities by due time, for what is due about one record, and for the
 * tenant's by status and due time.
 */
export const activityListProjection = defineProjection<ActivityDoc, ActivityEvent>({
  name: ACTIVITY_LIST,
  version: 1,
  collection: 'activity_list',
  eventTypes: ['ActivityScheduled', 'ActivityRescheduled', 'ActivityReassigned', 'ActivityCompleted', 'ActivityCancelled'],
  // Each filter the list takes, with the due time it sorts on after it, then the id it breaks ties on (so a page reads
  // its own rows however many activities fall due at one time): the tenant's (by status or not), one person's or
  // team's (by status or not), one record's. Indexes only (the runner makes them when it opens the lane): no version bump.
  indexes: [
    ['tenantId', 'dueAt', DOCUMENT_ID],
    ['tenantId', 'status', 'dueAt', DOCUMENT_ID],
    ['tenantId', 'assigneeKey', 'dueAt', DOCUMENT_ID],
    ['tenantId', 'assigneeKey', 'status', 'dueAt', DOCUMENT_ID],
    ['tenantId', 'regardingKey', 'dueAt', DOCUMENT_ID],
  ],
  documentId: (event) => tenantKey(event.metadata.tenantId, event.data.activityId),
  evolve: (doc, event) => evolveActivityDoc(doc, event),
});
