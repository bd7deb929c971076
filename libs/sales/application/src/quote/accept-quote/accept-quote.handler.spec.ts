import { DomainError } from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import { quoteDecider, type QuoteCommand } from '@crm/sales/domain';
import { quoteStream } from '../../common/streams';
import { salesWorld } from '../../testing/fixtures';
import { QuoteAcceptancePolicy } from '../quote-acceptance.policy';
import { AcceptQuoteCommand } from './accept-quote.command';
import { AcceptQuoteHandler } from './accept-quote.handler';

describe('AcceptQuoteHandler', () => {
  it('records neither the acceptance nor the win when the win is refused', async () => {
    // Accepted the day after issue, well before validUntil: only the unwinnable deal may refuse it.
    const world = salesWorld('2026-01-12T09:00:00.000Z');
    const quoteId = newId();
    // A quote whose deal the acceptance cannot win: it was never opened (a history the API no longer lets anyone write).
    const commands: QuoteCommand[] = [
      {
        type: 'CreateQuote',
        data: {
          quoteId,
          opportunityId: newId(),
          lines: [{ description: 'ورق', quantity: 1, unitPrice: { amount: 100, currency: 'IRR' } }],
          validUntil: '2026-02-10',
          createdAt: '2026-01-10T09:00:00Z',
        },
      },
      { type: 'IssueQuote', data: { quoteId, issuedAt: '2026-01-11T09:00:00Z' } },
    ];
    for (const command of commands) await world.executor.execute(quoteDecider, quoteStream(quoteId), command, world.context());
    const head = await world.store.headPosition();
    const handler = new AcceptQuoteHandler(world.executor, new QuoteAcceptancePolicy(world.executor));
    const refused = handler.execute(new AcceptQuoteCommand(quoteId, {}, world.context()));
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(refused).rejects.toMatchObject({ code: 'OPPORTUNITY.NOT_FOUND' });
    expect(await world.store.headPosition()).toBe(head);
  });
});
