import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { alreadyRecorded, DomainError, firstEventOf, laterPosition, loadState } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, type CommandContext, type CommandReply } from '@crm/shared/http';
import { opportunityDecider, quoteDecider, type QuoteAccepted } from '@crm/sales/domain';
import { opportunityStream, quoteStream } from '../../common/streams';
import { QuoteAcceptancePolicy } from '../quote-acceptance.policy';
import { AcceptQuoteCommand } from './accept-quote.command';
import { OPPORTUNITY_REFUSALS } from '@crm/sales/domain';

/**
 * Records the acceptance, then runs the acceptance policy at once so the
 * reply (and a read at its position) already shows the opportunity won.
 */
@CommandHandler(AcceptQuoteCommand)
export class AcceptQuoteHandler implements ICommandHandler<AcceptQuoteCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly policy: QuoteAcceptancePolicy,
  ) {}

  async execute({ quoteId, input, context }: AcceptQuoteCommand): Promise<CommandReply> {
    const { store } = this.executor;
    if (!(await alreadyRecorded(store, context.commandId, context.tenantId))) await this.refuseUnwinnable(quoteId, context);
    const now = this.executor.now();
    const result = await this.executor.execute(
      quoteDecider,
      quoteStream(quoteId),
      { type: 'AcceptQuote', data: { quoteId, at: input.acceptedAt ?? now.toISOString(), recordedAt: now.toISOString() } },
      context,
      now,
    );
    const accepted = await firstEventOf<QuoteAccepted>(store, result.commandId, context.tenantId, 'QuoteAccepted');
    const { opportunityId, total } = accepted.data;
    try {
      const won = await this.policy.winOpportunity(accepted);
      const position = laterPosition(store, result.position, won.position);
      return commandReply(quoteId, result, {
        position,
        total,
        opportunityId,
        opportunityWon: true,
        opportunityRevision: won.nextExpectedRevision,
      });
    } catch (error) {
      // The deal closed between the check and the win: the acceptance stands (it is recorded), and the reply says so.
      if (!(error instanceof DomainError)) throw error;
      return commandReply(quoteId, result, { total, opportunityId, opportunityWon: false, opportunityRefusal: error.code });
    }
  }

  /**
   * An accepted quote is final; if its deal can no longer be won (lost, or won
   * another way), refuse before recording an acceptance that the policy could
   * not honour.
   */
  private async refuseUnwinnable(quoteId: string, context: CommandContext): Promise<void> {
    const quote = await loadState(this.executor.store, quoteDecider, quoteStream(quoteId), context.tenantId);
    if (quote.status === 'none') return;
    const deal = await loadState(this.executor.store, opportunityDecider, opportunityStream(quote.opportunityId), context.tenantId);
    if (deal.status === 'none' || deal.status === 'open') return;
    if (deal.status === 'won' && deal.quoteId === quoteId) return;
    throw new DomainError(OPPORTUNITY_REFUSALS.CLOSED, `The quote's opportunity is ${deal.status}; reopen it before accepting`, {
      opportunityId: quote.opportunityId,
      status: deal.status,
    });
  }
}
