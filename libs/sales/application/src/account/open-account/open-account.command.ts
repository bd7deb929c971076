import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { OpenAccountRequestDto } from './open-account.request.dto';

export class OpenAccountCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<OpenAccountRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
