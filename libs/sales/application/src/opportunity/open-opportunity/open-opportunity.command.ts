import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { OpenOpportunityRequestDto } from './open-opportunity.request.dto';

export class OpenOpportunityCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<OpenOpportunityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
