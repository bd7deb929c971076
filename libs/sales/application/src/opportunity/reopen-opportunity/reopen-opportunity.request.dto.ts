import { CommandRequestDto } from '@crm/shared/http';
import { TextField } from '../../common/fields';

export class ReopenOpportunityRequestDto extends CommandRequestDto {
  @TextField(500, { optional: true })
  reason?: string;
}
