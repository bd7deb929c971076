import { assertCompletedBy } from '@crm/activities/domain';
import { AlsoChecks, CommandRequestDto, TextField, TimeField } from '@crm/shared/http';
import { MAX } from '../../shared/limits';
import { OccurrenceField } from '../occurrence.field';

@AlsoChecks({
  reads: ['completedAt'],
  check: ({ completedAt }, now) => {
    if (typeof completedAt === 'string') assertCompletedBy(completedAt, now);
  },
})
export class CompleteActivityRequestDto extends CommandRequestDto {
  @TextField(MAX.outcome, { example: 'مشتری پیش‌فاکتور را تأیید کرد' })
  outcome!: string;

  @OccurrenceField('the open occurrence due first')
  occurrence?: number;

  @TimeField('instant', {
    optional: true,
    description: 'When it was done, with its offset; not in the future (beyond a 5-minute clock skew); now when absent',
  })
  completedAt?: string;
}
