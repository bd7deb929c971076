import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { DisqualifyLeadRequestDto } from './disqualify-lead.request.dto';

export class DisqualifyLeadCommand extends Command<CommandReply> {
  constructor(
    readonly leadId: string,
    readonly input: Omit<DisqualifyLeadRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
