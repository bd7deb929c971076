import { newId } from '@crm/shared/kernel';
import { anEvent, someEvents } from '@crm/shared/testing';
import type { KurrentClient } from './client';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { FakeKurrentServer } from './testing/fake-kurrent-client';

/** Counts what the server sends for `$all` reads: what travels over the wire. */
function counting(client: KurrentClient): { client: KurrentClient; sent: () => number } {
  let sent = 0;
  const readAll: KurrentClient['readAll'] = (options) => {
    const inner = client.readAll(options);
    return (async function* () {
      for await (const resolved of inner) {
        sent += 1;
        yield resolved;
      }
    })() as ReturnType<KurrentClient['readAll']>;
  };
  return { client: { ...client, readAll } as KurrentClient, sent: () => sent };
}

describe('$all reads on KurrentDB', () => {
  it('are filtered on the server: a category read moves only that category over the wire', async () => {
    const server = new FakeKurrentServer();
    const writer = new EventStoreDbEventStore(server.client());
    for (let i = 0; i < 20; i += 1) await writer.appendToStream(`noise-${newId()}`, someEvents(10, 'Noise'));
    await writer.appendToStream(`noise-${newId()}`, someEvents(5, 'Noise', 'acme'), { tenantId: 'acme' });
    for (let i = 0; i < 3; i += 1) await writer.appendToStream(`lead-${newId()}`, [anEvent('LeadCaptured')]);
    const wire = counting(server.client());
    const reader = new EventStoreDbEventStore(wire.client, { readPageSize: 50 });
    const slice = await reader.readAll({ filter: { categories: ['lead'] } });
    // The three leads, and the head (the newest event, read backwards) for the checkpoint.
    expect(wire.sent()).toBe(3 + 1);
    expect(slice.events.map((e) => e.type)).toEqual(['LeadCaptured', 'LeadCaptured', 'LeadCaptured']);
    expect(slice.isEnd).toBe(true);
    expect(slice.checkpoint).toBe(await reader.headPosition());
    const tenant = await reader.readAll({ filter: { tenantId: 'acme' } });
    expect(tenant.events).toHaveLength(5);
    expect(server.all.length).toBeGreaterThan(200);
  });

  it('pages through a filtered read without losing or repeating an event', async () => {
    const server = new FakeKurrentServer();
    const store = new EventStoreDbEventStore(server.client(), { readPageSize: 4 });
    const written: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      await store.appendToStream(`noise-${newId()}`, someEvents(3, 'Noise'));
      const lead = anEvent('LeadCaptured');
      written.push(lead.metadata.eventId);
      await store.appendToStream(`lead-${newId()}`, [lead]);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const slice = await store.readAll({ after, maxCount: 5, filter: { categories: ['lead'] } });
      seen.push(...slice.events.map((e) => e.metadata.eventId));
      after = slice.checkpoint;
      if (slice.isEnd) break;
    }
    expect(seen).toEqual(written);
  });
});
