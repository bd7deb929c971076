import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CloseAccountRequestDto } from './close-account.request.dto';

export class CloseAccountCommand extends Command<CommandReply> {
  constructor(
    readonly accountId: string,
    readonly input: Omit<CloseAccountRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
