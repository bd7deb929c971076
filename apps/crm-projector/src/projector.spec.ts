import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { defineProjection, InMemoryReadStore } from '@crm/shared/read-model';
import { anEvent } from '@crm/shared/testing';
import { type ProjectorLog, startProjector } from './projector';

const counter = defineProjection<{ count: number }>({
  name: 'counter',
  version: 1,
  collection: 'counters',
  eventTypes: ['Counted'],
  documentId: () => 'total',
  evolve: (doc) => ({ count: (doc?.count ?? 0) + 1 }),
});

const fragile = defineProjection<{ seen: number }>({
  name: 'fragile',
  version: 1,
  collection: 'fragile',
  eventTypes: ['Counted', 'Poison'],
  documentId: (event) => event.streamId,
  evolve: (doc, event) => {
    if (event.type === 'Poison') throw new Error('cannot digest this');
    return { seen: (doc?.seen ?? 0) + 1 };
  },
});

function recordingLog(): ProjectorLog & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`INFO ${message}`),
    warn: (message) => lines.push(`WARN ${message}`),
    error: (message) => lines.push(`ERROR ${message}`),
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
};

describe('startProjector', () => {
  it('runs every projection, says when each caught up and which one failed on which event, and stops cleanly', async () => {
    const eventStore = new InMemoryEventStore();
    const readStore = new InMemoryReadStore();
    await eventStore.appendToStream('tally-1', [anEvent('Counted'), anEvent('Counted')]);
    const log = recordingLog();
    const projector = await startProjector({ eventStore, readStore, projections: [counter, fragile], log, watchEveryMs: 10 });
    await until(() => log.lines.filter((line) => line.includes(' caught up at 2 ')).length === 2);
    const poison = anEvent('Poison');
    await eventStore.appendToStream('tally-1', [poison, anEvent('Counted')]);
    await until(() => log.lines.some((line) => line.startsWith('ERROR')));
    expect(log.lines.find((line) => line.startsWith('ERROR'))).toMatch(
      new RegExp(
        `^ERROR fragile v1: FAILED on Poison \\(event ${poison.metadata.eventId} of tally-1, position 3\\): Error: cannot digest this`,
      ),
    );
    await projector.runner.waitFor('counter', '4', 1000);
    await projector.stop();
    expect(log.lines.filter((line) => line.startsWith('INFO stopped:'))).toEqual([
      'INFO stopped: counter v1: stopped, caught up; counters_v1_1 at 4',
      expect.stringMatching(/^INFO stopped: fragile v1: FAILED on Poison .* fragile_v1_1 at 2$/),
    ]);
    expect((await readStore.get(projector.runner.collectionOf('counter'), 'total'))?.doc).toEqual({ count: 3 });
  });

  it('says when a projection serves another build', async () => {
    const eventStore = new InMemoryEventStore();
    const readStore = new InMemoryReadStore();
    await eventStore.appendToStream('tally-1', [anEvent('Counted'), anEvent('Counted')]);
    const log = recordingLog();
    const projector = await startProjector({ eventStore, readStore, projections: [counter], log, watchEveryMs: 10 });
    await projector.runner.waitFor('counter', '2', 1000);
    await projector.runner.rebuild('counter');
    await projector.stop();
    expect(log.lines.filter((line) => line.includes(' serves '))).toEqual([
      'INFO counter serves counters_v1_2 now (was counters_v1_1), at 2',
    ]);
  });
});
