import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { AcknowledgeComplaint } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { AcknowledgeComplaintCommand } from './acknowledge-complaint.command';

@CommandHandler(AcknowledgeComplaintCommand)
export class AcknowledgeComplaintHandler implements ICommandHandler<AcknowledgeComplaintCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  execute({ complaintId, request, context }: AcknowledgeComplaintCommand): Promise<CommandReply> {
    return this.complaints.run(complaintId, context, (at): AcknowledgeComplaint => ({
      type: 'AcknowledgeComplaint',
      data: { at, message: request.message },
    }));
  }
}
