import type { RecordedEvent } from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import type { ContractContext } from './event-store-contract';
import { aStream, anEvent, someEvents } from './event-fixtures';
import { waitUntil } from './wait-until';

export function describeSubscriptionContract({ store }: ContractContext): void {
  describe('catch-up subscriptions', () => {
    it('delivers history, says it caught up, then delivers live events in order', async () => {
      const streamId = aStream();
      await store().appendToStream(streamId, someEvents(250));
      const seen: RecordedEvent[] = [];
      const subscription = store().subscribeToAll((events) => void seen.push(...events), { batchSize: 100 });
      await subscription.caughtUp;
      expect(seen).toHaveLength(250);
      await store().appendToStream(streamId, someEvents(3, 'Live'));
      await store().appendToStream(aStream(), [anEvent('Live')]);
      await waitUntil(() => seen.length === 254, 'live events');
      await subscription.stop();
      expect(seen.map((e) => e.metadata.eventId)).toEqual((await store().readAll()).events.map((e) => e.metadata.eventId));
    });

    it('resumes after a checkpoint without repeating or losing an event', async () => {
      await store().appendToStream(aStream(), someEvents(30));
      let checkpoint: string | undefined;
      const first: RecordedEvent[] = [];
      const one = store().subscribeToAll(
        (events, at) => {
          first.push(...events);
          checkpoint = at;
        },
        { batchSize: 7 },
      );
      await one.caughtUp;
      await one.stop();
      await store().appendToStream(aStream(), someEvents(5, 'Later'));
      const second: RecordedEvent[] = [];
      const two = store().subscribeToAll((events) => void second.push(...events), { after: checkpoint });
      await two.caughtUp;
      await two.stop();
      expect(first).toHaveLength(30);
      expect(second.map((e) => e.type)).toEqual(['Later', 'Later', 'Later', 'Later', 'Later']);
      expect(one.checkpoint()).toBe(checkpoint);
    });

    it('applies filters and hands over a checkpoint past skipped events', async () => {
      await store().appendToStream(aStream('lead'), [anEvent('LeadCaptured')]);
      await store().appendToStream(aStream('noise'), someEvents(20, 'Noise'));
      const seen: RecordedEvent[] = [];
      let checkpoint: string | undefined;
      const subscription = store().subscribeToAll(
        (events, at) => {
          seen.push(...events);
          checkpoint = at;
        },
        { filter: { categories: ['lead'] } },
      );
      await subscription.caughtUp;
      await subscription.stop();
      expect(seen.map((e) => e.type)).toEqual(['LeadCaptured']);
      expect(checkpoint).toBe(await store().headPosition());
    });

    it('waits for the handler before the next batch and stops with its error', async () => {
      await store().appendToStream(aStream(), someEvents(10));
      let running = 0;
      let overlapped = false;
      const subscription = store().subscribeToAll(
        async (events) => {
          running += 1;
          overlapped ||= running > 1;
          await new Promise((resolve) => setTimeout(resolve, 5));
          running -= 1;
          if (events.some((e) => (e.data as { i?: number }).i === 7)) throw new Error('projection bug');
        },
        { batchSize: 2 },
      );
      await expect(subscription.done).rejects.toThrow('projection bug');
      expect(overlapped).toBe(false);
      expect(subscription.checkpoint()).toBe((await store().readAll({ maxCount: 6 })).checkpoint);
    });

    it('moves a filtered live subscription past events of other categories, so a wait for their position ends', async () => {
      await store().appendToStream(aStream('lead'), [anEvent('LeadCaptured')]);
      let checkpoint: string | undefined;
      const subscription = store().subscribeToAll(
        (_events, at) => {
          checkpoint = at;
        },
        { filter: { categories: ['lead'] } },
      );
      await subscription.caughtUp;
      const other = await store().appendToStream(aStream('complaint'), [anEvent('ComplaintReceived')]);
      const reached = () => checkpoint !== undefined && store().comparePositions(checkpoint, other.position) >= 0;
      await waitUntil(reached, 'the checkpoint to pass a filtered-out live event', 5_000);
      await subscription.stop();
    });

    it('hands over, once live, only positions of events in the log, so a saved checkpoint is never past its head', async () => {
      await store().appendToStream(aStream('lead'), [anEvent('LeadCaptured')]);
      let live = false;
      const handed: string[] = [];
      const subscription = store().subscribeToAll(
        (_events, at) => {
          if (live) handed.push(at);
        },
        { filter: { categories: ['lead'] } },
      );
      await subscription.caughtUp;
      live = true;
      // Enough appends of another category for a server to report how far it scanned, more than once.
      let last = await store().appendToStream(aStream('complaint'), [anEvent('ComplaintReceived')]);
      for (let i = 1; i < 80; i += 1) last = await store().appendToStream(aStream('complaint'), [anEvent('ComplaintReceived')]);
      const reached = () => store().comparePositions(subscription.checkpoint() ?? '', last.position) >= 0;
      await waitUntil(() => subscription.checkpoint() !== undefined && reached(), 'the checkpoint to reach the head', 5_000);
      await subscription.stop();
      const inLog = new Set<string>();
      for (let after: string | undefined; ;) {
        const slice = await store().readAll({ after, maxCount: 1000 });
        for (const event of slice.events) inLog.add(event.position);
        if (slice.isEnd) break;
        after = slice.checkpoint;
      }
      expect(handed.filter((at) => !inLog.has(at))).toEqual([]);
      expect(store().comparePositions(subscription.checkpoint() as string, (await store().headPosition()) as string)).toBeLessThanOrEqual(
        0,
      );
    });

    it('settles caughtUp and done when stopped before it caught up', async () => {
      await store().appendToStream(aStream(), someEvents(50));
      let release: () => void = () => undefined;
      const blocked = new Promise<void>((resolve) => (release = resolve));
      const subscription = store().subscribeToAll(() => blocked, { batchSize: 10 });
      const stopping = subscription.stop();
      release();
      await stopping;
      await expect(subscription.done).resolves.toBeUndefined();
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        subscription.caughtUp.then(
          () => 'resolved',
          () => 'rejected',
        ),
        new Promise((resolve) => (timer = setTimeout(() => resolve('pending'), 2_000))),
      ]);
      clearTimeout(timer);
      expect(settled).not.toBe('pending');
    });
  });

  describe('categories with a dash of their own', () => {
    it('reads and subscribes to each category exactly, whatever else shares its first word', async () => {
      const streams = {
        lead: `lead-${newId()}`,
        'lead-key': `lead-key-${newId()}`,
        marketing: `marketing-${newId()}`,
        'marketing-list': `marketing-list-${newId()}`,
        survey: `survey-${newId()}`,
        'survey-response': `survey-response-${newId()}`,
      };
      for (const [category, streamId] of Object.entries(streams)) await store().appendToStream(streamId, [anEvent(category)]);
      for (const category of Object.keys(streams)) {
        const read = (await store().readAll({ filter: { categories: [category] } })).events;
        expect(read.map((e) => e.type)).toEqual([category]);
      }
      const seen: RecordedEvent[] = [];
      const subscription = store().subscribeToAll((events) => void seen.push(...events), {
        filter: { categories: ['lead-key', 'marketing'] },
      });
      await subscription.caughtUp;
      await subscription.stop();
      expect(seen.map((e) => e.type)).toEqual(['lead-key', 'marketing']);
      expect((await store().readStream(streams['marketing-list'])).map((e) => e.streamId)).toEqual([streams['marketing-list']]);
    });
  });
}
