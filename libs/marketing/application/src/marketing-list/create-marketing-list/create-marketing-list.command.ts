import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CreateMarketingListRequestDto } from './create-marketing-list.request.dto';

export class CreateMarketingListCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<CreateMarketingListRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
