import { CommandRequestDto } from '@crm/shared/http';
import { TextField } from '../../common/fields';

export class CloseAccountRequestDto extends CommandRequestDto {
  @TextField(500, { description: 'Why the customer is lost; a closed account counts as churned' })
  reason!: string;
}
