import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { opportunityDecider, quoteDecider, type QuoteCommand, type RecordQuoteIssue } from '@crm/sales/domain';
import { opportunityStream, quoteStream } from '../../common/streams';
import { loadState } from '@crm/shared/event-sourcing';
import { executeGuarded, guardOptions } from '../../common/guarded-command';
import { requireOpenDeal } from '../open-deal';
import { recordedTotal } from '../quote-total';
import { IssueQuoteCommand } from './issue-quote.command';

/** The step the deal's record of an issued quote is derived under: its command id follows from QuoteIssued's id. */
const RECORD_QUOTE_ISSUE = 'record-quote-issue';

@CommandHandler(IssueQuoteCommand)
export class IssueQuoteHandler implements ICommandHandler<IssueQuoteCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ quoteId, context }: IssueQuoteCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const quote = await loadState(store, quoteDecider, quoteStream(quoteId), context.tenantId);
    const now = this.executor.now();
    const command: QuoteCommand = { type: 'IssueQuote', data: { quoteId, issuedAt: now.toISOString() } };
    const own = { decider: quoteDecider, streamId: quoteStream(quoteId), command };
    // No such quote: refused by its decider (404), with no deal to guard.
    if (quote.status === 'none')
      return commandReply(quoteId, await this.executor.execute(quoteDecider, own.streamId, command, context, now));
    const { opportunityId } = quote;
    // Only a draft is issued (the decider says so), on a deal still open and in the quote's currency: an offer that
    // could never be accepted is not issued. The deal records the issue in the same append (OpportunityQuoteIssued),
    // so a change of its currency or its closing committed meanwhile is decided first and refuses it, and a change
    // of currency after it finds the quote (OPPORTUNITY.QUOTE_OUTSTANDING).
    const issued = await executeGuarded(this.executor, own, context, now, {
      streamId: opportunityStream(opportunityId),
      check: async () => {
        if (quote.status === 'draft') await requireOpenDeal(store, opportunityId, context.tenantId, quote.terms.currency);
      },
      decide: async (tx, decided) => {
        if (decided.state.status === 'none') return;
        const { revision, terms } = decided.state;
        const record: RecordQuoteIssue = {
          type: 'RecordQuoteIssue',
          data: { opportunityId, quoteId, revision, currency: terms.currency, issuedAt: now.toISOString() },
        };
        const cause = { eventId: decided.eventIds[0] as string, context };
        await tx.decide(opportunityDecider, opportunityStream(opportunityId), record, guardOptions(RECORD_QUOTE_ISSUE, cause));
      },
    });
    // Totals are the domain's: the caller sees what it will be held to.
    return commandReply(quoteId, issued, { total: recordedTotal(issued.events) });
  }
}
