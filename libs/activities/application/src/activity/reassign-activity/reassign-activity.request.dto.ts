import { AssigneeDto, AssigneeField, CommandRequestDto } from '@crm/shared/http';

export class ReassignActivityRequestDto extends CommandRequestDto {
  @AssigneeField({ description: '{ userId } or { teamId }; the whole series moves to them' })
  assignee!: AssigneeDto;
}
