import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ReopenOpportunityRequestDto } from './reopen-opportunity.request.dto';

export class ReopenOpportunityCommand extends Command<CommandReply> {
  constructor(
    readonly opportunityId: string,
    readonly input: Omit<ReopenOpportunityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
