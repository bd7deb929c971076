import { CommandRequestDto, EnumField, IdField, NestedField, TextField } from '@crm/shared/http';
import type { FeedbackKind, ServiceChannel } from '@crm/service/domain';
import { PartyDto, PartyField, RelatedToDto } from '../../shared/party.dto';
import { FEEDBACK_KINDS, MAX, SERVICE_CHANNELS } from '../../shared/vocabulary';

/** ISO 10004 feedback that is not a complaint: an opinion, an idea, praise. */
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
}
