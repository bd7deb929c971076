import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { quoteDecider, type CreateQuote } from '@crm/sales/domain';
import { opportunityStream, quoteStream } from '../../common/streams';
import { recordedTotal } from '../quote-total';
import { toQuoteLines } from '../quote-line.dto';
import { CreateQuoteCommand } from './create-quote.command';
import { requireStream } from '@crm/shared/event-sourcing';
import { NOT_FOUND } from '@crm/shared/kernel';

@CommandHandler(CreateQuoteCommand)
export class CreateQuoteHandler implements ICommandHandler<CreateQuoteCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, context }: CreateQuoteCommand): Promise<CommandReply> {
    const { opportunityId, validUntil } = input;
    await requireStream(this.executor.store, opportunityStream(opportunityId), context.tenantId, NOT_FOUND.opportunity, opportunityId);
    const now = this.executor.now();
    const quoteId = input.id ?? idFor(context, 'quote');
    const command: CreateQuote = {
      type: 'CreateQuote',
      data: { quoteId, opportunityId, lines: toQuoteLines(input.lines), validUntil, createdAt: now.toISOString() },
    };
    const result = await this.executor.execute(quoteDecider, quoteStream(quoteId), command, context, now);
    // Totals are the domain's: the caller sees what it will be held to.
    return commandReply(quoteId, result, { total: recordedTotal(result.events) });
  }
}
