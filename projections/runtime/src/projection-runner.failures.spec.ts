import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { ManualClock } from '@crm/shared/kernel';
import { InMemoryReadStore } from '@crm/shared/read-model';
import { ProjectionRunner } from './projection-runner';
import { describeStatus } from './status-text';
import { bugs, dealsProjection, openDeal, ownersProjection } from './test-support';
import { waitUntil } from '@crm/shared/testing';

describe('ProjectionRunner when a projection throws', () => {
  let events: InMemoryEventStore;
  let readStore: InMemoryReadStore;
  let runner: ProjectionRunner;
  const clock = new ManualClock('2026-02-01T09:00:00.000Z');

  beforeEach(async () => {
    bugs.poisonThrows = true;
    events = new InMemoryEventStore();
    readStore = new InMemoryReadStore();
    await openDeal(events, 'a', 'Ali', 1);
    await openDeal(events, 'b', 'Ali', 2);
  });
  afterEach(async () => {
    bugs.poisonThrows = true;
    await runner.stop();
  });

  const start = async () => {
    runner = new ProjectionRunner({
      eventStore: events,
      readStore,
      clock,
      projections: [dealsProjection(), ownersProjection],
      batchSize: 10,
    });
    await runner.start();
  };

  it('stops that projection at the failing event, records why, and lets the others go on', async () => {
    const poison = await openDeal(events, 'p', 'Ali', 3, undefined, true);
    await openDeal(events, 'c', 'Ali', 4);
    const poisonEvent = (await events.readStream('deal-p'))[0];
    await start();
    const head = (await events.headPosition()) as string;
    await runner.waitFor('owners', head, 5000);
    await waitUntil(async () => (await runner.status())[0]?.phase === 'failed', 'deals to fail');

    const [deals, owners] = await runner.status();
    expect(deals).toMatchObject({
      name: 'deals',
      phase: 'failed',
      caughtUp: false,
      checkpoint: String(Number(poison.position) - 1),
      error: {
        eventId: poisonEvent?.metadata.eventId,
        position: poison.position,
        type: 'DealOpened',
        streamId: 'deal-p',
        message: 'Error: amount must be a Money value',
        at: '2026-02-01T09:00:00.000Z',
      },
    });
    expect(owners).toMatchObject({ phase: 'running', caughtUp: true, checkpoint: head });
    expect(describeStatus(deals!)).toBe(
      `deals v1: FAILED on DealOpened (event ${poisonEvent?.metadata.eventId} of deal-p, position ${poison.position}): ` +
        `Error: amount must be a Money value; deals_v1_1 at ${deals?.checkpoint}`,
    );
    expect(describeStatus(owners!)).toBe(`owners v1: running, caught up; owners_v1_1 at ${head}`);
    expect((await readStore.get('owners_v1_1', 'Ali'))?.doc).toMatchObject({ deals: 4 });
    // Everything before the failing event of the same batch was committed; nothing after it.
    expect((await readStore.find('deals_v1_1')).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await readStore.loadState('deals'))?.error?.position).toBe(poison.position);
    await expect(runner.waitFor('deals', head, 5000)).rejects.toMatchObject({ code: 'PROJECTION.NOT_CAUGHT_UP', reason: 'failed' });
    await expect(runner.waitFor('all', head, 5000)).rejects.toMatchObject({ reason: 'failed' });
  });

  it('after a fix, resumes exactly at the failing event and clears the error', async () => {
    await openDeal(events, 'p', 'Ali', 3, undefined, true);
    await openDeal(events, 'c', 'Ali', 4);
    await start();
    await waitUntil(async () => (await runner.status())[0]?.phase === 'failed', 'deals to fail');

    await runner.resume('deals');
    await waitUntil(async () => (await runner.status())[0]?.phase === 'failed', 'the unfixed projection to fail again');
    expect(await readStore.count('deals_v1_1')).toBe(2);

    bugs.poisonThrows = false;
    await runner.resume('deals');
    await runner.waitFor('deals', (await events.headPosition()) as string, 5000);
    const [deals] = await runner.status();
    expect(deals?.error).toBeUndefined();
    expect(deals?.phase).toBe('running');
    expect((await readStore.find('deals_v1_1')).map((r) => r.id)).toEqual(['a', 'b', 'c', 'p']);
    expect((await readStore.loadState('deals'))?.error).toBeUndefined();
  });

  it('retries a failed projection when the process restarts with fixed code', async () => {
    await openDeal(events, 'p', 'Ali', 3, undefined, true);
    await start();
    await waitUntil(async () => (await runner.status())[0]?.phase === 'failed', 'deals to fail');
    await runner.stop();

    bugs.poisonThrows = false;
    await start();
    await runner.waitFor('deals', (await events.headPosition()) as string, 5000);
    expect(await readStore.count('deals_v1_1')).toBe(3);
  });
});
