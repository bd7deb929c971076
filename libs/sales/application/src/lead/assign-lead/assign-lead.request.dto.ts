import { CommandRequestDto } from '@crm/shared/http';
import { TextField } from '../../common/fields';

export class AssignLeadRequestDto extends CommandRequestDto {
  @TextField(100, { description: 'The user who works the lead from now on' })
  ownerId!: string;
}
