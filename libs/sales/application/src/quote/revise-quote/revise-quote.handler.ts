import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { quoteDecider, type QuoteCommand } from '@crm/sales/domain';
import { toQuoteLines } from '../quote-line.dto';
import { quoteStream } from '../../common/streams';
import { recordedTotal } from '../quote-total';
import { ReviseQuoteCommand } from './revise-quote.command';

@CommandHandler(ReviseQuoteCommand)
export class ReviseQuoteHandler implements ICommandHandler<ReviseQuoteCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ quoteId, input, context }: ReviseQuoteCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const command: QuoteCommand = {
      type: 'ReviseQuote',
      data: { quoteId, lines: input.lines && toQuoteLines(input.lines), validUntil: input.validUntil, revisedAt: now.toISOString() },
    };
    const result = await this.executor.execute(quoteDecider, quoteStream(quoteId), command, context, now);
    // Totals are the domain's: the caller sees what it will be held to.
    return commandReply(quoteId, result, { total: recordedTotal(result.events) });
  }
}
