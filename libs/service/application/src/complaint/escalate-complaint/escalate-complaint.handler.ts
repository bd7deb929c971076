import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandReply } from '@crm/shared/http';
import type { EscalateComplaint } from '@crm/service/domain';
import { ComplaintStreams } from '../complaint-streams';
import { EscalateComplaintCommand } from './escalate-complaint.command';

@CommandHandler(EscalateComplaintCommand)
export class EscalateComplaintHandler implements ICommandHandler<EscalateComplaintCommand> {
  constructor(private readonly complaints: ComplaintStreams) {}

  async execute({ complaintId, request, context }: EscalateComplaintCommand): Promise<CommandReply> {
    const erased = await this.complaints.erasedIfLeftOut(complaintId, context, { reason: request.reason });
    return this.complaints.run(complaintId, context, (at): EscalateComplaint => ({
      type: 'EscalateComplaint',
      data: { toLevel: request.toLevel, reason: request.reason, at, ...erased },
    }));
  }
}
