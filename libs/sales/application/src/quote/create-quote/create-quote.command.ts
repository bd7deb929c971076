import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { CreateQuoteRequestDto } from './create-quote.request.dto';

export class CreateQuoteCommand extends Command<CommandReply> {
  constructor(
    readonly input: Omit<CreateQuoteRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
