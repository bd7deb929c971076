import { CommandRequestDto, EnumField, TextField } from '@crm/shared/http';
import type { ServiceChannel } from '@crm/service/domain';
import { MAX, SERVICE_CHANNELS } from '../../shared/vocabulary';

/**
 * ISO 10004 (and 10002 7.3 for complaints): the person who gave the feedback hears that it was received and, where
 * there is one, what is done with it. Both fields are optional: an acknowledgement may be only the record that it
 * was read. A reply is about the person and is sealed with their data; once they are erased it is refused.
 */
export class AcknowledgeFeedbackRequestDto extends CommandRequestDto {
  @TextField(MAX.text, {
    optional: true,
    description: 'What the person was told',
    example: 'از پیشنهاد شما سپاسگزاریم؛ به تیم محصول سپرده شد',
  })
  reply?: string;

  @EnumField(SERVICE_CHANNELS, { optional: true, description: 'How the reply reached the person' })
  channel?: ServiceChannel;
}
