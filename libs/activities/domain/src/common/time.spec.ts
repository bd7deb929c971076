import { refusalOf } from '@crm/shared/testing';
import { activityDecider } from '../activity/activity.decider';
import type { ActivityCommand } from '../activity/activity.commands';
import type { ActivityEvent } from '../activity/activity.events';
import { activityId, oneOff, schedule } from '../activity/activity.fixtures';
import { expandRecurrence } from '../activity/recurrence';
import { interactionDecider } from '../interaction/interaction.decider';

const refusal = refusalOf;

const decide = (command: ActivityCommand, history: ActivityEvent[] = []) =>
  activityDecider.decide(command, history.reduce(activityDecider.evolve, activityDecider.initialState()));
const scheduleAt = (dueAt: string, recurrence?: ActivityCommand['data'] & object) =>
  decide({ ...schedule, data: { ...schedule.data, dueAt, recurrence: recurrence as never } });

describe('activity times take every offset form the document publishes (Z, ±hh:mm, ±hhmm)', () => {
  it('schedules, reschedules and repeats from +0330 as from +03:30, due times kept in UTC', () => {
    expect(scheduleAt('2026-03-15T10:00:00+0330')).toEqual(scheduleAt('2026-03-15T10:00:00+03:30'));
    expect(expandRecurrence('2026-03-15T10:00:00+0330', { frequency: 'daily', interval: 1, until: '2026-03-16T10:00:00+0330' })).toEqual([
      '2026-03-15T06:30:00.000Z',
      '2026-03-16T06:30:00.000Z',
    ]);
    const [moved] = decide(
      { type: 'RescheduleActivity', data: { activityId, dueAt: '2025-03-05T12:00-0130', rescheduledAt: '2025-03-01T10:00:00Z' } },
      [oneOff],
    );
    expect(moved).toMatchObject({ type: 'ActivityRescheduled', data: { dueAt: '2025-03-05T13:30:00.000Z' } });
  });

  it('keeps a completion and an interaction as written, the offset spelled ±hh:mm', () => {
    const [done] = decide(
      {
        type: 'CompleteActivity',
        data: { activityId, outcome: 'انجام شد', completedAt: '2025-03-03T10:30:00+0330', recordedAt: '2025-03-03T08:00:00Z' },
      },
      [oneOff],
    );
    expect(done).toMatchObject({ data: { completedAt: '2025-03-03T10:30:00+03:30' } });
    const [logged] = interactionDecider.decide(
      {
        type: 'LogInteraction',
        data: {
          interactionId: 'i-1',
          channel: 'phone',
          direction: 'inbound',
          regarding: { type: 'contact', id: 'contact-1' },
          summary: 'تماس',
          occurredAt: '2025-03-03T10:30:00-0100',
          loggedAt: '2025-03-03T12:00:00Z',
        },
      },
      interactionDecider.initialState(),
    );
    expect(logged).toMatchObject({ data: { occurredAt: '2025-03-03T10:30:00-01:00' } });
  });

  it('refuses a time outside 1900–2199 once its offset is applied, naming the field', () => {
    expect(refusal(() => scheduleAt('2199-12-31T23:00:00-23:59'))).toEqual({ code: 'ACTIVITY.INVALID_TIME', fields: ['dueAt'] });
    expect(refusal(() => scheduleAt('1900-01-01T00:30:00+0100'))).toEqual({ code: 'ACTIVITY.INVALID_TIME', fields: ['dueAt'] });
    expect(
      refusal(() => expandRecurrence('2199-12-01T10:00:00Z', { frequency: 'daily', interval: 1, until: '2199-12-31T20:00:00-0500' })),
    ).toEqual({ code: 'ACTIVITY.INVALID_TIME', fields: ['recurrence.until'] });
    // A series whose last wall-clock day is in 2199 but whose instant is in 2200.
    expect(refusal(() => expandRecurrence('2199-12-30T20:00:00-05:00', { frequency: 'daily', interval: 1, count: 2 })).code).toBe(
      'ACTIVITY.INVALID_RECURRENCE',
    );
    expect(scheduleAt('2199-12-31T20:00:00+0330')).toHaveLength(1);
  });
});
