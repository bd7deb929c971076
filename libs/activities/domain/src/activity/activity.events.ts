import type { Event } from '@crm/shared/event-sourcing';
import type { ActivityType, Assignee, CustomerRef, Recurrence, Regarding } from './activity.commands';

export type ActivityScheduled = Event<
  'ActivityScheduled',
  {
    activityId: string;
    activityType: ActivityType;
    subject: string;
    description?: string;
    regarding: Regarding;
    assignee: Assignee;
    dueAt: string;
    durationMinutes?: number;
    recurrence?: Recurrence;
    /** Due time of every occurrence, first = dueAt, expanded from the recurrence when scheduled (one entry when not recurring). */
    occurrences: string[];
    /** Whose quote or complaint `regarding` is (absent otherwise, and on activities scheduled before it was kept). */
    customer?: CustomerRef;
    scheduledAt: string;
  }
>;

export type ActivityRescheduled = Event<
  'ActivityRescheduled',
  { activityId: string; occurrence: number; fromDueAt: string; dueAt: string; reason?: string; rescheduledAt: string }
>;

export type ActivityReassigned = Event<'ActivityReassigned', { activityId: string; from: Assignee; to: Assignee; reassignedAt: string }>;

/** Carries type and regarding so read models attribute it without a lookup. */
export type ActivityCompleted = Event<
  'ActivityCompleted',
  {
    activityId: string;
    occurrence: number;
    activityType: ActivityType;
    regarding: Regarding;
    /** As scheduled (ActivityScheduled.customer). */
    customer?: CustomerRef;
    outcome: string;
    completedAt: string;
  }
>;

export type ActivityCancelled = Event<
  'ActivityCancelled',
  { activityId: string; occurrences: number[]; reason?: string; cancelledAt: string }
>;

export type ActivityEvent = ActivityScheduled | ActivityRescheduled | ActivityReassigned | ActivityCompleted | ActivityCancelled;
