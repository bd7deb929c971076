import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { UpdateLeadRequestDto } from './update-lead.request.dto';

export class UpdateLeadCommand extends Command<CommandReply> {
  constructor(
    readonly leadId: string,
    readonly input: Omit<UpdateLeadRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
