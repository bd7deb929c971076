import { foldEvents } from '@crm/shared/event-sourcing';
// Test-only: the tag rule lets specs use the shared test helpers.
import { deciderSpec } from '@crm/shared/testing';
import type { ActivityCommand, Assignee, ReassignActivity, RegardingType } from './activity.commands';
import { activityDecider } from './activity.decider';
import type { ActivityEvent } from './activity.events';
import { activityId, cancelled, completed, oneOff, regarding, schedule, scheduled, scheduledAt, weekly } from './activity.fixtures';

const spec = deciderSpec(activityDecider);
const withData = (data: Partial<typeof schedule.data>): ActivityCommand => ({ ...schedule, data: { ...schedule.data, ...data } });
const { description: _d, durationMinutes: _m, recurrence: _r, ...oneOffData } = scheduled.data;

describe('activity decider: scheduling and assignment', () => {
  describe('ScheduleActivity', () => {
    it('schedules a weekly follow-up call, every occurrence expanded and the subject trimmed', () => {
      spec.given([]).when(schedule).then([scheduled]);
    });

    it('schedules a one-off appointment with a team, with no description, duration or recurrence', () => {
      const { description: _d, durationMinutes: _m, recurrence: _r, ...required } = schedule.data;
      spec
        .given([])
        .when({ type: 'ScheduleActivity', data: { ...required, description: ' ', assignee: { teamId: ' team-sales ' } } })
        .then([{ type: 'ActivityScheduled', data: { ...oneOffData, assignee: { teamId: 'team-sales' }, occurrences: [weekly[0]!] } }]);
    });

    it('refuses a second scheduling of the same activity', () => {
      spec.given([scheduled]).when(schedule).thenThrows('ACTIVITY.ALREADY_EXISTS', { activityId });
    });

    it('refuses a subject that reads as nothing, Persian invisible marks included', () => {
      for (const subject of ['', '   ', '\u200c\u200c', 'ـ']) {
        spec
          .given([])
          .when(withData({ subject }))
          .thenThrows('ACTIVITY.SUBJECT_REQUIRED', { fields: ['subject'] });
      }
    });

    it('refuses an unknown activity type', () => {
      spec
        .given([])
        .when(withData({ activityType: 'fax' as 'email' }))
        .thenThrows('ACTIVITY.INVALID_TYPE', { fields: ['type'] });
    });

    it('refuses a regarding with an unknown type or no id, naming each', () => {
      spec
        .given([])
        .when(withData({ regarding: { type: 'invoice' as RegardingType, id: '' } }))
        .thenThrows('ACTIVITY.INVALID_REGARDING', { fields: ['regarding.type', 'regarding.id'] });
    });

    it('refuses an assignee that is neither or both of a user and a team', () => {
      for (const assignee of [{}, { userId: ' ' }, { userId: 'user-7', teamId: 'team-sales' }] as unknown as Assignee[]) {
        spec
          .given([])
          .when(withData({ assignee }))
          .thenThrows('ACTIVITY.INVALID_ASSIGNEE', { fields: ['assignee'] });
      }
    });

    it('refuses a duration outside 1–1440 minutes', () => {
      for (const durationMinutes of [0, 1441, 2.5]) {
        spec
          .given([])
          .when(withData({ durationMinutes }))
          .thenThrows('ACTIVITY.INVALID_DURATION', { fields: ['durationMinutes'] });
      }
      spec
        .given([])
        .when(withData({ durationMinutes: 1440, recurrence: undefined }))
        .then([
          {
            type: 'ActivityScheduled',
            data: { ...oneOffData, description: scheduled.data.description, durationMinutes: 1440, occurrences: [weekly[0]!] },
          },
        ]);
    });

    it('refuses a bad recurrence or due time as invalid input', () => {
      spec
        .given([])
        .when(withData({ recurrence: { frequency: 'weekly', interval: 0, count: 4 } }))
        .thenThrows('ACTIVITY.INVALID_RECURRENCE', { fields: ['recurrence.interval'] });
      spec
        .given([])
        .when(withData({ dueAt: '1404/01/15 10:00' }))
        .thenThrows('ACTIVITY.INVALID_TIME', { fields: ['dueAt'] });
    });

    it('is the creating command', () => {
      expect(activityDecider.isNew?.(schedule)).toBe(true);
      expect(activityDecider.isNew?.({ type: 'CancelActivity', data: { activityId, cancelledAt: scheduledAt } })).toBe(false);
    });
  });

  describe('ReassignActivity', () => {
    const reassign = (assignee: Assignee): ReassignActivity => ({
      type: 'ReassignActivity',
      data: { activityId, assignee, reassignedAt: '2025-03-02T08:00:00.000Z' },
    });

    it('hands the activity to a team', () => {
      spec
        .given([scheduled])
        .when(reassign({ teamId: 'team-support' }))
        .then([
          {
            type: 'ActivityReassigned',
            data: { activityId, from: { userId: 'user-7' }, to: { teamId: 'team-support' }, reassignedAt: '2025-03-02T08:00:00.000Z' },
          },
        ]);
    });

    it('records nothing when the assignee does not change', () => {
      spec
        .given([scheduled])
        .when(reassign({ userId: 'user-7' }))
        .thenNothing();
    });

    it('refuses an invalid assignee, a closed activity and an unknown one', () => {
      spec
        .given([scheduled])
        .when(reassign({ userId: '' }))
        .thenThrows('ACTIVITY.INVALID_ASSIGNEE');
      spec
        .given([oneOff, cancelled([0])])
        .when(reassign({ teamId: 'team-support' }))
        .thenThrows('ACTIVITY.CLOSED', { activityId });
      spec
        .given([])
        .when(reassign({ teamId: 'team-support' }))
        .thenThrows('ACTIVITY.NOT_FOUND');
    });
  });

  describe('evolve', () => {
    const history: ActivityEvent[] = [
      scheduled,
      {
        type: 'ActivityReassigned',
        data: { activityId, from: { userId: 'user-7' }, to: { teamId: 'team-sales' }, reassignedAt: scheduledAt },
      },
      {
        type: 'ActivityRescheduled',
        data: { activityId, occurrence: 1, fromDueAt: weekly[1]!, dueAt: '2025-03-11T06:30:00.000Z', rescheduledAt: scheduledAt },
      },
      completed(0),
      cancelled([1, 2, 3]),
    ];
    const activity = { activityId, activityType: 'phone_call', regarding, assignee: { teamId: 'team-sales' } } as const;

    it('tracks each occurrence; the activity closes when none is left open', () => {
      spec.given(history.slice(0, 4)).thenState({
        status: 'open',
        activity,
        occurrences: [
          { dueAt: weekly[0]!, status: 'completed' },
          { dueAt: '2025-03-11T06:30:00.000Z', status: 'open' },
          { dueAt: weekly[2]!, status: 'open' },
          { dueAt: weekly[3]!, status: 'open' },
        ],
      });
      spec.given(history).thenState({
        status: 'closed',
        activity,
        occurrences: [
          { dueAt: weekly[0]!, status: 'completed' },
          { dueAt: '2025-03-11T06:30:00.000Z', status: 'cancelled' },
          { dueAt: weekly[2]!, status: 'cancelled' },
          { dueAt: weekly[3]!, status: 'cancelled' },
        ],
      });
    });

    it('replays deterministically, also from events read back as JSON (as snapshots are)', () => {
      const once = foldEvents(activityDecider, activityDecider.initialState(), history);
      const fromJson = JSON.parse(JSON.stringify(history)) as ActivityEvent[];
      expect(foldEvents(activityDecider, activityDecider.initialState(), fromJson)).toStrictEqual(once);
      expect(JSON.parse(JSON.stringify(once))).toStrictEqual(once);
    });
  });
});
