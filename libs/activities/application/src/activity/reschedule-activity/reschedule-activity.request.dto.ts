import { assertDueTime } from '@crm/activities/domain';
import { AlsoChecks, CommandRequestDto, TextField, TimeField } from '@crm/shared/http';
import { MAX } from '../../shared/limits';
import { OccurrenceField } from '../occurrence.field';

@AlsoChecks({
  reads: ['dueAt'],
  check: ({ dueAt }) => {
    if (typeof dueAt === 'string') assertDueTime(dueAt);
  },
})
export class RescheduleActivityRequestDto extends CommandRequestDto {
  @TimeField('instant', { description: 'The new due time, with its offset', example: '2025-03-11T11:00:00+03:30' })
  dueAt!: string;

  @OccurrenceField('the open occurrence due first')
  occurrence?: number;

  @TextField(MAX.reason, { optional: true, example: 'مشتری در سفر است' })
  reason?: string;
}
