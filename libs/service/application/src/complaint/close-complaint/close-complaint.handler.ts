import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { CloseComplaint } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { CloseComplaintCommand } from './close-complaint.command';

@CommandHandler(CloseComplaintCommand)
export class CloseComplaintHandler implements ICommandHandler<CloseComplaintCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  execute({ complaintId, request, context }: CloseComplaintCommand): Promise<CommandReply> {
    return this.complaints.run(complaintId, context, (at): CloseComplaint => ({
      type: 'CloseComplaint',
      data: { outcome: request.outcome, note: request.note, at },
    }));
  }
}
