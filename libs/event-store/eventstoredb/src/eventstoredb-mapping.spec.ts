import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  WrongExpectedVersionError,
  type AllStreamRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { sealEvents, verifyChain, WrongExpectedRevisionError, type SealedEvent } from '@crm/shared/event-sourcing';
import { anEvent } from '@crm/shared/testing';
import { domainStreamRegex, escapeRegex, serverFilterFor } from './esdb-filters';
import { esdbEventId, readMetadata, toEventData, toRecordedEvent, tryToRecordedEvent, visibleEvent } from './event-mapping';
import { comparePositions, decodePosition, encodePosition, laterPosition } from './positions';
import { exactStateAfter, fromCurrentState, toStreamState, toWrongExpectedRevision } from './revisions';
import { SnapshotStreams } from './snapshot-streams';
import { decodeTenant, encodeTenant, StreamNames } from './stream-names';
import { FakeKurrentServer } from './testing/fake-kurrent-client';
import { toEsdbReadOptions } from './stream-reads';

/** What the server hands back for an event written from `data`, as the driver decodes it. */
function stored(sealed: SealedEvent, streamName: string, commit: bigint): AllStreamRecordedEvent {
  const written = toEventData(sealed);
  return {
    streamId: streamName,
    id: written.id,
    isJson: true,
    revision: BigInt(sealed.revision),
    type: written.type,
    created: new Date(0),
    data: JSON.parse(JSON.stringify(written.data)),
    metadata: JSON.parse(JSON.stringify(written.metadata)),
    position: { commit, prepare: commit },
  } as AllStreamRecordedEvent;
}

describe('stream names', () => {
  const names = new StreamNames();

  it('puts the category first so ESDB $ce- streams keep working, and maps back', () => {
    const name = names.stream('default', 'lead-42');
    expect(name).toBe('lead-default~42');
    expect(name.slice(0, name.indexOf('-'))).toBe('lead');
    expect(names.parse(name)).toEqual({ tenantId: 'default', streamId: 'lead-42' });
  });

  it('round-trips awkward tenants and ids', () => {
    const cases: Array<[string, string]> = [
      ['acme~corp', 'complaint-a-b~c'],
      ['100%-sure', 'lead-۱۲۳'],
      ['%7E', 'quote-x'],
      ['', 'settings'],
      ['t-1', 'account-'.concat('~'.repeat(3))],
    ];
    for (const [tenantId, streamId] of cases) {
      expect(names.parse(names.stream(tenantId, streamId))).toEqual({ tenantId, streamId });
    }
    expect(encodeTenant('a~b%c')).toBe('a%7Eb%25c');
    expect(decodeTenant('a%7Eb%25c')).toBe('a~b%c');
    expect(decodeTenant('a%41')).toBeUndefined();
  });

  it('refuses stream ids it could not map back or that would collide with system and internal streams', () => {
    for (const streamId of ['', 'lead-', '-42', '$ce-lead', 'crm~snapshot-x']) {
      expect(() => names.stream('default', streamId)).toThrow(/stream id/);
    }
  });

  it('does not claim system, internal, foreign or out-of-scope streams', () => {
    const scoped = new StreamNames('t1_');
    expect(scoped.stream('default', 'lead-1')).toBe('t1_lead-default~1');
    expect(scoped.parse('t1_lead-default~1')).toEqual({ tenantId: 'default', streamId: 'lead-1' });
    for (const name of [
      '$ce-lead',
      '$$lead-default~1',
      'order-123',
      'lead-default~1',
      't2_lead-default~1',
      scoped.snapshot('default', 'lead-1'),
      scoped.eventIndex('default', 'e1'),
    ]) {
      expect(scoped.parse(name)).toBeUndefined();
    }
    expect(() => new StreamNames('a-b')).toThrow(/prefix/);
    expect(() => new StreamNames('$x')).toThrow(/prefix/);
  });
});

describe('positions', () => {
  it('encodes ESDB positions as commit:prepare and decodes them exactly, beyond Number precision', () => {
    const position = { commit: 2n ** 63n - 1n, prepare: 9007199254740993n };
    expect(encodePosition(position)).toBe('9223372036854775807:9007199254740993');
    expect(decodePosition(encodePosition(position))).toEqual(position);
    expect(() => decodePosition('12')).toThrow(/commit:prepare/);
    expect(() => decodePosition('-1:0')).toThrow();
  });

  it('orders by commit, then prepare, as BigInt', () => {
    expect(comparePositions('9007199254740993:0', '9007199254740992:0')).toBe(1);
    expect(comparePositions('10:5', '10:7')).toBe(-1);
    expect(comparePositions('10:7', '10:7')).toBe(0);
    expect(comparePositions('9:100', '10:0')).toBe(-1);
    expect(laterPosition(undefined, '1:1')).toBe('1:1');
    expect(laterPosition('2:2', '1:1')).toBe('2:2');
  });
});

