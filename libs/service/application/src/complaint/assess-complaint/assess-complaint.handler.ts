import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { AssessComplaint } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { AssessComplaintCommand } from './assess-complaint.command';

@CommandHandler(AssessComplaintCommand)
export class AssessComplaintHandler implements ICommandHandler<AssessComplaintCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  execute({ complaintId, request, context }: AssessComplaintCommand): Promise<CommandReply> {
    return this.complaints.run(complaintId, context, (at): AssessComplaint => ({
      type: 'AssessComplaint',
      data: { severity: request.severity, urgency: request.urgency, rationale: request.rationale, at },
    }));
  }
}
