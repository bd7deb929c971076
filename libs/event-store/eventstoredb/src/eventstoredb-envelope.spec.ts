import { handleCommand, sealEvents, verifyChain, type Decider, type EventMetadata } from '@crm/shared/event-sourcing';
import { everyMetadataField } from '@crm/shared/testing';
import { readMetadata, toEventData } from './event-mapping';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { METADATA_CODECS } from './metadata-codec';
import { FakeKurrentServer } from './testing/fake-kurrent-client';

/** What each append path does to metadata on its way to the server and back. */
const viaAppendToStream = (metadata: unknown): unknown => JSON.parse(JSON.stringify(metadata));
const viaMultiStreamAppend = (metadata: unknown, type: string): unknown => {
  const values = Object.values(metadata as object);
  if (!values.every((value) => typeof value === 'string')) throw new Error('multiStreamAppend takes string values only');
  // The server adds its schema properties to what it stores.
  return { ...(metadata as object), '$schema.format': 'Json', '$schema.name': type };
};

describe('the envelope on KurrentDB', () => {
  const [sealed] = sealEvents('lead-1', 'default', undefined, [{ type: 'LeadQualified', data: { x: 1 }, metadata: everyMetadataField() }]);
  const full = sealed?.metadata as EventMetadata;

  it('has a codec for every field of EventMetadata and nothing else', () => {
    expect(Object.keys(METADATA_CODECS).sort()).toEqual([...Object.keys(everyMetadataField()), 'prevHash', 'hash'].sort());
    expect(Object.keys(full).sort()).toEqual(Object.keys(METADATA_CODECS).sort());
  });

  it.each([
    ['appendToStream', (m: unknown) => viaAppendToStream(m)],
    ['multiStreamAppend', (m: unknown) => viaMultiStreamAppend(m, 'LeadQualified')],
  ])('comes back identical through %s, every field included', (_path, store) => {
    const written = toEventData(sealed as never);
    expect(readMetadata(store(written.metadata))).toStrictEqual(full);
    const { commandType: _c, traceparent: _t, ...minimal } = full;
    const { onBehalfOf: _o, ...actor } = minimal.actor;
    const bare = { ...minimal, actor };
    expect(readMetadata(store(toEventData({ ...(sealed as never as object), metadata: bare } as never).metadata))).toStrictEqual(bare);
  });

  it('still reads metadata written before every value became a string', () => {
    const typed = { ...full, actor: full.actor, schemaVersion: full.schemaVersion, $correlationId: full.correlationId };
    expect(readMetadata(viaAppendToStream(typed))).toStrictEqual(full);
  });

  it('refuses metadata this adapter did not write rather than inventing an envelope', () => {
    const written = viaAppendToStream(toEventData(sealed as never).metadata) as Record<string, unknown>;
    expect(readMetadata({ ...written, schemaVersion: '1.5' })).toBeUndefined();
    expect(readMetadata({ ...written, actor: '{"id":1}' })).toBeUndefined();
    expect(readMetadata({ ...written, actor: 'not json' })).toBeUndefined();
    const { hash: _h, ...unhashed } = written;
    expect(readMetadata(unhashed)).toBeUndefined();
  });

  it('reads back what handleCommand wrote with an intact hash chain, on both append paths', async () => {
    type Add = { type: 'Add'; data: { n: number } };
    const decider: Decider<number, Add, Add> = { initialState: () => 0, decide: (c) => [c], evolve: (s, e) => s + e.data.n };
    for (const multiStreamAppend of [true, false]) {
      const store = new EventStoreDbEventStore(new FakeKurrentServer({ multiStreamAppend }).client());
      const actor = { id: 'svc', roles: ['sales'], onBehalfOf: 'user-1' };
      await handleCommand(store, decider, 'tally-1', { type: 'Add', data: { n: 1 } }, { actor });
      await handleCommand(store, decider, 'tally-1', { type: 'Add', data: { n: 2 } }, { actor });
      const read = await store.readStream('tally-1');
      expect(read.map((e) => [e.metadata.commandType, e.metadata.actor])).toEqual([
        ['Add', actor],
        ['Add', actor],
      ]);
      expect(verifyChain(read)).toMatchObject({ ok: true, checked: 2 });
      await store.close();
    }
  });
});
