import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ReopenAccountRequestDto } from './reopen-account.request.dto';

export class ReopenAccountCommand extends Command<CommandReply> {
  constructor(
    readonly accountId: string,
    readonly input: Omit<ReopenAccountRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