describe('expected revisions', () => {
  it('speaks the driver vocabulary', () => {
    expect(toStreamState('any')).toBe(ANY);
    expect(toStreamState('no_stream')).toBe(NO_STREAM);
    expect(toStreamState('stream_exists')).toBe(STREAM_EXISTS);
    expect(toStreamState(7)).toBe(7n);
    expect(exactStateAfter(undefined)).toBe(NO_STREAM);
    expect(exactStateAfter(3)).toBe(3n);
    expect(fromCurrentState(NO_STREAM)).toBe('no_stream');
    expect(fromCurrentState(41n)).toBe(41);
    // The v2 append protocol reports a deleted (-5) or tombstoned (-6) stream's state as a negative revision: no events.
    expect(fromCurrentState(-5n)).toBe('no_stream');
    expect(fromCurrentState(-6n)).toBe('no_stream');
  });

  it("turns the driver's conflict into ours, keeping what the caller expected", () => {
    const driverError = new WrongExpectedVersionError(undefined, { streamName: 'lead-default~1', expected: 3n, current: 5n });
    const error = toWrongExpectedRevision('lead-1', 'stream_exists', driverError);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ streamId: 'lead-1', expected: 'stream_exists', actual: 5 });
    const none = new WrongExpectedVersionError(undefined, { streamName: 'x', expected: 0n, current: NO_STREAM });
    expect(toWrongExpectedRevision('lead-1', 0, none).actual).toBe('no_stream');
  });

  it('maps stream read options', () => {
    expect(toEsdbReadOptions(undefined)).toEqual({ direction: FORWARDS, fromRevision: START });
    expect(toEsdbReadOptions({ direction: 'backwards', maxCount: 3 })).toEqual({ direction: BACKWARDS, fromRevision: END, maxCount: 3n });
    expect(toEsdbReadOptions({ fromRevision: 4990 })).toEqual({ direction: FORWARDS, fromRevision: 4990n });
  });
});

describe('server-side filters', () => {
  const names = new StreamNames();

  it('uses stream-name prefixes for categories, per tenant when asked', () => {
    expect(serverFilterFor(names, { categories: ['lead', 'complaint'] })).toMatchObject({
      filterOn: 'streamName',
      prefixes: ['lead-', 'complaint-'],
    });
    expect(serverFilterFor(new StreamNames('t1_'), { categories: ['lead'], tenantId: 'a~b' })).toMatchObject({
      prefixes: ['t1_lead-a%7Eb~'],
    });
  });

  it('uses event-type prefixes for types alone, and a domain-stream regex otherwise', () => {
    expect(serverFilterFor(names, { eventTypes: ['LeadCaptured'] })).toMatchObject({ filterOn: 'eventType', prefixes: ['LeadCaptured'] });
    expect(serverFilterFor(new StreamNames('t1_'), { eventTypes: ['LeadCaptured'] })).toMatchObject({
      filterOn: 'streamName',
      regex: domainStreamRegex(new StreamNames('t1_')),
    });
    expect(serverFilterFor(names, undefined)).toMatchObject({ filterOn: 'streamName', regex: domainStreamRegex(names) });
  });

  it('lets through domain streams of the scope and tenant only', () => {
    const scoped = new StreamNames('t.1_');
    const any = new RegExp(domainStreamRegex(scoped));
    const acme = new RegExp(domainStreamRegex(scoped, 'acme'));
    expect(any.test(scoped.stream('default', 'lead-1'))).toBe(true);
    expect(any.test(scoped.stream('acme', 'settings'))).toBe(true);
    expect(acme.test(scoped.stream('acme', 'lead-1'))).toBe(true);
    expect(acme.test(scoped.stream('acmeX', 'lead-1'))).toBe(false);
    for (const name of [
      '$ce-lead',
      '$stats-127.0.0.1:2113',
      'tx1_lead-default~1',
      scoped.snapshot('default', 'lead-1'),
      scoped.eventIndex('default', 'e'),
    ]) {
      expect(any.test(name)).toBe(false);
    }
    expect(escapeRegex('a.b*c')).toBe('a\\.b\\*c');
  });
});

