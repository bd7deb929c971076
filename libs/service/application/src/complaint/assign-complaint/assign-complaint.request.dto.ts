import { AssigneeDto, AssigneeField, CommandRequestDto } from '@crm/shared/http';

/** Who handles the complaint: a person or a team. */
export class AssignComplaintRequestDto extends CommandRequestDto {
  @AssigneeField({ description: '{ userId } or { teamId }' })
  assignee!: AssigneeDto;
}
