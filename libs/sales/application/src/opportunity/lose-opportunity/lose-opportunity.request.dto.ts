import { CommandRequestDto } from '@crm/shared/http';
import { TextField } from '../../common/fields';

export class LoseOpportunityRequestDto extends CommandRequestDto {
  @TextField(500)
  reason!: string;
}
