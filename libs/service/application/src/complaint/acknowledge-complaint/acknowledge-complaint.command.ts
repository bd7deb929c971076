import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AcknowledgeComplaintRequestDto } from './acknowledge-complaint.request.dto';

export class AcknowledgeComplaintCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: AcknowledgeComplaintRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
