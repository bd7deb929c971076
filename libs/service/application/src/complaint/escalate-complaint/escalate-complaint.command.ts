import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { EscalateComplaintRequestDto } from './escalate-complaint.request.dto';

export class EscalateComplaintCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: EscalateComplaintRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
