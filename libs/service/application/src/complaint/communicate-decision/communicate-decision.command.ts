import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CommunicateDecisionRequestDto } from './communicate-decision.request.dto';

export class CommunicateDecisionCommand extends Command<CommandReply> {
  constructor(
    readonly complaintId: string,
    readonly request: CommunicateDecisionRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
