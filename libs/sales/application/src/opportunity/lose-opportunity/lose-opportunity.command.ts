import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { LoseOpportunityRequestDto } from './lose-opportunity.request.dto';

export class LoseOpportunityCommand extends Command<CommandReply> {
  constructor(
    readonly opportunityId: string,
    readonly input: Omit<LoseOpportunityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
