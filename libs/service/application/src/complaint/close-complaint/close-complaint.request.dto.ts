import { CommandRequestDto, EnumField, TextField } from '@crm/shared/http';
import type { CloseOutcome } from '@crm/service/domain';
import { CLOSE_OUTCOMES, MAX } from '../../shared/vocabulary';

/** Not before a decision is communicated, unless the complainant withdrew. */
export class CloseComplaintRequestDto extends CommandRequestDto {
  @EnumField(CLOSE_OUTCOMES)
  outcome!: CloseOutcome;

  @TextField(MAX.short, { optional: true })
  note?: string;
}
