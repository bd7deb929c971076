import { refusedFields } from '@crm/shared/http';
import { LogInteractionRequestDto } from '../../interaction/log-interaction/log-interaction.request.dto';
import { toRecurrence } from '../recurrence.dto';
import { ScheduleActivityRequestDto } from './schedule-activity.request.dto';

const OPPORTUNITY = '0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d';

const badFields = refusedFields;

const call = (recurrence?: unknown) => ({
  type: 'phone_call',
  subject: 'تماس پیگیری پیش‌فاکتور',
  regarding: { type: 'opportunity', id: OPPORTUNITY },
  assignee: { teamId: 'team-sales' },
  dueAt: '2025-03-03T10:00:00+03:30',
  ...(recurrence === undefined ? {} : { recurrence }),
});

describe('activity shapes at the edge', () => {
  it.each([
    ['a one-off call', undefined],
    ['a weekly series by count', { frequency: 'weekly', interval: 1, count: 4 }],
    ['a monthly series until a date', { frequency: 'monthly', interval: 2, until: '2025-12-31T23:59:00+03:30' }],
  ])('accepts %s', async (_case, recurrence) => {
    expect(await badFields(ScheduleActivityRequestDto, call(recurrence))).toEqual([]);
  });

  it.each([
    ['neither count nor until', { frequency: 'weekly', interval: 1 }, ['recurrence']],
    ['both count and until', { frequency: 'weekly', interval: 1, count: 2, until: '2025-04-01T00:00:00Z' }, ['recurrence']],
    ['a count past 500 and an interval of 0', { frequency: 'daily', interval: 0, count: 501 }, ['recurrence.count', 'recurrence.interval']],
    ['an until without offset', { frequency: 'yearly', interval: 1, until: '2030-01-01T00:00:00' }, ['recurrence.until']],
    ['an unknown frequency', { frequency: 'hourly', interval: 1, count: 3 }, ['recurrence.frequency']],
  ])('refuses a recurrence with %s, naming the fields', async (_case, recurrence, fields) => {
    expect(await badFields(ScheduleActivityRequestDto, call(recurrence))).toEqual(fields);
  });

  it('maps the recurrence to the domain with only its chosen end', () => {
    expect(toRecurrence({ frequency: 'weekly', interval: 1, count: 4 })).toEqual({ frequency: 'weekly', interval: 1, count: 4 });
    expect(toRecurrence({ frequency: 'daily', interval: 2, until: '2025-04-01T00:00:00Z' })).toEqual({
      frequency: 'daily',
      interval: 2,
      until: '2025-04-01T00:00:00Z',
    });
    expect(toRecurrence(undefined)).toBeUndefined();
  });

  it('bounds an interaction: known channel and direction, a duration of 0 s to a day', async () => {
    const interaction = {
      channel: 'phone',
      direction: 'inbound',
      regarding: { type: 'contact', id: OPPORTUNITY },
      summary: 'مشتری درباره زمان تحویل پرسید',
      occurredAt: '2025-03-03T10:30:00+03:30',
      durationSeconds: 0,
    };
    expect(await badFields(LogInteractionRequestDto, interaction)).toEqual([]);
    expect(
      await badFields(LogInteractionRequestDto, { ...interaction, channel: 'fax', direction: 'up', durationSeconds: 86_401, summary: '' }),
    ).toEqual(['channel', 'direction', 'durationSeconds', 'summary']);
  });
});
