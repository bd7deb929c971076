import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AssignLeadRequestDto } from './assign-lead.request.dto';

export class AssignLeadCommand extends Command<CommandReply> {
  constructor(
    readonly leadId: string,
    readonly input: Omit<AssignLeadRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
