import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ProposeSolutionRequestDto } from './propose-solution.request.dto';

export class ProposeSolutionCommand extends Command<CommandReply> {
  constructor(
    readonly opportunityId: string,
    readonly input: Omit<ProposeSolutionRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
