import { CommandRequestDto, EnumField, TextField } from '@crm/shared/http';
import type { ServiceChannel } from '@crm/service/domain';
import { MAX, SERVICE_CHANNELS } from '../../shared/vocabulary';
import { LEFT_OUT_ONCE_ERASED } from '../erased-complaint-texts';

/** The decision as told to the complainant, and how it was told; `decision` may be left out only once the complaint is erased. */
export class CommunicateDecisionRequestDto extends CommandRequestDto {
  @TextField(MAX.text, {
    optional: true,
    example: 'تعویض کالا ظرف سه روز کاری',
    description: `The decision as told to the complainant. ${LEFT_OUT_ONCE_ERASED}`,
  })
  decision?: string;

  @EnumField(SERVICE_CHANNELS)
  channel!: ServiceChannel;
}
