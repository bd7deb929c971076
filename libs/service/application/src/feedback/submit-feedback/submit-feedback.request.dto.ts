import { AlsoChecks, CommandRequestDto, EnumField, IdField, NestedField, TextField, TimeField } from '@crm/shared/http';
import { assertGivenBy, FEEDBACK_REFUSALS, type FeedbackKind, type ServiceChannel } from '@crm/service/domain';
import { PartyDto, PartyField, RelatedToDto } from '../../shared/party.dto';
import { FEEDBACK_KINDS, MAX, SERVICE_CHANNELS } from '../../shared/vocabulary';

/** ISO 10004 feedback that is not a complaint: an opinion, an idea, praise. */
@AlsoChecks({
  reads: ['submittedAt'],
  check: ({ submittedAt }, now) => {
    if (typeof submittedAt === 'string') assertGivenBy('submittedAt', submittedAt, now, FEEDBACK_REFUSALS.TIME_IN_FUTURE);
  },
})
export class SubmitFeedbackRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen feedback id; the server makes one when absent' })
  id?: string;

  @PartyField({ description: '{ contactId } | { accountId } | { name, phone?, email? }' })
  from!: PartyDto;

  @EnumField(FEEDBACK_KINDS, { example: 'praise' })
  kind!: FeedbackKind;

  @TextField(MAX.text, { example: 'برخورد کارشناس پشتیبانی بسیار محترمانه بود' })
  text!: string;

  @EnumField(SERVICE_CHANNELS, { example: 'web' })
  channel!: ServiceChannel;

  @NestedField(() => RelatedToDto, { optional: true })
  relatedTo?: RelatedToDto;

  @TimeField('instant', {
    optional: true,
    description:
      "When the person gave it (a paper form, a call noted later): the customer's last activity counts it then. Now when absent; a time after the moment it is recorded (beyond a 5-minute clock skew) is refused 400 FEEDBACK.TIME_IN_FUTURE.",
  })
  submittedAt?: string;
}
