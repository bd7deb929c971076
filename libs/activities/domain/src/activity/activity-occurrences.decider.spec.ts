// Test-only: the tag rule lets specs use the shared test helpers.
import { deciderSpec } from '@crm/shared/testing';
import type { CancelActivity, CompleteActivity, RescheduleActivity } from './activity.commands';
import { activityDecider } from './activity.decider';
import type { ActivityEvent } from './activity.events';
import { activityId, cancelled, completed, oneOff, regarding, scheduled, weekly } from './activity.fixtures';

const spec = deciderSpec(activityDecider);
const rescheduledAt = '2025-03-02T10:00:00.000Z';
const completedAt = '2025-03-03T07:00:00.000Z';
const cancelledAt = '2025-03-04T08:00:00.000Z';

const reschedule = (data: Partial<RescheduleActivity['data']>): RescheduleActivity => ({
  type: 'RescheduleActivity',
  data: { activityId, dueAt: '2025-03-11T11:00:00+03:30', rescheduledAt, ...data },
});
const complete = (data: Partial<CompleteActivity['data']>): CompleteActivity => ({
  type: 'CompleteActivity',
  data: { activityId, outcome: 'مشتری پیش‌فاکتور را تأیید کرد', completedAt, recordedAt: completedAt, ...data },
});
const cancel = (data: Partial<CancelActivity['data']> = {}): CancelActivity => ({
  type: 'CancelActivity',
  data: { activityId, cancelledAt, ...data },
});

/** Occurrence 1 moved a day later (to Tuesday 11:00 Tehran). */
const movedOne: ActivityEvent = {
  type: 'ActivityRescheduled',
  data: {
    activityId,
    occurrence: 1,
    fromDueAt: weekly[1]!,
    dueAt: '2025-03-11T07:30:00.000Z',
    reason: 'مشتری در سفر است',
    rescheduledAt,
  },
};

