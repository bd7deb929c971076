import { BooleanField, CommandRequestDto, EnumField, LineField, TimeField } from '@crm/shared/http';
import { CONTACT_CHANNELS, type ContactChannel } from '@crm/sales/domain';

export class RecordConsentRequestDto extends CommandRequestDto {
  @EnumField(CONTACT_CHANNELS)
  channel!: ContactChannel;

  @BooleanField({ description: 'true grants, false withdraws' })
  granted!: boolean;

  @TimeField('instant', { optional: true, description: 'When the person decided; now when absent' })
  at?: string;

  @LineField(200, { optional: true, description: 'Where it was given or withdrawn (web form, call, reply STOP…)' })
  source?: string;
}
