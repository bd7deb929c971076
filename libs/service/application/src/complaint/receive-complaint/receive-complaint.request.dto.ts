import { CommandRequestDto, EnumField, IdField, LineField, NestedField, TextField } from '@crm/shared/http';
import type { ServiceChannel } from '@crm/service/domain';
import { PartyDto, PartyField, RelatedToDto } from '../../shared/party.dto';
import { MAX, SERVICE_CHANNELS } from '../../shared/vocabulary';

/** ISO 10002 7.2 receipt: who complains, through which channel, about what. */
export class ReceiveComplaintRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen complaint id; the server makes one when absent' })
  id?: string;

  @PartyField({
    description: '{ contactId } | { accountId } | { name, phone?, email? }',
    example: { name: 'رضا کریمی', phone: '۰۹۱۲ ۱۲۳ ۴۵۶۷' },
  })
  complainant!: PartyDto;

  @EnumField(SERVICE_CHANNELS, { example: 'phone' })
  channel!: ServiceChannel;

  @LineField(MAX.label, { example: 'کیفیت کالا' })
  category!: string;

  @TextField(MAX.text, { example: 'کالای تحویلی معیوب بود و پشتیبانی پاسخ نداد' })
  description!: string;

  @TextField(MAX.short, { optional: true, example: 'تعویض کالا' })
  desiredRemedy?: string;

  @NestedField(() => RelatedToDto, { optional: true, description: 'The record the complaint is about' })
  relatedTo?: RelatedToDto;
}
