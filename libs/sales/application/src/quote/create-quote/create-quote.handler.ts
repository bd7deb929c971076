import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { quoteDecider, type CreateQuote } from '@crm/sales/domain';
import { quoteStream } from '../../common/streams';
import { linesCurrency, requireOpenDeal } from '../open-deal';
import { recordedTotal } from '../quote-total';
import { toQuoteLines } from '../quote-line.dto';
import { CreateQuoteCommand } from './create-quote.command';

@CommandHandler(CreateQuoteCommand)
export class CreateQuoteHandler implements ICommandHandler<CreateQuoteCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: CreateQuoteCommand): Promise<CommandReply> {
    const { opportunityId, validUntil } = input;
    const lines = toQuoteLines(input.lines);
    await requireOpenDeal(this.executor.store, opportunityId, context.tenantId, linesCurrency(lines));
    const now = this.executor.now();
    const quoteId = input.id ?? idFor(context, 'quote');
    const command: CreateQuote = {
      type: 'CreateQuote',
      data: { quoteId, opportunityId, lines, validUntil, createdAt: now.toISOString() },
    };
    const result = await this.executor.execute(quoteDecider, quoteStream(quoteId), command, context, now);
    // Totals are the domain's: the caller sees what it will be held to.
    return commandReply(quoteId, result, { total: recordedTotal(result.events) });
  }
}
