import { CommandRequestDto, TextField } from '@crm/shared/http';

export class ReopenAccountRequestDto extends CommandRequestDto {
  @TextField(500, { optional: true, description: 'Why the customer is back; churn analytics count the account active again from now' })
  reason?: string;
}
