import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { AcceptQuoteRequestDto } from './accept-quote.request.dto';

export class AcceptQuoteCommand extends Command<CommandReply> {
  constructor(
    readonly quoteId: string,
    readonly input: Omit<AcceptQuoteRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
