import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { InMemoryReadStore } from '@crm/shared/read-model';
import { anEvent, waitUntil } from '@crm/shared/testing';
import { watchErasures, type QuiescingRunner } from './erasure-purge';

describe('the erasure watch of a process that did not erase', () => {
  it('watches again after a failure, from the erasure it had not handled, until stopped', async () => {
    const events = new InMemoryEventStore();
    const purged: string[] = [];
    let failures = 1;
    // The first purge fails (a store connection closed mid-way, say): the watch must not end there.
    const runner: QuiescingRunner = {
      quiesce: async (work) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('connection terminated');
        }
        return work([]);
      },
    };
    const log: string[] = [];
    const watch = await watchErasures({
      eventStore: events,
      readStore: new InMemoryReadStore(),
      keys: undefined,
      runner,
      log: (message) => {
        log.push(message);
        const erasure = /erasure (data-subject-\S+):/.exec(message)?.[1];
        if (erasure) purged.push(erasure);
      },
    });
    try {
      await events.appendToStream('data-subject-1', [anEvent('DataSubjectErased', { records: ['lead-1'] })]);
      await waitUntil(() => purged.length === 1, 'the first erasure purged', 5000);
      expect(log[0]).toMatch(/^erasure watch failed \(connection terminated\); watching again in 1 s$/);
      expect(purged).toEqual(['data-subject-1']);
      // And it goes on watching: the next erasure is handled once.
      await events.appendToStream('data-subject-2', [anEvent('DataSubjectErased', { records: ['lead-2'] })]);
      await waitUntil(() => purged.length === 2, 'the second erasure purged', 5000);
      expect(purged).toEqual(['data-subject-1', 'data-subject-2']);
    } finally {
      await watch.stop();
    }
    await expect(watch.done).resolves.toBeUndefined();
  });
});
