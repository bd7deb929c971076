import { CommandRequestDto, LineField } from '@crm/shared/http';

export class AssignLeadRequestDto extends CommandRequestDto {
  @LineField(100, { description: 'The user who works the lead from now on' })
  ownerId!: string;
}
