import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AssessComplaintRequestDto } from './assess-complaint.request.dto';

export class AssessComplaintCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: AssessComplaintRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
