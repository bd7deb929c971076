import { ACTIVITY_TYPES, assertDueTime, expandRecurrence, type ActivityType, type Recurrence } from '@crm/activities/domain';
import {
  AlsoChecks,
  AssigneeDto,
  AssigneeField,
  CommandRequestDto,
  EnumField,
  IdField,
  IntField,
  LineField,
  NestedField,
  TextField,
  TimeField,
} from '@crm/shared/http';
import { MAX } from '../../shared/limits';
import { RegardingDto } from '../../shared/regarding.dto';
import { RecurrenceDto, RecurrenceField } from '../recurrence.dto';

@AlsoChecks(
  {
    // The due time alone (a time in 2200 once its offset is applied): named beside a bad type or recurrence.
    reads: ['dueAt'],
    check: ({ dueAt }) => {
      if (typeof dueAt === 'string') assertDueTime(dueAt);
    },
  },
  {
    reads: ['dueAt', 'recurrence'],
    check: ({ dueAt, recurrence }) => {
      if (typeof dueAt !== 'string' || typeof recurrence !== 'object' || recurrence === null) return;
      try {
        assertDueTime(dueAt);
      } catch {
        return; // the rule above names it
      }
      expandRecurrence(dueAt, recurrence as Recurrence);
    },
  },
)
export class ScheduleActivityRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen activity id; the server makes one otherwise' })
  id?: string;

  @EnumField(ACTIVITY_TYPES, { example: 'phone_call' })
  type!: ActivityType;

  @LineField(MAX.subject, { example: 'تماس پیگیری پیش‌فاکتور' })
  subject!: string;

  @TextField(MAX.description, { optional: true, example: 'پیگیری تأیید پیش‌فاکتور و زمان تحویل' })
  description?: string;

  @NestedField(() => RegardingDto, { description: 'The record the activity is about; it must exist' })
  regarding!: RegardingDto;

  @AssigneeField({ description: '{ userId } or { teamId }' })
  assignee!: AssigneeDto;

  @TimeField('instant', { description: 'Due time of the (first) occurrence, with its offset', example: '2025-03-03T10:00:00+03:30' })
  dueAt!: string;

  @IntField(1, 1440, { optional: true, example: 30 })
  durationMinutes?: number;

  @RecurrenceField({ optional: true, description: 'Repeat from dueAt; absent for a one-off activity' })
  recurrence?: RecurrenceDto;
}
