import { CommandRequestDto } from '@crm/shared/http';
import { TimeField } from '../../common/fields';

export class AcceptQuoteRequestDto extends CommandRequestDto {
  @TimeField('instant', { optional: true, description: 'When the customer accepted (checked against the validity); now when absent' })
  acceptedAt?: string;
}
