import type { ScheduleActivity } from './activity.commands';
import type { ActivityEvent, ActivityScheduled } from './activity.events';

/** Shared by the activity specs: a weekly follow-up call about a pre-invoice, four times. */
export const activityId = 'activity-1';
export const scheduledAt = '2025-03-01T09:00:00.000Z';
export const regarding = { type: 'opportunity', id: 'opportunity-1' } as const;

export const schedule: ScheduleActivity = {
  type: 'ScheduleActivity',
  data: {
    activityId,
    activityType: 'phone_call',
    subject: '  تماس پیگیری پیش‌فاکتور ',
    description: 'پیگیری تأیید پیش‌فاکتور شماره ۱۴۰۳-۱۲',
    regarding,
    assignee: { userId: 'user-7' },
    dueAt: '2025-03-03T10:00:00+03:30',
    durationMinutes: 15,
    recurrence: { frequency: 'weekly', interval: 1, count: 4 },
    scheduledAt,
  },
};

export const weekly = ['2025-03-03T06:30:00.000Z', '2025-03-10T06:30:00.000Z', '2025-03-17T06:30:00.000Z', '2025-03-24T06:30:00.000Z'];

export const scheduled: ActivityScheduled = {
  type: 'ActivityScheduled',
  data: {
    activityId,
    activityType: 'phone_call',
    subject: 'تماس پیگیری پیش‌فاکتور',
    description: 'پیگیری تأیید پیش‌فاکتور شماره ۱۴۰۳-۱۲',
    regarding,
    assignee: { userId: 'user-7' },
    dueAt: '2025-03-03T06:30:00.000Z',
    durationMinutes: 15,
    recurrence: { frequency: 'weekly', interval: 1, count: 4 },
    occurrences: weekly,
    scheduledAt,
  },
};

/** A one-off appointment: one occurrence, so completing or cancelling it closes the activity. */
export const oneOff: ActivityScheduled = {
  type: 'ActivityScheduled',
  data: {
    activityId,
    activityType: 'appointment',
    subject: 'جلسه حضوری بررسی قرارداد',
    regarding: { type: 'account', id: 'account-1' },
    assignee: { userId: 'user-7' },
    dueAt: '2025-03-05T07:30:00.000Z',
    occurrences: ['2025-03-05T07:30:00.000Z'],
    scheduledAt,
  },
};

export function completed(occurrence: number, outcome = 'مشتری پیش‌فاکتور را تأیید کرد'): ActivityEvent {
  return {
    type: 'ActivityCompleted',
    data: { activityId, occurrence, activityType: 'phone_call', regarding, outcome, completedAt: '2025-03-03T07:00:00.000Z' },
  };
}

export function cancelled(occurrences: number[], reason?: string): ActivityEvent {
  const data = { activityId, occurrences, cancelledAt: '2025-03-04T08:00:00.000Z' };
  return { type: 'ActivityCancelled', data: reason === undefined ? data : { ...data, reason } };
}
