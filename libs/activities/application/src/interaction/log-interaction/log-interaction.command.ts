import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { LogInteractionRequestDto } from './log-interaction.request.dto';

export class LogInteractionCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<LogInteractionRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
