import { InMemoryEventStore } from './in-memory-event-store';
import { UpcasterRegistry, withUpcasters } from './upcasting';
import { verifyChain } from './hash-chain';

const v1 = (name: string) => ({
  type: 'ContactCreated',
  data: { name },
  metadata: {
    eventId: `e-${name}`,
    commandId: `c-${name}`,
    correlationId: 'x',
    causationId: 'x',
    actor: { id: 'a', roles: [] },
    tenantId: 'default',
    occurredAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
  },
});

describe('upcasting on read', () => {
  const registry = new UpcasterRegistry([
    {
      eventType: 'ContactCreated',
      fromVersion: 1,
      upcast: (e) => ({ type: e.type, data: { fullName: (e.data as { name: string }).name } }),
    },
    {
      eventType: 'ContactCreated',
      fromVersion: 2,
      upcast: (e) => ({ type: e.type, data: { ...(e.data as object), preferredChannel: 'phone' } }),
    },
  ]);

  it('chains upcasters on streams, $all, subscriptions and findEvent, leaving the stored event untouched', async () => {
    const raw = new InMemoryEventStore();
    await raw.appendToStream('contact-1', [v1('زهرا')]);
    const store = withUpcasters(raw, registry);
    const expected = { fullName: 'زهرا', preferredChannel: 'phone' };
    const [read] = await store.readStream('contact-1');
    expect(read).toMatchObject({ data: expected, metadata: { schemaVersion: 3 } });
    expect((await store.readAll()).events[0]?.data).toEqual(expected);
    expect((await store.findEvent('e-زهرا'))?.data).toEqual(expected);
    const seen: unknown[] = [];
    const subscription = store.subscribeToAll((events) => void seen.push(...events.map((e) => e.data)));
    await subscription.caughtUp;
    await subscription.stop();
    expect(seen).toEqual([expected]);
    expect((await raw.readStream('contact-1'))[0]?.data).toEqual({ name: 'زهرا' });
    expect(verifyChain(await raw.readStream('contact-1')).ok).toBe(true);
  });

  it('refuses two upcasters for the same type and version', () => {
    expect(() => new UpcasterRegistry([registry['byKey'].get('ContactCreated@1')!, registry['byKey'].get('ContactCreated@1')!])).toThrow(
      /two upcasters/,
    );
  });
});
