import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { MoveOpportunityStageRequestDto } from './move-opportunity-stage.request.dto';

export class MoveOpportunityStageCommand extends Command<CommandReply> {
  constructor(
    readonly opportunityId: string,
    readonly input: Omit<MoveOpportunityStageRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
