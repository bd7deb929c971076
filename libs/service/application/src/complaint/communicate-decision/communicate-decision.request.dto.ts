import { CommandRequestDto, EnumField, TextField } from '@crm/shared/http';
import type { ServiceChannel } from '@crm/service/domain';
import { MAX, SERVICE_CHANNELS } from '../../shared/vocabulary';

/** The decision as told to the complainant, and how it was told. */
export class CommunicateDecisionRequestDto extends CommandRequestDto {
  @TextField(MAX.text)
  decision!: string;

  @EnumField(SERVICE_CHANNELS)
  channel!: ServiceChannel;
}
