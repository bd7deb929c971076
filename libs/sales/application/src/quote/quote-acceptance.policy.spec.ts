import { InMemoryCheckpointStore, startReactor, type RecordedEvent } from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import { opportunityDecider, quoteDecider, type QuoteAccepted, type QuoteCommand } from '@crm/sales/domain';
import { opportunityStream, quoteStream } from '../common/streams';
import { countingReads, salesWorld, type SalesWorld } from '../testing/fixtures';
import { QuoteAcceptancePolicy } from './quote-acceptance.policy';

async function acceptedQuote(world: SalesWorld): Promise<{ opportunityId: string; accepted: RecordedEvent<QuoteAccepted> }> {
  const opportunityId = newId();
  const quoteId = newId();
  await world.executor.execute(
    opportunityDecider,
    opportunityStream(opportunityId),
    {
      type: 'OpenOpportunity',
      data: {
        opportunityId,
        accountId: newId(),
        name: 'ورق فولادی',
        need: 'تأمین ماهانه',
        amount: { amount: 1_000_000_000, currency: 'IRR' },
        expectedCloseDate: '2026-03-20',
        openedAt: '2026-01-10T09:00:00Z',
      },
    },
    world.context(),
  );
  const commands: QuoteCommand[] = [
    {
      type: 'CreateQuote',
      data: {
        quoteId,
        opportunityId,
        lines: [{ description: 'ورق، تن', quantity: 2.5, unitPrice: { amount: 400_000_000, currency: 'IRR' }, discountPercent: 10 }],
        validUntil: '2026-02-10',
        createdAt: '2026-01-10T09:00:00Z',
      },
    },
    { type: 'IssueQuote', data: { quoteId, issuedAt: '2026-01-11T09:00:00Z' } },
    { type: 'AcceptQuote', data: { quoteId, at: '2026-01-20T12:00:00+03:30', recordedAt: '2026-01-20T12:00:00+03:30' } },
  ];
  for (const command of commands) await world.executor.execute(quoteDecider, quoteStream(quoteId), command, world.context());
  const accepted = (await world.store.readStream(quoteStream(quoteId)))[2] as RecordedEvent<QuoteAccepted>;
  return { opportunityId, accepted };
}

describe('QuoteAcceptancePolicy', () => {
  it('as a reactor, passes a win already recorded with one lookup by event id (no stream loaded, nothing appended)', async () => {
    const world = salesWorld();
    const { accepted } = await acceptedQuote(world);
    await new QuoteAcceptancePolicy(world.executor).winOpportunity(accepted);
    const head = await world.store.headPosition();
    const { executor, reads } = countingReads(world);
    await new QuoteAcceptancePolicy(executor).react(accepted);
    expect(reads).toEqual([]);
    expect(await world.store.headPosition()).toBe(head);
    // Not yet won: the reactor loads the deal and wins it.
    const other = await acceptedQuote(world);
    await new QuoteAcceptancePolicy(executor).react(other.accepted);
    expect(reads).toContain(opportunityStream(other.opportunityId));
    expect((await world.store.readStream(opportunityStream(other.opportunityId))).map((e) => e.type)).toEqual([
      'OpportunityOpened',
      'OpportunityWon',
    ]);
  });

  it('wins the opportunity for the quote total, caused by the acceptance', async () => {
    const world = salesWorld();
    const { opportunityId, accepted } = await acceptedQuote(world);
    await new QuoteAcceptancePolicy(world.executor).winOpportunity(accepted);
    const won = (await world.store.readStream(opportunityStream(opportunityId)))[1];
    expect(won).toMatchObject({
      type: 'OpportunityWon',
      data: { amount: { amount: 900_000_000, currency: 'IRR' }, quoteId: accepted.data.quoteId, wonAt: '2026-01-20T12:00:00+03:30' },
      metadata: { causationId: accepted.metadata.eventId },
    });
  });

  it('records one win however often the acceptance is delivered: at once, again and from the reactor', async () => {
    const world = salesWorld();
    const { opportunityId, accepted } = await acceptedQuote(world);
    const policy = new QuoteAcceptancePolicy(world.executor);
    const first = await policy.winOpportunity(accepted);
    const subscription = await startReactor(world.store, policy, { checkpoints: new InMemoryCheckpointStore() });
    const [again] = await Promise.all([policy.winOpportunity(accepted), subscription.caughtUp]);
    await subscription.stop();
    expect(again).toMatchObject({ duplicate: true, nextExpectedRevision: first.nextExpectedRevision, position: first.position });
    expect(await world.streamTypes(opportunityStream(opportunityId))).toEqual(['OpportunityOpened', 'OpportunityWon']);
  });
});
