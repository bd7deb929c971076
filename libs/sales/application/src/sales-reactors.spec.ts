import { Logger } from '@nestjs/common';
import { InMemoryCheckpointStore, type AppendOptions, type EventStore, type EventToAppend } from '@crm/shared/event-sourcing';
import { CommandExecutor } from '@crm/shared/http';
import { contactDecider } from '@crm/sales/domain';
import { contactStream, opportunityStream } from './common/streams';
import { LeadQualificationProcess } from './lead/lead-qualification.process';
import { QuoteAcceptancePolicy } from './quote/quote-acceptance.policy';
import { SalesReactors } from './sales-reactors';
import { qualifiedLead, salesWorld, type SalesWorld } from './testing/fixtures';

function reactorsOn(world: SalesWorld, store: EventStore = world.store) {
  const executor = new CommandExecutor(store, world.clock, world.store);
  return new SalesReactors(
    store,
    new InMemoryCheckpointStore(),
    new LeadQualificationProcess(executor),
    new QuoteAcceptancePolicy(executor),
    { restartDelayMs: 5, maxRestartDelayMs: 20 },
  );
}

const until = async (condition: () => Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await condition()); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('SalesReactors', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('skips a reaction refused by a business rule and goes on with the next event', async () => {
    const world = salesWorld();
    const blocked = await qualifiedLead(world);
    // Someone created a contact under the id the qualification chose: creating it again is refused every time.
    await world.executor.execute(
      contactDecider,
      contactStream(blocked.data.contact.contactId),
      { type: 'CreateContact', data: { contactId: blocked.data.contact.contactId, fullName: 'دیگری', createdAt: '2026-01-11T00:00:00Z' } },
      world.context(),
    );
    const next = await qualifiedLead(world);
    const reactors = reactorsOn(world);
    await reactors.onApplicationBootstrap();
    await reactors.caughtUp();
    await reactors.onModuleDestroy();
    expect(await world.streamTypes(opportunityStream(next.data.opportunity.opportunityId))).toEqual(['OpportunityOpened']);
  });

  it('restarts a reactor that failed for another reason, from its checkpoint, until the reaction lands', async () => {
    const world = salesWorld();
    const qualified = await qualifiedLead(world);
    let failures = 3;
    const flaky: EventStore = Object.create(world.store, {
      appendToStream: {
        value: (streamId: string, events: readonly EventToAppend[], options?: AppendOptions) =>
          failures-- > 0 ? Promise.reject(new Error('database is locked')) : world.store.appendToStream(streamId, events, options),
      },
    }) as EventStore;
    const reactors = reactorsOn(world, flaky);
    await reactors.onApplicationBootstrap();
    const opportunity = opportunityStream(qualified.data.opportunity.opportunityId);
    await until(async () => (await world.streamTypes(opportunity)).length > 0);
    await reactors.onModuleDestroy();
    expect(await world.streamTypes(opportunity)).toEqual(['OpportunityOpened']);
    expect(await world.streamTypes(contactStream(qualified.data.contact.contactId))).toEqual(['ContactCreated']);
  });
});
