import { CommandRequestDto, TextField, TimeField } from '@crm/shared/http';

export class RejectQuoteRequestDto extends CommandRequestDto {
  @TextField(500, { optional: true })
  reason?: string;

  @TimeField('instant', { optional: true, description: 'When the customer rejected; now when absent' })
  rejectedAt?: string;
}
