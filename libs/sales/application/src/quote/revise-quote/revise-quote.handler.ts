import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { loadState } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { quoteDecider, type QuoteCommand } from '@crm/sales/domain';
import { toQuoteLines } from '../quote-line.dto';
import { quoteStream } from '../../common/streams';
import { linesCurrency, requireOpenDeal } from '../open-deal';
import { recordedTotal } from '../quote-total';
import { ReviseQuoteCommand } from './revise-quote.command';

@CommandHandler(ReviseQuoteCommand)
export class ReviseQuoteHandler implements ICommandHandler<ReviseQuoteCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ quoteId, input, context }: ReviseQuoteCommand): Promise<CommandReply> {
    const lines = input.lines && toQuoteLines(input.lines);
    const quote = await loadState(this.executor.store, quoteDecider, quoteStream(quoteId), context.tenantId);
    // A revision is a new draft of the offer: as a new quote, its deal must be open and it is priced in the deal's
    // currency, else it could be issued and never accepted. Lines in several currencies are the decider's to refuse.
    if (quote.status !== 'none' && quote.status !== 'accepted') {
      const currency = lines ? linesCurrency(lines) : quote.terms.currency;
      await requireOpenDeal(this.executor.store, quote.opportunityId, context.tenantId, currency);
    }
    const now = this.executor.now();
    const command: QuoteCommand = {
      type: 'ReviseQuote',
      data: { quoteId, lines, validUntil: input.validUntil, revisedAt: now.toISOString() },
    };
    const result = await this.executor.execute(quoteDecider, quoteStream(quoteId), command, context, now);
    // Totals are the domain's: the caller sees what it will be held to.
    return commandReply(quoteId, result, { total: recordedTotal(result.events) });
  }
}
