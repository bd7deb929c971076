import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { IssueQuoteRequestDto } from './issue-quote.request.dto';

export class IssueQuoteCommand extends Command<CommandReply> {
  constructor(
    readonly quoteId: string,
    readonly input: Omit<IssueQuoteRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
