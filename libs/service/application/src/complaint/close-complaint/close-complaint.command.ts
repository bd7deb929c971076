import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CloseComplaintRequestDto } from './close-complaint.request.dto';

export class CloseComplaintCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: CloseComplaintRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
