import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RejectQuoteRequestDto } from './reject-quote.request.dto';

export class RejectQuoteCommand extends Command<CommandReply> {
  constructor(
    readonly quoteId: string,
    readonly input: Omit<RejectQuoteRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
