import { CommandRequestDto } from '@crm/shared/http';
import { TextField, TimeField } from '../../common/fields';

export class RejectQuoteRequestDto extends CommandRequestDto {
  @TextField(500, { optional: true })
  reason?: string;

  @TimeField('instant', { optional: true, description: 'When the customer rejected; now when absent' })
  rejectedAt?: string;
}
