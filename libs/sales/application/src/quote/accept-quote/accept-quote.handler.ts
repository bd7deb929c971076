import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError, firstEventOf, IdempotencyConflictError, laterPosition, loadState } from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext, type CommandReply } from '@crm/shared/http';
import { OPPORTUNITY_REFUSALS, opportunityDecider, quoteDecider, type AcceptQuote, type QuoteAccepted } from '@crm/sales/domain';
import { opportunityStream, quoteStream } from '../../common/streams';
import { QuoteAcceptancePolicy } from '../quote-acceptance.policy';
import { AcceptQuoteCommand } from './accept-quote.command';

/**
 * Records the acceptance and the won opportunity in one atomic append, so
 * the reply (and a read at its position) shows the deal won, and a refusal
 * of either (the deal lost meanwhile) records neither. A retried request
 * answers from what was recorded, and wins the deal of an acceptance
 * recorded before writes were atomic.
 */
@CommandHandler(AcceptQuoteCommand)
export class AcceptQuoteHandler implements ICommandHandler<AcceptQuoteCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly policy: QuoteAcceptancePolicy,
  ) {}

  execute(request: AcceptQuoteCommand): Promise<CommandReply> {
    const { quoteId, context } = request;
    return this.executor.handleAtomic(
      'AcceptQuote',
      quoteStream(quoteId),
      context,
      () => this.accept(request),
      () => this.firstReply(quoteId, context),
    );
  }

  private async accept({ quoteId, input, context }: AcceptQuoteCommand): Promise<CommandReply> {
    const { store } = this.executor;
    const { tenantId, commandId, correlationId, actor } = context;
    await this.refuseUnwinnable(quoteId, context);
    const now = this.executor.now();
    const command: AcceptQuote = {
      type: 'AcceptQuote',
      data: { quoteId, at: input.acceptedAt ?? now.toISOString(), recordedAt: now.toISOString() },
    };
    const outcome = await this.executor.atomically(tenantId, now, async (tx) => {
      const quote = await tx.decide(quoteDecider, quoteStream(quoteId), command, this.executor.commandOptions(context));
      const index = quote.events.findIndex((event) => event.type === 'QuoteAccepted');
      const accepted = quote.events[index];
      if (accepted?.type !== 'QuoteAccepted') throw new Error(`accepting ${quoteId} decided no QuoteAccepted`);
      const trigger = {
        data: accepted.data,
        metadata: { eventId: quote.eventIds[index] as string, correlationId: correlationId ?? commandId, actor, tenantId },
      };
      const won = await this.policy.decideWin(tx, trigger);
      return { accepted: accepted.data, won };
    });
    const written = outcome.streams.get(quoteStream(quoteId));
    if (!written) return this.firstReply(quoteId, context);
    const { opportunityId, total } = outcome.value.accepted;
    const opportunity = outcome.streams.get(opportunityStream(opportunityId));
    const opportunityRevision =
      opportunity?.nextExpectedRevision ?? (await store.streamRevision(opportunityStream(opportunityId), { tenantId }));
    return {
      id: quoteId,
      revision: written.nextExpectedRevision,
      position: outcome.position ?? written.position,
      total,
      opportunityId,
      opportunityWon: true,
      opportunityRevision,
    };
  }

  /** The reply of a request already recorded (and the win of an acceptance recorded on its own, before writes were atomic). */
  private async firstReply(quoteId: string, context: CommandContext): Promise<CommandReply> {
    const { store } = this.executor;
    const accepted = await firstEventOf<QuoteAccepted>(store, context.commandId, context.tenantId, 'QuoteAccepted');
    if (accepted.streamId !== quoteStream(quoteId)) throw new IdempotencyConflictError(context.commandId);
    const result = { nextExpectedRevision: accepted.revision, position: accepted.position };
    const { opportunityId, total } = accepted.data;
    try {
      const won = await this.policy.winOpportunity(accepted);
      const position = laterPosition(store, result.position, won.position);
      return reply(quoteId, result, {
        position,
        total,
        opportunityId,
        opportunityWon: true,
        opportunityRevision: won.nextExpectedRevision,
      });
    } catch (error) {
      // An acceptance recorded alone whose deal closed before the policy ran: it stands, and the reply says so.
      if (!(error instanceof DomainError)) throw error;
      return reply(quoteId, result, { total, opportunityId, opportunityWon: false, opportunityRefusal: error.code });
    }
  }

  /**
   * An accepted quote is final; if its deal can no longer be won (lost, or won
   * another way), refuse with the reason before deciding anything.
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

function reply(
  id: string,
  recorded: { nextExpectedRevision: number; position: string | undefined },
  extra: Record<string, unknown>,
): CommandReply {
  return { id, revision: recorded.nextExpectedRevision, position: recorded.position ?? '0', ...extra };
}
