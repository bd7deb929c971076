import { refusedFields } from '@crm/shared/http';
import { RescheduleActivityRequestDto } from '../reschedule-activity/reschedule-activity.request.dto';
import { ScheduleActivityRequestDto } from './schedule-activity.request.dto';

const task = (more: Record<string, unknown>) => ({
  type: 'task',
  subject: 's',
  regarding: { type: 'contact', id: '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d' },
  assignee: { userId: 'u' },
  dueAt: '2026-03-15T10:00:00+0330',
  ...more,
});

describe('activity times at the edge', () => {
  it('takes an offset without a colon, as the document publishes', async () => {
    expect(await refusedFields(ScheduleActivityRequestDto, task({}))).toEqual([]);
    expect(await refusedFields(RescheduleActivityRequestDto, { dueAt: '2026-03-15T10:00:00+0330' })).toEqual([]);
  });

  it('names a due time past 2199 once its offset is applied beside the other bad fields', async () => {
    expect(await refusedFields(ScheduleActivityRequestDto, task({ type: 'fax', dueAt: '2199-12-31T23:00:00-23:59' }))).toEqual([
      'dueAt',
      'type',
    ]);
    expect(
      await refusedFields(RescheduleActivityRequestDto, { dueAt: '2199-12-31T23:00:00-23:59', reason: '' }).then((fields) => fields),
    ).toEqual(['dueAt', 'reason']);
    expect(
      await refusedFields(
        ScheduleActivityRequestDto,
        task({ type: 'fax', recurrence: { frequency: 'daily', interval: 1, until: '2199-12-31T23:00:00-2359' } }),
      ),
    ).toEqual(['recurrence.until', 'type']);
  });
});
