import { randomBytes } from 'node:crypto';
import { InMemoryEventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { DataKeys, InMemoryKeyStore, isSealed, PersonalDataEventStore } from '@crm/shared/personal-data';
import { InMemoryReadStore } from '@crm/shared/read-model';
import { eventSourceOf, scanReaderOf } from './event-sources';
import { ProjectionRunner } from './projection-runner';
import { dealsProjection, documents, openDeal, ownersProjection, winDeal } from './test-support';

/** A deal's owner stands for a personal field here: sealed in the log under the deal's key. */
const FIELDS = { DealOpened: ['owner'] };

/** The same fold as `deals`, for a projection that says it reads no personal field (here: wrongly, to see what it is handed). */
const dealsAsStored = { ...dealsProjection(), name: 'deals-as-stored', collection: 'deals_as_stored', readsPersonalData: false as const };
const ownersAsStored = { ...ownersProjection, name: 'owners-as-stored', collection: 'owners_as_stored', readsPersonalData: false as const };

describe('event sources: opened for projections that read personal data, as stored for the others', () => {
  let inner: InMemoryEventStore;
  let events: PersonalDataEventStore;
  let readStore: InMemoryReadStore;
  let runner: ProjectionRunner | undefined;
  beforeEach(async () => {
    inner = new InMemoryEventStore();
    events = new PersonalDataEventStore(inner, new DataKeys(new InMemoryKeyStore(), randomBytes(32)), FIELDS);
    readStore = new InMemoryReadStore();
    await openDeal(events, 'd1', 'مریم', 100);
    await openDeal(events, 'd2', 'Ali', 50);
    await winDeal(events, 'd1');
  });
  afterEach(() => runner?.stop());

  const owners = (list: readonly RecordedEvent[]) =>
    list.filter((e) => e.type === 'DealOpened').map((e) => (e.data as { owner: unknown }).owner);

  it('reads through the layer by default and around it for a projection that reads none', async () => {
    expect(eventSourceOf(events, dealsProjection())).toBe(events);
    expect(eventSourceOf(events, dealsAsStored)).toBe(inner);
    // A store without the layer is its own source either way.
    expect(eventSourceOf(inner, dealsProjection())).toBe(inner);
  });

  it('opens, in one scan for several projections, only the types a projection that reads personal data handles', async () => {
    const mixed = await scanReaderOf(events, [dealsProjection(), dealsAsStored])({});
    expect(owners(mixed.events)).toEqual(['مریم', 'Ali']);
    const none = await scanReaderOf(events, [dealsAsStored, ownersAsStored])({});
    expect(owners(none.events).every(isSealed)).toBe(true);
    // Only DealWon is handled by the reader here: DealOpened stays sealed, and the page is the same page.
    const wonOnly = { ...dealsProjection(), name: 'won', eventTypes: ['DealWon'] as const };
    const narrow = await scanReaderOf(events, [wonOnly as never, dealsAsStored])({});
    expect(owners(narrow.events).every(isSealed)).toBe(true);
    expect(narrow.events.map((e) => e.position)).toEqual(mixed.events.map((e) => e.position));
    expect(narrow.checkpoint).toBe(mixed.checkpoint);
  });

  it('hands a lane, a rebuild of many and a time travel the events their projection says it reads', async () => {
    runner = new ProjectionRunner({ eventStore: events, readStore, projections: [dealsProjection(), dealsAsStored, ownersAsStored] });
    await runner.start();
    await runner.waitFor('all', (await events.headPosition()) as string, 5000);
    const check = async () => {
      const opened = await documents(readStore, runner?.collectionOf('deals') as string);
      expect(opened['d1']).toMatchObject({ owner: 'مریم', stage: 'won' });
      const stored = await documents(readStore, runner?.collectionOf('deals-as-stored') as string);
      expect(Object.keys(stored).sort()).toEqual(['d1', 'd2']);
      expect(Object.values(stored).every((doc) => isSealed((doc as { owner: unknown }).owner))).toBe(true);
      expect(Object.keys(await documents(readStore, runner?.collectionOf('owners-as-stored') as string)).every(isSealed)).toBe(true);
    };
    await check();
    // One scan for projections that read none: nothing opened.
    await runner.rebuildMany(['deals-as-stored', 'owners-as-stored']);
    await check();
    // With one that reads personal data in the scan, the types it handles are opened for it (the others may see them opened).
    await runner.rebuildMany(['deals', 'owners-as-stored']);
    expect((await documents(readStore, runner.collectionOf('deals')))['d1']).toMatchObject({ owner: 'مریم', stage: 'won' });
    await runner.rebuildAsOf({
      name: 'deals-as-stored',
      until: { position: (await events.headPosition()) as string },
      target: 'deals_as_stored_asof',
    });
    const asOf = await documents(readStore, 'deals_as_stored_asof');
    expect(Object.values(asOf).every((doc) => isSealed((doc as { owner: unknown }).owner))).toBe(true);
  });
});
