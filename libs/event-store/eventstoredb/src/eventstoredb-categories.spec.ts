import { streamCategory } from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import { serverFilterFor } from './esdb-filters';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { decodeCategory, encodeCategory, StreamNames } from './stream-names';
import { FakeKurrentServer, passes } from './testing/fake-kurrent-client';
import { anEvent } from '@crm/shared/testing';

/**
 * Every category the domain writes (the `streamIdOf(...)` calls of the
 * application libraries, plus the lead dedupe keys), with a few that share a
 * first word with them on purpose.
 */
const DOMAIN_CATEGORIES = [
  'lead',
  'lead-key',
  'contact',
  'account',
  'opportunity',
  'quote',
  'marketing-list',
  'campaign',
  'activity',
  'interaction',
  'complaint',
  'feedback',
  'survey-response',
];
const NEIGHBOURS = ['marketing', 'survey', 'lead-key-extra', 'a%2Db', 'a-b'];

/** The category KurrentDB's $by_category projection gives a stream: the text before its first '-'. */
const serverCategory = (name: string) => name.slice(0, name.indexOf('-'));

describe('categories on KurrentDB', () => {
  const names = new StreamNames();
  const categories = [...DOMAIN_CATEGORIES, ...NEIGHBOURS];
  const streams = categories.map((category) => ({ category, streamId: `${category}-${newId()}` }));

  it('gives every domain category a server category of its own, and maps every stream back', () => {
    const seen = new Map<string, string>();
    for (const { category, streamId } of streams) {
      expect(streamCategory(streamId)).toBe(category);
      const name = names.stream('default', streamId);
      const server = serverCategory(name);
      expect(decodeCategory(server)).toBe(category);
      expect(seen.get(server) ?? category).toBe(category);
      seen.set(server, category);
      expect(names.parse(name)).toEqual({ tenantId: 'default', streamId });
    }
    expect(serverCategory(names.stream('default', `marketing-list-${newId()}`))).toBe('marketing%2Dlist');
    expect(serverCategory(names.stream('default', `lead-key-${newId()}`))).not.toBe('lead');
    expect(encodeCategory('a%2Db')).toBe('a%252Db');
  });

  it("lets a category's server-side prefix filter through exactly that category's streams", () => {
    for (const { category } of streams) {
      const filter = serverFilterFor(names, { categories: [category] });
      const through = streams.filter(({ streamId }) => passes(filter, { streamId: names.stream('default', streamId), type: 'E' } as never));
      expect(through.map((s) => s.category)).toEqual([category]);
    }
  });

  it('reads a dashed category by category, filtered on the server', async () => {
    const store = new EventStoreDbEventStore(new FakeKurrentServer().client());
    for (const { category, streamId } of streams) await store.appendToStream(streamId, [anEvent(category)]);
    for (const category of categories) {
      expect((await store.readAll({ filter: { categories: [category] } })).events.map((e) => e.type)).toEqual([category]);
    }
    await store.close();
  });
});
