import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { RespondToComplaint } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { RespondToComplaintCommand } from './respond-to-complaint.command';

@CommandHandler(RespondToComplaintCommand)
export class RespondToComplaintHandler implements ICommandHandler<RespondToComplaintCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  async execute({ complaintId, request, context }: RespondToComplaintCommand): Promise<CommandReply> {
    const erased = await this.complaints.erasedIfLeftOut(complaintId, context, { response: request.response });
    return this.complaints.run(complaintId, context, (at): RespondToComplaint => ({
      type: 'RespondToComplaint',
      data: { response: request.response, remedy: request.remedy, actions: request.actions, at, ...erased },
    }));
  }
}
