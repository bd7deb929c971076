import { CommandRequestDto, EnumField, TextField } from '@crm/shared/http';
import { DISQUALIFY_REASONS, type DisqualifyReason } from '@crm/sales/domain';

export class DisqualifyLeadRequestDto extends CommandRequestDto {
  @EnumField(DISQUALIFY_REASONS)
  reason!: DisqualifyReason;

  @TextField(2000, { optional: true })
  note?: string;
}
