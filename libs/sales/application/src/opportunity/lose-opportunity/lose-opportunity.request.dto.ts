import { CommandRequestDto, TextField } from '@crm/shared/http';

export class LoseOpportunityRequestDto extends CommandRequestDto {
  @TextField(500)
  reason!: string;
}
