import { AlsoChecks, CommandRequestDto, IntField, TextField, TimeField } from '@crm/shared/http';
import { assertGivenBy, COMPLAINT_REFUSALS } from '@crm/service/domain';
import { MAX } from '../../shared/vocabulary';

/** The complainant's satisfaction with the handling (not with the outcome), once per closing. */
@AlsoChecks({
  reads: ['respondedAt'],
  check: ({ respondedAt }, now) => {
    if (typeof respondedAt === 'string') assertGivenBy('respondedAt', respondedAt, now, COMPLAINT_REFUSALS.TIME_IN_FUTURE);
  },
})
export class RecordHandlingSatisfactionRequestDto extends CommandRequestDto {
  @IntField(1, 5, { description: '1 (very dissatisfied) to 5 (very satisfied)' })
  score!: number;

  @TextField(MAX.short, { optional: true })
  comment?: string;

  @TimeField('instant', {
    optional: true,
    description:
      'When the complainant gave the score (a call noted later): the satisfaction view counts it then. Now when absent; before the closing it rates is refused 400 COMPLAINT.RATED_BEFORE_CLOSING, after the moment it is recorded (beyond a 5-minute clock skew) 400 COMPLAINT.TIME_IN_FUTURE.',
  })
  respondedAt?: string;
}
