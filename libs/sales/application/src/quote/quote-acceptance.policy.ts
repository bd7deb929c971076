import { Injectable } from '@nestjs/common';
import type { AllFilter, AtomicCommands, CommandResult, Decided, Reactor, RecordedEvent } from '@crm/shared/event-sourcing';
import { CommandExecutor } from '@crm/shared/http';
import {
  opportunityDecider,
  type OpportunityEvent,
  type OpportunityState,
  type QuoteAccepted,
  type WinOpportunity,
} from '@crm/sales/domain';
import { decideReaction, reactionRecorded, runReaction, type Trigger } from '../common/reaction';
import { opportunityStream } from '../common/streams';

/**
 * Accepting a quote wins its opportunity for the quote's total. The accept
 * request decides the win with the acceptance and records both in one
 * atomic append (`decideWin`). Acceptances recorded before that may stand
 * alone; this policy, as a reactor, wins their deals (`winOpportunity`). The
 * command id derives from the QuoteAccepted event id and the decider ignores
 * a second win by the same quote, so however often either runs, there is one win.
 */
@Injectable()
export class QuoteAcceptancePolicy implements Reactor {
  readonly name = 'sales.quote-acceptance';
  readonly filter: AllFilter = { categories: ['quote'], eventTypes: ['QuoteAccepted'] };

  constructor(private readonly executor: CommandExecutor) {}

  async react(event: RecordedEvent): Promise<void> {
    if (event.type !== 'QuoteAccepted') return;
    const accepted = event as RecordedEvent<QuoteAccepted>;
    if (await reactionRecorded(this.executor, accepted, 'win-opportunity', opportunityStream(accepted.data.opportunityId))) return;
    await this.winOpportunity(accepted);
  }

  decideWin(tx: AtomicCommands, accepted: Trigger<QuoteAccepted>): Promise<Decided<OpportunityState, OpportunityEvent>> {
    const { opportunityId } = accepted.data;
    return decideReaction(tx, accepted, 'win-opportunity', opportunityDecider, opportunityStream(opportunityId), winCommand(accepted));
  }

  winOpportunity(accepted: RecordedEvent<QuoteAccepted>): Promise<CommandResult<OpportunityState, OpportunityEvent>> {
    const { opportunityId } = accepted.data;
    return runReaction(
      this.executor,
      accepted,
      'win-opportunity',
      opportunityDecider,
      opportunityStream(opportunityId),
      winCommand(accepted),
    );
  }
}

function winCommand(accepted: Trigger<QuoteAccepted>): WinOpportunity {
  const { quoteId, opportunityId, total, acceptedAt } = accepted.data;
  return { type: 'WinOpportunity', data: { opportunityId, amount: total, quoteId, wonAt: acceptedAt } };
}
