import { CommandRequestDto, TextField } from '@crm/shared/http';

export class AssignLeadRequestDto extends CommandRequestDto {
  @TextField(100, { description: 'The user who works the lead from now on' })
  ownerId!: string;
}
