import type { EventStore } from '@crm/shared/event-sourcing';
import { measure, type Figure } from './bench-support';

export async function readAllPages(store: EventStore, expected: number): Promise<Figure> {
  let seen = 0;
  const figure = await measure('store', expected, async () => {
    let after: string | undefined;
    for (;;) {
      const slice = await store.readAll({ after, maxCount: 1000 });
      seen += slice.events.length;
      after = slice.checkpoint;
      if (slice.isEnd) break;
    }
  });
  if (seen !== expected) throw new Error(`read ${seen} events, expected ${expected}`);
  return figure;
}

export async function catchUp(store: EventStore, expected: number): Promise<Figure> {
  let seen = 0;
  const figure = await measure('store', expected, async () => {
    const subscription = store.subscribeToAll(
      (events) => {
        seen += events.length;
      },
      { batchSize: 1000 },
    );
    await subscription.caughtUp;
    await subscription.stop();
  });
  if (seen !== expected) throw new Error(`caught up on ${seen} events, expected ${expected}`);
  return figure;
}
