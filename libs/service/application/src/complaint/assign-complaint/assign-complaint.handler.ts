import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { toAssignee, type CommandReply } from '@crm/shared/http';
import type { AssignComplaint } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { AssignComplaintCommand } from './assign-complaint.command';

@CommandHandler(AssignComplaintCommand)
export class AssignComplaintHandler implements ICommandHandler<AssignComplaintCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  execute({ complaintId, request, context }: AssignComplaintCommand): Promise<CommandReply> {
    return this.complaints.run(complaintId, context, (at): AssignComplaint => ({
      type: 'AssignComplaint',
      data: { assignee: toAssignee(request.assignee), at },
    }));
  }
}
