import { CommandRequestDto, TimeField } from '@crm/shared/http';

export class AcceptQuoteRequestDto extends CommandRequestDto {
  @TimeField('instant', { optional: true, description: 'When the customer accepted (checked against the validity); now when absent' })
  acceptedAt?: string;
}
