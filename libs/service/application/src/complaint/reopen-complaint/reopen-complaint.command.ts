import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ReopenComplaintRequestDto } from './reopen-complaint.request.dto';

export class ReopenComplaintCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: ReopenComplaintRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