describe('activity decider: occurrences', () => {
  describe('RescheduleActivity', () => {
    it('moves one occurrence of the series, recording where it was', () => {
      spec
        .given([scheduled])
        .when(reschedule({ occurrence: 1, reason: ' مشتری در سفر است ' }))
        .then([movedOne]);
    });

    it('moves the earliest open occurrence when none is named', () => {
      spec
        .given([scheduled, completed(0)])
        .when(reschedule({ dueAt: '2025-03-12T10:00:00+03:30' }))
        .then([
          {
            type: 'ActivityRescheduled',
            data: { activityId, occurrence: 1, fromDueAt: weekly[1]!, dueAt: '2025-03-12T06:30:00.000Z', rescheduledAt },
          },
        ]);
    });

    it('records nothing when the new time is the same moment, whatever its offset', () => {
      spec
        .given([scheduled])
        .when(reschedule({ occurrence: 2, dueAt: '2025-03-17T10:00:00+03:30' }))
        .thenNothing();
    });

    it('refuses a completed or cancelled occurrence, an unknown or malformed index and a bad time', () => {
      spec
        .given([scheduled, completed(0)])
        .when(reschedule({ occurrence: 0 }))
        .thenThrows('ACTIVITY.OCCURRENCE_CLOSED', { occurrence: 0, status: 'completed' });
      spec
        .given([scheduled, cancelled([3])])
        .when(reschedule({ occurrence: 3 }))
        .thenThrows('ACTIVITY.OCCURRENCE_CLOSED', { occurrence: 3, status: 'cancelled' });
      spec
        .given([scheduled])
        .when(reschedule({ occurrence: 4 }))
        .thenThrows('ACTIVITY.UNKNOWN_OCCURRENCE', { occurrence: 4, occurrences: 4 });
      spec
        .given([scheduled])
        .when(reschedule({ occurrence: -1 }))
        .thenThrows('ACTIVITY.INVALID_OCCURRENCE', { fields: ['occurrence'] });
      spec
        .given([scheduled])
        .when(reschedule({ dueAt: 'next Tuesday' }))
        .thenThrows('ACTIVITY.INVALID_TIME', { fields: ['dueAt'] });
    });

    it('refuses a closed or unknown activity', () => {
      spec
        .given([oneOff, cancelled([0])])
        .when(reschedule({}))
        .thenThrows('ACTIVITY.CLOSED');
      spec.given([]).when(reschedule({})).thenThrows('ACTIVITY.NOT_FOUND');
    });
  });

  describe('CompleteActivity', () => {
    /** Occurrence 0 completed with the outcome trimmed, carrying type and regarding. */
    const firstDone = (at: string): ActivityEvent => ({
      type: 'ActivityCompleted',
      data: { activityId, occurrence: 0, activityType: 'phone_call', regarding, outcome: 'مشتری پیش‌فاکتور را تأیید کرد', completedAt: at },
    });

    it('completes a named occurrence, carrying type and regarding for the read models', () => {
      spec
        .given([scheduled])
        .when(complete({ occurrence: 0, outcome: ' مشتری پیش‌فاکتور را تأیید کرد ' }))
        .then([firstDone(completedAt)]);
    });

    it('completes the open occurrence due first when none is named, even if a later index was moved ahead', () => {
      const movedAhead: ActivityEvent = { ...movedOne, data: { ...movedOne.data, occurrence: 2, dueAt: '2025-03-09T06:30:00.000Z' } };
      spec
        .given([scheduled, completed(0), movedAhead])
        .when(complete({}))
        .then([completed(2)]);
    });

    it('refuses a completion dated after the moment it is recorded, beyond the clock skew (done, not planned)', () => {
      spec
        .given([scheduled])
        .when(complete({ completedAt: '2199-01-01T00:00:00Z' }))
        .thenThrows('ACTIVITY.COMPLETED_IN_FUTURE');
      spec
        .given([scheduled])
        .when(complete({ completedAt: '2025-03-03T07:06:00.000Z' }))
        .thenThrows('ACTIVITY.COMPLETED_IN_FUTURE');
      // Four minutes ahead is a drifting clock, not the future.
      spec
        .given([scheduled])
        .when(complete({ occurrence: 0, completedAt: '2025-03-03T07:04:00.000Z' }))
        .then([firstDone('2025-03-03T07:04:00.000Z')]);
    });

    it('refuses an empty outcome', () => {
      spec
        .given([scheduled])
        .when(complete({ outcome: ' \u200c ' }))
        .thenThrows('ACTIVITY.OUTCOME_REQUIRED', { fields: ['outcome'] });
    });

    it('refuses completing an occurrence twice or a cancelled one', () => {
      spec
        .given([scheduled, completed(0)])
        .when(complete({ occurrence: 0 }))
        .thenThrows('ACTIVITY.OCCURRENCE_CLOSED', { status: 'completed' });
      spec
        .given([scheduled, cancelled([1])])
        .when(complete({ occurrence: 1 }))
        .thenThrows('ACTIVITY.OCCURRENCE_CLOSED', { status: 'cancelled' });
      spec
        .given([scheduled])
        .when(complete({ occurrence: 7 }))
        .thenThrows('ACTIVITY.UNKNOWN_OCCURRENCE');
    });

    it('closes a one-off activity: nothing more can be done to it', () => {
      const { activityType, regarding: about } = oneOff.data;
      const closed: ActivityEvent[] = [
        oneOff,
        {
          type: 'ActivityCompleted',
          data: { activityId, occurrence: 0, activityType, regarding: about, outcome: 'توافق شد', completedAt },
        },
      ];
      spec.given(closed).when(complete({})).thenThrows('ACTIVITY.CLOSED');
      spec.given(closed).when(cancel()).thenThrows('ACTIVITY.CLOSED');
    });
  });

  describe('CancelActivity', () => {
    it('cancels one occurrence, leaving the rest of the series open', () => {
      spec
        .given([scheduled])
        .when(cancel({ occurrence: 2, reason: 'تعطیلات نوروز' }))
        .then([cancelled([2], 'تعطیلات نوروز')]);
    });

    it('cancels every occurrence still open when none is named', () => {
      spec
        .given([scheduled, completed(0), movedOne])
        .when(cancel({ reason: ' ' }))
        .then([cancelled([1, 2, 3])]);
    });

    it('refuses an occurrence already closed and an unknown index', () => {
      spec
        .given([scheduled, completed(0)])
        .when(cancel({ occurrence: 0 }))
        .thenThrows('ACTIVITY.OCCURRENCE_CLOSED');
      spec
        .given([scheduled])
        .when(cancel({ occurrence: 4 }))
        .thenThrows('ACTIVITY.UNKNOWN_OCCURRENCE');
    });

    it('refuses once the whole series is done, and an unknown activity', () => {
      spec
        .given([scheduled, completed(0), cancelled([1, 2, 3])])
        .when(cancel())
        .thenThrows('ACTIVITY.CLOSED', { activityId });
      spec.given([]).when(cancel()).thenThrows('ACTIVITY.NOT_FOUND');
    });
  });
});
