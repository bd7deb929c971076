import { CommandRequestDto, TextField } from '@crm/shared/http';

export class CloseAccountRequestDto extends CommandRequestDto {
  @TextField(500, { description: 'Why the customer is lost; a closed account counts as churned' })
  reason!: string;
}
