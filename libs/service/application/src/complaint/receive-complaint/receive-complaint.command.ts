import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ReceiveComplaintRequestDto } from './receive-complaint.request.dto';

export class ReceiveComplaintCommand extends Command<CommandReply> {
  constructor(
    readonly request: ReceiveComplaintRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
