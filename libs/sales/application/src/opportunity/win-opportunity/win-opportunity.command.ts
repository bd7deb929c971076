import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { WinOpportunityRequestDto } from './win-opportunity.request.dto';

export class WinOpportunityCommand extends Command<CommandReply> {
  constructor(
    readonly opportunityId: string,
    readonly input: Omit<WinOpportunityRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
