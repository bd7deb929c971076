import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AssignComplaintRequestDto } from './assign-complaint.request.dto';

export class AssignComplaintCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: AssignComplaintRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
