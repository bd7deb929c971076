import { Injectable } from '@nestjs/common';
import type { AllFilter, CommandResult, RecordedEvent, Reactor } from '@crm/shared/event-sourcing';
import { CommandExecutor } from '@crm/shared/http';
import { opportunityDecider, type OpportunityEvent, type OpportunityState, type QuoteAccepted } from '@crm/sales/domain';
import { runReaction } from '../common/reaction';
import { opportunityStream } from '../common/streams';

/**
 * Accepting a quote wins its opportunity for the quote's total. The command
 * id derives from the QuoteAccepted event id and the decider ignores a second
 * win by the same quote, so the accept request (which runs this at once) and
 * the reactor (which runs it again, or after a crash) record one win.
 */
@Injectable()
export class QuoteAcceptancePolicy implements Reactor {
  readonly name = 'sales.quote-acceptance';
  readonly filter: AllFilter = { categories: ['quote'], eventTypes: ['QuoteAccepted'] };

  constructor(private readonly executor: CommandExecutor) {}

  async react(event: RecordedEvent): Promise<void> {
    if (event.type === 'QuoteAccepted') await this.winOpportunity(event as RecordedEvent<QuoteAccepted>);
  }

  winOpportunity(accepted: RecordedEvent<QuoteAccepted>): Promise<CommandResult<OpportunityState, OpportunityEvent>> {
    const { quoteId, opportunityId, total, acceptedAt } = accepted.data;
    return runReaction(this.executor, accepted, 'win-opportunity', opportunityDecider, opportunityStream(opportunityId), {
      type: 'WinOpportunity',
      data: { opportunityId, amount: total, quoteId, wonAt: acceptedAt },
    });
  }
}
