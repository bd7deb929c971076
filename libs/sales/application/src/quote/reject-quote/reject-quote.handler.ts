import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { quoteDecider, type QuoteCommand } from '@crm/sales/domain';
import { quoteStream } from '../../common/streams';
import { RejectQuoteCommand } from './reject-quote.command';

@CommandHandler(RejectQuoteCommand)
export class RejectQuoteHandler implements ICommandHandler<RejectQuoteCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ quoteId, input, context }: RejectQuoteCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const command: QuoteCommand = {
      type: 'RejectQuote',
      data: { quoteId, reason: input.reason ?? 'unspecified', at: input.rejectedAt ?? now.toISOString() },
    };
    return commandReply(quoteId, await this.executor.execute(quoteDecider, quoteStream(quoteId), command, context, now));
  }
}
