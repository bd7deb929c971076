import type { Command } from '@crm/shared/event-sourcing';

export const ACTIVITY_TYPES = ['phone_call', 'appointment', 'task', 'email', 'letter', 'sms'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/**
 * The channel an activity addresses a person on, as the contact's consents name channels (the sales context's
 * `ContactChannel`): marketing may schedule such an activity only for a contact who consented to that channel
 * (API.md, docs/contract.md). An appointment or a task sends the person nothing.
 */
export const ACTIVITY_CONSENT_CHANNEL = {
  phone_call: 'phone',
  email: 'email',
  sms: 'sms',
  letter: 'letter',
  appointment: null,
  task: null,
} as const satisfies Record<ActivityType, string | null>;

export const REGARDING_TYPES = ['lead', 'contact', 'account', 'opportunity', 'quote', 'complaint', 'campaign'] as const;
export type RegardingType = (typeof REGARDING_TYPES)[number];

/** The record an activity or interaction is about (API.md `regarding`). */
export interface Regarding {
  readonly type: RegardingType;
  readonly id: string;
}

/**
 * The customer a record an interaction is about belongs to, where the record does not name one itself: a quote's deal,
 * a complaint's complainant on file. Read from that record when the interaction is logged, so that the loyalty views
 * count a call about a customer's quote or complaint as the customer's interaction (docs/metrics.md).
 */
export type CustomerRef = { readonly accountId: string } | { readonly contactId: string } | { readonly opportunityId: string };

/** A person or a team/unit. */
export type Assignee = { readonly userId: string } | { readonly teamId: string };

export type RecurrenceFrequency = 'daily' | 'weekly' | 'monthly' | 'yearly';

/** Every `interval` days/weeks/months/years from dueAt, for `count` occurrences or up to `until` (inclusive); exactly one of the two. */
export interface Recurrence {
  readonly frequency: RecurrenceFrequency;
  readonly interval: number;
  readonly count?: number;
  readonly until?: string;
}

export type ScheduleActivity = Command<
  'ScheduleActivity',
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
    /** Whose quote or complaint it is about (`CustomerRef`): read by the handler from that record. */
    customer?: CustomerRef;
    scheduledAt: string;
  }
>;

/** occurrence: which one of a recurring series (0-based); omitted, the earliest still open. */
export type RescheduleActivity = Command<
  'RescheduleActivity',
  { activityId: string; occurrence?: number; dueAt: string; reason?: string; rescheduledAt: string }
>;

export type ReassignActivity = Command<'ReassignActivity', { activityId: string; assignee: Assignee; reassignedAt: string }>;

export type CompleteActivity = Command<
  'CompleteActivity',
  /** recordedAt: the server's time when the command is handled; completedAt may not lie beyond it (CLOCK_SKEW_MS). */
  { activityId: string; occurrence?: number; outcome: string; completedAt: string; recordedAt: string }
>;

/** occurrence given: that one only; omitted: every occurrence still open (the whole remaining series). */
export type CancelActivity = Command<'CancelActivity', { activityId: string; occurrence?: number; reason?: string; cancelledAt: string }>;

export type ActivityCommand = ScheduleActivity | RescheduleActivity | ReassignActivity | CompleteActivity | CancelActivity;
