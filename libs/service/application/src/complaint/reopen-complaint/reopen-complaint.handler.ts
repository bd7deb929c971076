import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { ReopenComplaint } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { ReopenComplaintCommand } from './reopen-complaint.command';

@CommandHandler(ReopenComplaintCommand)
export class ReopenComplaintHandler implements ICommandHandler<ReopenComplaintCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  async execute({ complaintId, request, context }: ReopenComplaintCommand): Promise<CommandReply> {
    const erased = await this.complaints.erasedIfLeftOut(complaintId, context, { reason: request.reason });
    return this.complaints.run(complaintId, context, (at): ReopenComplaint => ({
      type: 'ReopenComplaint',
      data: { reason: request.reason, at, ...erased },
    }));
  }
}
