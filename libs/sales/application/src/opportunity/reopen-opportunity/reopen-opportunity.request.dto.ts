import { CommandRequestDto, TextField } from '@crm/shared/http';

export class ReopenOpportunityRequestDto extends CommandRequestDto {
  @TextField(500, { optional: true })
  reason?: string;
}
