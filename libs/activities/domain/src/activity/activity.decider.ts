import { DomainError, requireText, type Decider } from '@crm/shared/event-sourcing';
import { compact, isAheadOf, present, NOT_FOUND } from '@crm/shared/kernel';
import { validAssignee, validRegarding, sameAssignee } from '../common/regarding';
import { instantOf, utcIso, writtenInstant } from '../common/time';
import {
  ACTIVITY_TYPES,
  type ActivityCommand,
  type CancelActivity,
  type CompleteActivity,
  type ReassignActivity,
  type RescheduleActivity,
  type ScheduleActivity,
} from './activity.commands';
import type { ActivityEvent } from './activity.events';
import { evolveActivity, initialActivityState, openDueFirst, type ActivityState, type OpenActivity } from './activity.state';
import { expandRecurrence, recordedRecurrence } from './recurrence';
import { ACTIVITY_REFUSALS } from './activity.refusals';

/** An appointment longer than a day is a different thing (leave, a trip): refuse rather than guess. */
export const MAX_DURATION_MINUTES = 1440;

const at = (value: string, field: string) => instantOf(value, field, ACTIVITY_REFUSALS.INVALID_TIME);

/**
 * A due time is an instant with its offset in the years every date is kept in (400 ACTIVITY.INVALID_TIME naming
 * `field`): the edge asks it too (AlsoChecks), so a bad due time is named beside the body's other bad fields.
 */
export function assertDueTime(dueAt: string, field = 'dueAt'): void {
  at(dueAt, field);
}

function open(state: ActivityState): OpenActivity {
  if (state.status === 'none') throw new DomainError(NOT_FOUND.activity, 'No such activity');
  if (state.status === 'closed') {
    throw new DomainError(ACTIVITY_REFUSALS.CLOSED, 'Every occurrence of this activity is completed or cancelled', {
      activityId: state.activity.activityId,
    });
  }
  return state;
}

interface Target {
  readonly index: number;
  readonly dueAt: string;
}

function target(state: OpenActivity, occurrence: number | undefined): Target {
  if (occurrence === undefined) {
    const first = openDueFirst(state.occurrences);
    if (first === undefined) throw new Error('an open activity has an open occurrence');
    return first;
  }
  if (!Number.isInteger(occurrence) || occurrence < 0) {
    throw new DomainError(ACTIVITY_REFUSALS.INVALID_OCCURRENCE, 'occurrence is a 0-based index', { fields: ['occurrence'] });
  }
  const found = state.occurrences[occurrence];
  if (found === undefined) {
    throw new DomainError(ACTIVITY_REFUSALS.UNKNOWN_OCCURRENCE, `The activity has occurrences 0–${state.occurrences.length - 1}`, {
      occurrence,
      occurrences: state.occurrences.length,
    });
  }
  if (found.status !== 'open') {
    throw new DomainError(ACTIVITY_REFUSALS.OCCURRENCE_CLOSED, `Occurrence ${occurrence} is already ${found.status}`, {
      occurrence,
      status: found.status,
    });
  }
  return { index: occurrence, dueAt: found.dueAt };
}

function durationOf(minutes: number | undefined): number | undefined {
  if (minutes === undefined) return undefined;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_DURATION_MINUTES) {
    throw new DomainError(ACTIVITY_REFUSALS.INVALID_DURATION, `durationMinutes is a whole number 1–${MAX_DURATION_MINUTES}`, {
      fields: ['durationMinutes'],
    });
  }
  return minutes;
}

function schedule({ data }: ScheduleActivity, state: ActivityState): ActivityEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(ACTIVITY_REFUSALS.ALREADY_EXISTS, 'Activity already scheduled', { activityId: data.activityId });
  }
  if (!ACTIVITY_TYPES.includes(data.activityType)) {
    throw new DomainError(ACTIVITY_REFUSALS.INVALID_TYPE, `activity type is one of ${ACTIVITY_TYPES.join(', ')}`, { fields: ['type'] });
  }
  const subject = requireText(data.subject, 'subject', ACTIVITY_REFUSALS.SUBJECT_REQUIRED);
  const regarding = validRegarding(data.regarding, ACTIVITY_REFUSALS.INVALID_REGARDING);
  const assignee = validAssignee(data.assignee);
  const durationMinutes = durationOf(data.durationMinutes);
  const occurrences = expandRecurrence(data.dueAt, data.recurrence);
  at(data.scheduledAt, 'scheduledAt');
  return [
    {
      type: 'ActivityScheduled',
      data: compact({
        activityId: data.activityId,
        activityType: data.activityType,
        subject,
        description: present(data.description),
        regarding,
        assignee,
        dueAt: occurrences[0],
        durationMinutes,
        recurrence: data.recurrence === undefined ? undefined : recordedRecurrence(data.recurrence),
        occurrences,
        customer: data.customer,
        scheduledAt: data.scheduledAt,
      }),
    },
  ];
}

