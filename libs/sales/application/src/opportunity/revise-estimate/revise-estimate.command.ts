import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ReviseEstimateRequestDto } from './revise-estimate.request.dto';

export class ReviseEstimateCommand extends Command<CommandReply> {
  constructor(
    readonly opportunityId: string,
    readonly input: Omit<ReviseEstimateRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
