import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { ReviseQuoteRequestDto } from './revise-quote.request.dto';

export class ReviseQuoteCommand extends Command<CommandReply> {
  constructor(
    readonly quoteId: string,
    readonly input: Omit<ReviseQuoteRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
