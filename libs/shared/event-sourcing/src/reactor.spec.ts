import { InMemoryEventStore } from './in-memory-event-store';
import { InMemoryCheckpointStore, startReactor, type Reactor } from './reactor';
import type { EventToAppend } from './event';

const event = (type: string, n: number): EventToAppend => ({
  type,
  data: { n },
  metadata: {
    eventId: `${type}-${n}`,
    commandId: `c-${type}-${n}`,
    correlationId: 'x',
    causationId: 'x',
    actor: { id: 'a', roles: [] },
    tenantId: 'default',
    occurredAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
  },
});

describe('startReactor', () => {
  it('reacts to the filtered events and resumes after its checkpoint when restarted', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryCheckpointStore();
    const seen: number[] = [];
    const reactor: Reactor = {
      name: 'test-policy',
      filter: { eventTypes: ['Wanted'] },
      react: async (e) => void seen.push((e.data as { n: number }).n),
    };
    await store.appendToStream('s-1', [event('Wanted', 1), event('Noise', 2), event('Wanted', 3)]);
    const first = await startReactor(store, reactor, { checkpoints });
    await first.caughtUp;
    await first.stop();
    await store.appendToStream('s-1', [event('Wanted', 4)]);
    const second = await startReactor(store, reactor, { checkpoints });
    await second.caughtUp;
    await second.stop();
    expect(seen).toEqual([1, 3, 4]);
  });

  it('starts over when its checkpoint is past the head (the log restored from an older backup), so no new event is passed over', async () => {
    const checkpoints = new InMemoryCheckpointStore();
    const seen: number[] = [];
    const reactor: Reactor = { name: 'test-policy', filter: {}, react: async (e) => void seen.push((e.data as { n: number }).n) };
    const newer = new InMemoryEventStore();
    await newer.appendToStream('s-1', [event('Wanted', 1), event('Wanted', 2), event('Wanted', 3), event('Wanted', 4)]);
    const first = await startReactor(newer, reactor, { checkpoints });
    await first.caughtUp;
    await first.stop();
    // The restored log holds the first event only; the next one is appended at a position the checkpoint had passed.
    const restored = new InMemoryEventStore();
    await restored.appendToStream('s-1', [event('Wanted', 1)]);
    await restored.appendToStream('s-2', [event('Wanted', 9)]);
    seen.length = 0;
    const second = await startReactor(restored, reactor, { checkpoints });
    await second.caughtUp;
    await second.stop();
    expect(seen).toEqual([1, 9]);
  });

  it('stops at a failing reaction without saving past it', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryCheckpointStore();
    await store.appendToStream('s-1', [event('Wanted', 1)]);
    const failing = await startReactor(
      store,
      { name: 'p', filter: {}, react: async () => Promise.reject(new Error('boom')) },
      { checkpoints },
    );
    await expect(failing.done).rejects.toThrow('boom');
    expect(await checkpoints.loadCheckpoint('p')).toBeUndefined();
  });

  it('saves its checkpoint at most once a second while live, and the last one on stop', async () => {
    const store = new InMemoryEventStore();
    const saves: string[] = [];
    const checkpoints = new InMemoryCheckpointStore();
    const counting = {
      loadCheckpoint: (name: string) => checkpoints.loadCheckpoint(name),
      saveCheckpoint: async (name: string, checkpoint: string) => {
        saves.push(checkpoint);
        await checkpoints.saveCheckpoint(name, checkpoint);
      },
    };
    const positions: string[] = [];
    const subscription = await startReactor(
      store,
      { name: 'p', filter: {}, react: async () => undefined },
      {
        checkpoints: counting,
        onCheckpoint: (checkpoint) => positions.push(checkpoint),
      },
    );
    for (let n = 1; n <= 20; n += 1) {
      await store.appendToStream(`s-${n}`, [event('Wanted', n)]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const head = await store.headPosition();
    await waitUntil(() => positions.at(-1) === head);
    // Twenty batches handled, each told to onCheckpoint; the first saved at once, the rest waiting for the second to pass.
    expect(positions.length).toBeGreaterThanOrEqual(2);
    expect(saves.length).toBeLessThan(positions.length);
    expect(saves.length).toBeLessThanOrEqual(2);
    await subscription.stop();
    expect(await checkpoints.loadCheckpoint('p')).toBe(head);
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!check()) throw new Error('timed out');
}
