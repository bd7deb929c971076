import { CommandRequestDto } from '@crm/shared/http';
import { AssigneeDto, AssigneeField } from '../../shared/party.dto';

/** Who handles the complaint: a person or a team. */
export class AssignComplaintRequestDto extends CommandRequestDto {
  @AssigneeField({ description: '{ userId } or { teamId }' })
  assignee!: AssigneeDto;
}
