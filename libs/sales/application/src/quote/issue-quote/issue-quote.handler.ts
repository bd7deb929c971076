import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { quoteDecider, type QuoteCommand } from '@crm/sales/domain';
import { quoteStream } from '../../common/streams';
import { loadState } from '@crm/shared/event-sourcing';
import { requireOpenDeal } from '../open-deal';
import { recordedTotal } from '../quote-total';
import { IssueQuoteCommand } from './issue-quote.command';

@CommandHandler(IssueQuoteCommand)
export class IssueQuoteHandler implements ICommandHandler<IssueQuoteCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ quoteId, context }: IssueQuoteCommand): Promise<CommandReply> {
    const quote = await loadState(this.executor.store, quoteDecider, quoteStream(quoteId), context.tenantId);
    // Only a draft is issued (the decider says so); its deal must still be open, and in the quote's currency (the
    // deal's estimate may have changed currency since): an offer that could never be accepted is not issued.
    if (quote.status === 'draft') await requireOpenDeal(this.executor.store, quote.opportunityId, context.tenantId, quote.terms.currency);
    const now = this.executor.now();
    const command: QuoteCommand = { type: 'IssueQuote', data: { quoteId, issuedAt: now.toISOString() } };
    const result = await this.executor.execute(quoteDecider, quoteStream(quoteId), command, context, now);
    // Totals are the domain's: the caller sees what it will be held to.
    return commandReply(quoteId, result, { total: recordedTotal(result.events) });
  }
}