describe('events', () => {
  const streamId = 'complaint-7';
  const names = new StreamNames('t1_');
  const sealed = sealEvents(streamId, 'default', undefined, [
    anEvent('ComplaintReceived', { text: 'شکایت' }),
    anEvent('ComplaintAcknowledged'),
  ]);
  const name = names.stream('default', streamId);

  it('writes the event id as the server id and the envelope as string-valued metadata, with the server correlation names', () => {
    const data = toEventData(sealed[0] as SealedEvent);
    const metadata = sealed[0]?.metadata;
    expect(data).toMatchObject({ id: metadata?.eventId, contentType: 'application/json', type: 'ComplaintReceived' });
    expect(data.metadata).toMatchObject({
      eventId: metadata?.eventId,
      $correlationId: metadata?.correlationId,
      $causationId: metadata?.causationId,
    });
    expect(Object.values(data.metadata as object).every((value) => typeof value === 'string')).toBe(true);
    expect(esdbEventId('not-a-uuid')).toBe(esdbEventId('not-a-uuid'));
    expect(esdbEventId('not-a-uuid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('reads events back with revision, position, envelope and an intact hash chain', () => {
    const read = sealed.map((event, i) => toRecordedEvent(stored(event, name, 100n + BigInt(i)), streamId));
    expect(read.map((e) => [e.revision, e.position])).toEqual([
      [0, '100:100'],
      [1, '101:101'],
    ]);
    expect(read[0]?.metadata).toEqual(sealed[0]?.metadata);
    expect(read[0]?.data).toEqual({ ...(sealed[0]?.data as object) });
    expect(verifyChain(read)).toMatchObject({ ok: true, checked: 2 });
  });

  it('shows in $all only our own events of the scope, mapped back to the port stream id', () => {
    const ours = stored(sealed[0] as SealedEvent, name, 5n);
    expect(visibleEvent({ event: ours }, names)).toMatchObject({ streamId, type: 'ComplaintReceived', position: '5:5' });
    expect(visibleEvent({ event: { ...ours, type: '$metadata' } as AllStreamRecordedEvent }, names)).toBeUndefined();
    expect(visibleEvent({ event: { ...ours, streamId: '$ce-t1_complaint' } as AllStreamRecordedEvent }, names)).toBeUndefined();
    expect(
      visibleEvent({ event: { ...ours, streamId: names.snapshot('default', streamId) } as AllStreamRecordedEvent }, names),
    ).toBeUndefined();
    expect(visibleEvent({ event: { ...ours, streamId: names.stream('acme', streamId) } as AllStreamRecordedEvent }, names)).toBeUndefined();
    expect(visibleEvent({ event: ours }, new StreamNames('t2_'))).toBeUndefined();
    expect(visibleEvent({}, names)).toBeUndefined();
  });

  it('recognises foreign events instead of inventing an envelope', () => {
    const ours = stored(sealed[0] as SealedEvent, name, 5n);
    expect(readMetadata({ eventId: 'x' })).toBeUndefined();
    expect(readMetadata(undefined)).toBeUndefined();
    expect(tryToRecordedEvent({ ...ours, metadata: { $correlationId: 'x' } } as AllStreamRecordedEvent, streamId)).toBeUndefined();
    expect(
      tryToRecordedEvent({ ...ours, isJson: false, data: new Uint8Array() } as unknown as AllStreamRecordedEvent, streamId),
    ).toBeUndefined();
    expect(() => toRecordedEvent({ ...ours, metadata: {} } as AllStreamRecordedEvent, streamId)).toThrow(/not written by this event store/);
    expect(() => toRecordedEvent({ ...ours, position: undefined } as unknown as AllStreamRecordedEvent, streamId)).toThrow(/22\.6/);
  });
});

describe('snapshot streams', () => {
  it('keeps one snapshot per stream: $maxCount is set with the first snapshot and again with every 64th, in case a setting was lost', async () => {
    const server = new FakeKurrentServer();
    const names = new StreamNames();
    const snapshots = new SnapshotStreams(server.client() as never, names, 1024 * 1024);
    for (let revision = 0; revision < 130; revision += 1) {
      await snapshots.write({ streamId: 'lead-1', tenantId: 'default', revision, version: 1, state: { revision } });
    }
    const metadataName = `$$${names.snapshot('default', 'lead-1')}`;
    const settings = server.all.filter((stored) => stored.streamId === metadataName);
    expect(settings.map((stored) => stored.data)).toEqual([{ maxCount: 1 }, { maxCount: 1 }, { maxCount: 1 }]);
    expect(await snapshots.read('lead-1', 'default')).toMatchObject({ revision: 129, state: { revision: 129 } });
  });
});
