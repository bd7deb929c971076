import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RespondToComplaintRequestDto } from './respond-to-complaint.request.dto';

export class RespondToComplaintCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: RespondToComplaintRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