function reschedule({ data }: RescheduleActivity, state: OpenActivity): ActivityEvent[] {
  const { index: occurrence, dueAt: fromDueAt } = target(state, data.occurrence);
  const dueAt = utcIso(at(data.dueAt, 'dueAt'));
  at(data.rescheduledAt, 'rescheduledAt');
  // Compared in one form: 10:00+03:30 and 06:30Z are the same moment.
  if (fromDueAt === dueAt) return [];
  const { activityId } = state.activity;
  const reason = present(data.reason);
  return [
    { type: 'ActivityRescheduled', data: compact({ activityId, occurrence, fromDueAt, dueAt, reason, rescheduledAt: data.rescheduledAt }) },
  ];
}

function reassign({ data }: ReassignActivity, state: OpenActivity): ActivityEvent[] {
  const to = validAssignee(data.assignee);
  at(data.reassignedAt, 'reassignedAt');
  const { activityId, assignee: from } = state.activity;
  if (sameAssignee(from, to)) return [];
  return [{ type: 'ActivityReassigned', data: { activityId, from, to, reassignedAt: data.reassignedAt } }];
}

/** Done, not planned: a completion dated after the moment it is recorded (beyond the clock skew) is refused. */
export function assertCompletedBy(completedAt: string, recordedAt: string): void {
  at(completedAt, 'completedAt');
  if (isAheadOf(completedAt, recordedAt)) {
    throw new DomainError(
      ACTIVITY_REFUSALS.COMPLETED_IN_FUTURE,
      `completedAt ${completedAt} is after the completion is recorded (${recordedAt})`,
      {
        fields: ['completedAt'],
      },
    );
  }
}

function complete({ data }: CompleteActivity, state: OpenActivity): ActivityEvent[] {
  const occurrence = target(state, data.occurrence).index;
  const outcome = requireText(data.outcome, 'outcome', ACTIVITY_REFUSALS.OUTCOME_REQUIRED);
  assertCompletedBy(data.completedAt, data.recordedAt);
  const { activityId, activityType, regarding, customer } = state.activity;
  return [
    {
      type: 'ActivityCompleted',
      data: {
        activityId,
        occurrence,
        activityType,
        regarding,
        ...(customer === undefined ? {} : { customer }),
        outcome,
        completedAt: writtenInstant(data.completedAt),
      },
    },
  ];
}

function cancel({ data }: CancelActivity, state: OpenActivity): ActivityEvent[] {
  const occurrences =
    data.occurrence === undefined
      ? state.occurrences.flatMap((o, i) => (o.status === 'open' ? [i] : []))
      : [target(state, data.occurrence).index];
  at(data.cancelledAt, 'cancelledAt');
  const { activityId } = state.activity;
  return [
    {
      type: 'ActivityCancelled',
      data: compact({ activityId, occurrences, reason: present(data.reason), cancelledAt: data.cancelledAt }),
    },
  ];
}

export function decideActivity(command: ActivityCommand, state: ActivityState): ActivityEvent[] {
  switch (command.type) {
    case 'ScheduleActivity':
      return schedule(command, state);
    case 'RescheduleActivity':
      return reschedule(command, open(state));
    case 'ReassignActivity':
      return reassign(command, open(state));
    case 'CompleteActivity':
      return complete(command, open(state));
    case 'CancelActivity':
      return cancel(command, open(state));
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export const activityDecider: Decider<ActivityState, ActivityCommand, ActivityEvent> = {
  initialState: initialActivityState,
  decide: decideActivity,
  evolve: evolveActivity,
  isNew: (command) => command.type === 'ScheduleActivity',
  existence: { notFound: NOT_FOUND.activity, alreadyExists: ACTIVITY_REFUSALS.ALREADY_EXISTS },
  refusals: ACTIVITY_REFUSALS,
  // A daily series can run to 500 occurrences and as many events; snapshots keep loading it cheap.
  // 2: the state keeps the customer recorded when it was scheduled (`customer`): a snapshot without it would drop it.
  snapshot: { every: 100, version: 2 },
};
