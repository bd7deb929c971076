import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandReply, commandReply, toMoney } from '@crm/shared/http';
import { loadForCommand, loadState, type EventStore } from '@crm/shared/event-sourcing';
import {
  assertNoQuoteStranded,
  changesCurrency,
  opportunityDecider,
  quoteDecider,
  type IssuedQuoteNow,
  type OpportunityState,
  type ReviseEstimate,
} from '@crm/sales/domain';
import { opportunityStream, quoteStream } from '../../common/streams';
import { ReviseEstimateCommand } from './revise-estimate.command';

@CommandHandler(ReviseEstimateCommand)
export class ReviseEstimateHandler implements ICommandHandler<ReviseEstimateCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ opportunityId, input, context }: ReviseEstimateCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const at = now.toISOString();
    const command: ReviseEstimate = {
      type: 'ReviseEstimate',
      data: {
        opportunityId,
        amount: input.amount && toMoney(input.amount),
        probability: input.probability,
        expectedCloseDate: input.expectedCloseDate,
        revisedAt: at,
      },
    };
    const streamId = opportunityStream(opportunityId);
    const { store } = this.executor;
    // A change of currency looks at the quotes the deal issued (OpportunityQuoteIssued), each on its own stream: one
    // still open in the old currency would be stranded. The deal is read and its quotes checked in the atomic
    // append's build, so a quote issued meanwhile (recorded on the deal) makes the append conflict and the check run
    // again; an answer or a revision of a quote meanwhile only frees it.
    const run = async () => {
      const outcome = await this.executor.atomically(context.tenantId, now, async (tx) => {
        const read = await loadForCommand(store, opportunityDecider, streamId, context.tenantId, undefined);
        // Decided first: a stale If-Match is 412 and a closed deal 409 CLOSED before the quotes are looked at; a refusal
        // here leaves the append unmade.
        const decided = await tx.decide(opportunityDecider, streamId, command, this.executor.commandOptions(context), read);
        const { amount } = command.data;
        if (changesCurrency(read.state, amount))
          assertNoQuoteStranded(read.state, amount, await issuedQuotes(store, read.state, context.tenantId), at);
        return decided;
      });
      const written = outcome.streams.get(streamId);
      const { read } = outcome.value;
      return written ?? { nextExpectedRevision: read.revision ?? -1, position: read.position };
    };
    const result = await this.executor.handleAtomic(command.type, streamId, context, run, () =>
      this.executor.execute(opportunityDecider, streamId, command, context, now),
    );
    return commandReply(opportunityId, result);
  }
}

/** The quotes the deal issued, as their own streams say now. */
async function issuedQuotes(store: EventStore, deal: OpportunityState, tenantId: string): Promise<IssuedQuoteNow[]> {
  if (deal.status === 'none') return [];
  const quotes = await Promise.all(
    (deal.deal.quotes ?? []).map((quoteId) => loadState(store, quoteDecider, quoteStream(quoteId), tenantId)),
  );
  return quotes.flatMap((quote) =>
    quote.status === 'none'
      ? []
      : [{ quoteId: quote.quoteId, status: quote.status, currency: quote.terms.currency, validUntil: quote.terms.validUntil }],
  );
}
