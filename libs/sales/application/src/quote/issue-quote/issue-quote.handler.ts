import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { quoteDecider, type QuoteCommand } from '@crm/sales/domain';
import { quoteStream } from '../../common/streams';
import { recordedTotal } from '../quote-total';
import { IssueQuoteCommand } from './issue-quote.command';

@CommandHandler(IssueQuoteCommand)
export class IssueQuoteHandler implements ICommandHandler<IssueQuoteCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ quoteId, context }: IssueQuoteCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const command: QuoteCommand = { type: 'IssueQuote', data: { quoteId, issuedAt: now.toISOString() } };
    const result = await this.executor.execute(quoteDecider, quoteStream(quoteId), command, context, now);
    // Totals are the domain's: the caller sees what it will be held to.
    return commandReply(quoteId, result, { total: recordedTotal(result.events) });
  }
}
