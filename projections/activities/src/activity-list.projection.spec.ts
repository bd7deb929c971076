import type { ActivityEvent } from '@crm/activities/domain';
import { projectionSpec, type GivenEvent } from '@crm/shared/testing';
import { activityListProjection, type ActivityDoc } from './activity-list.projection';

type Given = GivenEvent<ActivityEvent>;
const streamId = 'activity-a1';
const regarding = { type: 'opportunity' as const, id: 'o1' };

const at = (occurredAt: string) => ({ metadata: { occurredAt } });

const scheduled: Given = {
  type: 'ActivityScheduled',
  streamId,
  ...at('2025-03-01T08:00:00.000Z'),
  data: {
    activityId: 'a1',
    activityType: 'phone_call',
    subject: 'پیگیری پیش‌فاکتور',
    regarding,
    assignee: { userId: 'u1' },
    dueAt: '2025-03-03T10:00:00+03:30',
    recurrence: { frequency: 'weekly', interval: 1, count: 3 },
    occurrences: ['2025-03-03T06:30:00.000Z', '2025-03-10T06:30:00.000Z', '2025-03-17T06:30:00.000Z'],
    scheduledAt: '2025-03-01T08:00:00.000Z',
  },
};

const base: ActivityDoc = {
  tenantId: 'default',
  activityId: 'a1',
  type: 'phone_call',
  subject: 'پیگیری پیش‌فاکتور',
  recurrence: { frequency: 'weekly', interval: 1, count: 3 },
  regarding,
  regardingKey: 'opportunity:o1',
  assignee: { userId: 'u1' },
  assigneeKey: 'user:u1',
  status: 'open',
  dueAt: '2025-03-03T06:30:00.000Z',
  occurrences: [
    { dueAt: '2025-03-03T06:30:00.000Z', status: 'open' },
    { dueAt: '2025-03-10T06:30:00.000Z', status: 'open' },
    { dueAt: '2025-03-17T06:30:00.000Z', status: 'open' },
  ],
  scheduledAt: '2025-03-01T08:00:00.000Z',
  updatedAt: '2025-03-01T08:00:00.000Z',
};

describe('activity-list projection', () => {
  it('keeps one document per activity, due at its earliest open occurrence', () => {
    projectionSpec(activityListProjection).given([scheduled]).thenDocuments({ 'default:a1': base });
  });

  it('follows reschedules, a reassignment, a completion and a cancellation of the rest, as the decider does', () => {
    const history: Given[] = [
      scheduled,
      // The last occurrence moved ahead of the others: it is due first now.
      {
        type: 'ActivityRescheduled',
        streamId,
        ...at('2025-03-01T09:00:00.000Z'),
        data: {
          activityId: 'a1',
          occurrence: 2,
          fromDueAt: '2025-03-17T06:30:00.000Z',
          dueAt: '2025-03-02T09:00:00+03:30',
          rescheduledAt: '2025-03-01T09:00:00Z',
        },
      },
      {
        type: 'ActivityReassigned',
        streamId,
        data: { activityId: 'a1', from: { userId: 'u1' }, to: { teamId: 't1' }, reassignedAt: '2025-03-01T10:00:00Z' },
      },
      // Dated a day before it is recorded: the document was last changed when it was recorded.
      {
        type: 'ActivityCompleted',
        streamId,
        ...at('2025-03-03T12:00:00.000Z'),
        data: {
          activityId: 'a1',
          occurrence: 2,
          activityType: 'phone_call',
          regarding,
          outcome: 'انجام شد',
          completedAt: '2025-03-02T06:00:00Z',
        },
      },
    ];
    const occurrences = [
      { dueAt: '2025-03-03T06:30:00.000Z', status: 'open' as const },
      { dueAt: '2025-03-10T06:30:00.000Z', status: 'open' as const },
      { dueAt: '2025-03-02T05:30:00.000Z', status: 'completed' as const, completedAt: '2025-03-02T06:00:00.000Z', outcome: 'انجام شد' },
    ];
    const open: ActivityDoc = {
      ...base,
      assignee: { teamId: 't1' },
      assigneeKey: 'team:t1',
      dueAt: '2025-03-03T06:30:00.000Z',
      occurrences,
      updatedAt: '2025-03-03T12:00:00.000Z',
    };
    projectionSpec(activityListProjection).given(history).thenDocument('default:a1', open);

    const cancelled: Given = {
      type: 'ActivityCancelled',
      streamId,
      ...at('2025-03-03T13:00:00.000Z'),
      data: { activityId: 'a1', occurrences: [0, 1], cancelledAt: '2025-03-02T07:00:00Z' },
    };
    projectionSpec(activityListProjection)
      .given([...history, cancelled])
      .thenDocument('default:a1', {
        ...open,
        status: 'closed',
        // Closed: the latest due time of its occurrences, which the list sorts it on.
        dueAt: '2025-03-10T06:30:00.000Z',
        occurrences: [
          { dueAt: '2025-03-03T06:30:00.000Z', status: 'cancelled', cancelledAt: '2025-03-02T07:00:00.000Z' },
          { dueAt: '2025-03-10T06:30:00.000Z', status: 'cancelled', cancelledAt: '2025-03-02T07:00:00.000Z' },
          occurrences[2] as ActivityDoc['occurrences'][number],
        ],
        updatedAt: '2025-03-03T13:00:00.000Z',
      });
  });

  it('writes nothing for the events of an activity whose schedule it never saw', () => {
    const reassigned: Given = {
      type: 'ActivityReassigned',
      streamId,
      data: { activityId: 'a1', from: { userId: 'u1' }, to: { userId: 'u2' }, reassignedAt: '2025-03-01T10:00:00Z' },
    };
    projectionSpec(activityListProjection).given([reassigned]).thenDocuments({});
  });
});
