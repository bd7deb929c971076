import { randomBytes } from 'node:crypto';
import { InMemoryEventStore, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { DataKeys, ERASED, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import { foldEvents, InMemoryReadStore, type AnyProjection, type Projection } from '@crm/shared/read-model';
import { anEvent } from '@crm/shared/testing';
import { personalReadModels, personalValuesOf, purgeErasedRecords } from './read-model-purge';

const TENANT = 'default';
const NAME = 'مریم احمدی';

interface LeadDoc {
  readonly fullName: string;
  readonly notes: readonly string[];
}

/** One document per lead (its stream): its sealed name, and notes in clear that may repeat it. */
const leads: Projection<LeadDoc> = {
  name: 'leads',
  version: 1,
  collection: 'leads',
  eventTypes: ['LeadCaptured', 'LeadRenamed', 'LeadNoted'],
  documentId: (event) => event.streamId,
  evolve(doc, event) {
    const data = event.data as { fullName?: string; note?: string };
    if (event.type === 'LeadCaptured') return { fullName: data.fullName as string, notes: [] };
    if (doc === null) return null;
    if (event.type === 'LeadRenamed') return { ...doc, fullName: data.fullName as string };
    return { ...doc, notes: [...doc.notes, data.note as string] };
  },
};

/** One document per owner, named by several leads' events: not one record's, so not refolded. */
const byOwner: Projection<{ readonly names: readonly string[] }> = {
  name: 'by-owner',
  version: 1,
  collection: 'by_owner',
  eventTypes: ['LeadCaptured'],
  documentId: (event) => `owner-${String((event.data as { ownerId: string }).ownerId)}`,
  evolve: (doc, event) => ({ names: [...(doc?.names ?? []), (event.data as { fullName: string }).fullName] }),
};

/** Reads no personal field: never purged. */
const counts: Projection<{ readonly leads: number }> = {
  name: 'counts',
  version: 1,
  collection: 'counts',
  eventTypes: ['LeadCaptured'],
  documentId: () => 'all',
  evolve: (doc) => ({ leads: (doc?.leads ?? 0) + 1 }),
  readsPersonalData: false,
};

const PROJECTIONS: readonly AnyProjection[] = [leads, byOwner, counts] as readonly AnyProjection[];

function world() {
  const keys = new DataKeys(new InMemoryKeyStore(), randomBytes(32));
  const events = new PersonalDataEventStore(new InMemoryEventStore(), keys, { LeadCaptured: ['fullName'], LeadRenamed: ['fullName'] });
  return { keys, events };
}

/** What a build of the projections from the log as it reads now writes, up to `upTo` events (a lane behind the head). */
async function build(events: EventStore, upTo = Number.POSITIVE_INFINITY): Promise<InMemoryReadStore> {
  const store = new InMemoryReadStore();
  const log = (await events.readAll()).events.slice(0, upTo) as RecordedEvent[];
  const compare = (a: string, b: string) => events.comparePositions(a, b);
  await store.transaction((tx) => {
    for (const projection of PROJECTIONS) {
      tx.saveState({ name: projection.name, collection: projection.collection, checkpoint: '0' });
      const folded = foldEvents(
        projection,
        new Map(),
        log.filter((event) => projection.eventTypes.includes(event.type)),
        compare,
      );
      for (const [id, record] of folded.changed) if (record) tx.put(projection.collection, id, record.doc, record.position);
    }
  });
  return store;
}

async function valuesOf(events: EventStore, streams: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const stream of streams) for (const event of await events.readStream(stream)) personalValuesOf(event, out);
  return out;
}

describe('the purge of an erasure', () => {
  it('takes exactly the values of sealed fields from an opened event, lists and nested fields included', async () => {
    const store = new PersonalDataEventStore(new InMemoryEventStore(), new DataKeys(new InMemoryKeyStore(), randomBytes(32)), {
      LeadCaptured: ['fullName', 'contact.email', 'matchKeys[]'],
    });
    await store.appendToStream('lead-1', [
      anEvent('LeadCaptured', { fullName: NAME, source: 'web', contact: { email: 'm@example.ir' }, matchKeys: ['email:m@example.ir'] }),
    ]);
    const [event] = await store.readStream('lead-1');
    expect(personalValuesOf(event!).sort()).toEqual(['email:m@example.ir', 'm@example.ir', NAME].sort());
  });

  it('scrubs only the erased records’ documents while the keys open them, then refolds them into what a rebuild writes', async () => {
    const { keys, events } = world();
    await events.appendToStream('lead-1', [
      anEvent('LeadCaptured', { fullName: NAME, ownerId: 'u1' }),
      anEvent('LeadNoted', { note: `${NAME} تماس گرفت` }),
    ]);
    // Another person with the same name, and the same owner: their data is not the erased person's.
    await events.appendToStream('lead-2', [anEvent('LeadCaptured', { fullName: NAME, ownerId: 'u1' })]);
    await events.appendToStream('lead-1', [anEvent('LeadRenamed', { fullName: 'مریم احمدی‌نژاد' })]);
    const live = await build(events);
    const models = await personalReadModels(live, PROJECTIONS);
    expect(models.map((model) => model.projection.name).sort()).toEqual(['by-owner', 'leads']);
    const erased = { tenantId: TENANT, records: ['lead-1'], values: await valuesOf(events, ['lead-1']) };

    // While the keys still open the record: its own document scrubbed, the other lead's left; the shared owner's too.
    expect(await purgeErasedRecords(live, events, models, erased, 'scrub')).toBe(2);
    expect((await live.get('leads', 'lead-1'))?.doc).toEqual({ fullName: `${ERASED}`, notes: [`${ERASED} تماس گرفت`] });
    expect((await live.get('leads', 'lead-2'))?.doc).toEqual({ fullName: NAME, notes: [] });
    expect((await live.get('by_owner', 'owner-u1'))?.doc).toEqual({ names: [ERASED, ERASED] });

    await keys.destroy({ tenantId: TENANT, subjectRef: 'lead-1' });
    // Refolded from the log: the note in clear comes back as a rebuild keeps it; the sealed name is ERASED. The
    // owner's document, folded from two records, cannot be refolded and stays scrubbed.
    await purgeErasedRecords(live, events, models, erased, 'refold');
    const rebuilt = await build(events);
    expect((await live.get('leads', 'lead-1'))?.doc).toEqual({ fullName: ERASED, notes: [`${NAME} تماس گرفت`] });
    expect(await live.find('leads', {})).toEqual(await rebuilt.find('leads', {}));
    expect(await live.find('counts', {})).toEqual(await rebuilt.find('counts', {}));
    expect((await rebuilt.get('by_owner', 'owner-u1'))?.doc).toEqual({ names: [ERASED, NAME] });
    expect((await live.get('by_owner', 'owner-u1'))?.doc).toEqual({ names: [ERASED, ERASED] });
    // Nothing left to do: a second refold rewrites nothing.
    expect(await purgeErasedRecords(live, events, models, erased, 'refold')).toBe(0);
  });

  it('after the keys are gone and with no values (a retry), refolds all the same; a lane behind the head is refolded up to where it stands', async () => {
    const { keys, events } = world();
    await events.appendToStream('lead-1', [anEvent('LeadCaptured', { fullName: NAME, ownerId: 'u1' })]);
    await events.appendToStream('lead-1', [anEvent('LeadRenamed', { fullName: 'مریم' })]);
    // The lane has folded only the capture.
    const live = await build(events, 1);
    await keys.destroy({ tenantId: TENANT, subjectRef: 'lead-1' });
    const models = await personalReadModels(live, [leads]);
    expect(await purgeErasedRecords(live, events, models, { tenantId: TENANT, records: ['lead-1'], values: [] }, 'refold')).toBe(1);
    const [captured] = await events.readStream('lead-1');
    expect(await live.get('leads', 'lead-1')).toEqual({ id: 'lead-1', doc: { fullName: ERASED, notes: [] }, position: captured!.position });
    expect(await live.get('leads', 'lead-1')).toEqual(await (await build(events, 1)).get('leads', 'lead-1'));
  });

  it('scrubs instead a document whose last change is not one of the record’s events', async () => {
    const { keys, events } = world();
    await events.appendToStream('lead-1', [anEvent('LeadCaptured', { fullName: NAME, ownerId: 'u1' })]);
    const live = await build(events);
    // Written by something else since (another build's position, say): refolding it could lose that.
    await live.transaction((tx) => tx.put('leads', 'lead-1', { fullName: NAME, notes: [`${NAME}؟`] }, '99'));
    const erased = { tenantId: TENANT, records: ['lead-1'], values: await valuesOf(events, ['lead-1']) };
    await keys.destroy({ tenantId: TENANT, subjectRef: 'lead-1' });
    expect(await purgeErasedRecords(live, events, await personalReadModels(live, [leads]), erased, 'refold')).toBe(1);
    expect(await live.get('leads', 'lead-1')).toEqual({ id: 'lead-1', doc: { fullName: ERASED, notes: [`${ERASED}؟`] }, position: '99' });
  });

  it('reads the records’ documents in pages of 500 (and again inside each page’s transaction)', async () => {
    const { keys, events } = world();
    const records = Array.from({ length: 1200 }, (_, i) => `lead-${String(i).padStart(4, '0')}`);
    for (const record of records) await events.appendToStream(record, [anEvent('LeadCaptured', { fullName: NAME, ownerId: record })]);
    const live = await build(events);
    for (const record of records) await keys.destroy({ tenantId: TENANT, subjectRef: record });
    const getMany = jest.spyOn(live, 'getMany');
    const rewritten = await purgeErasedRecords(
      live,
      events,
      await personalReadModels(live, [leads]),
      { tenantId: TENANT, records, values: [] },
      'refold',
    );
    expect(rewritten).toBe(1200);
    expect(getMany.mock.calls.map(([, ids]) => ids.length)).toEqual([500, 500, 500, 500, 200, 200]);
    expect(await live.find('leads', {})).toEqual(await (await build(events)).find('leads', {}));
  });

  it('goes through every build the store records: serving, being rebuilt, and replaced ones until they are dropped, scrubbed throughout', async () => {
    const { keys, events } = world();
    await events.appendToStream('lead-1', [anEvent('LeadCaptured', { fullName: NAME, ownerId: 'u1' })]);
    await events.appendToStream('lead-2', [anEvent('LeadCaptured', { fullName: 'علی', ownerId: 'u1' })]);
    const live = await build(events);
    await live.transaction((tx) => {
      tx.saveState({ name: 'leads~rebuild', collection: 'leads_v1_2', checkpoint: '1' });
      tx.saveState({ name: 'leads~retired', retired: [{ collection: 'leads_v0_1', dropAfter: '2026-12-05T14:00:00Z' }] });
      tx.saveState({ name: 'counts~retired', retired: [{ collection: 'counts_v0_1', dropAfter: '2026-12-05T14:00:00Z' }] });
      tx.put('leads_v1_2', 'lead-1', { fullName: NAME, notes: [] }, '1');
      // A replaced build of another version, under other ids: scrubbed wherever the text is, in the tenant's documents only.
      tx.put('leads_v0_1', `${TENANT}:old-1`, { name: NAME, notes: [`${NAME}!`] }, '1');
      tx.put('leads_v0_1', `${TENANT}:old-2`, { name: 'علی' }, '2');
      tx.put('leads_v0_1', 'acme:old-1', { name: NAME }, '3');
    });
    const models = await personalReadModels(live, PROJECTIONS);
    expect(models.map((model) => `${model.projection.name} ${model.collection}${model.otherBuild ? ' (other build)' : ''}`).sort()).toEqual(
      ['by-owner by_owner', 'leads leads', 'leads leads_v0_1 (other build)', 'leads leads_v1_2'],
    );
    const erased = { tenantId: TENANT, records: ['lead-1'], values: await valuesOf(events, ['lead-1']) };
    await keys.destroy({ tenantId: TENANT, subjectRef: 'lead-1' });
    await purgeErasedRecords(live, events, models, erased, 'refold');
    expect((await live.get('leads_v1_2', 'lead-1'))?.doc).toEqual({ fullName: ERASED, notes: [] });
    expect(await live.find('leads_v0_1', {})).toEqual([
      // Another tenant's namesake is none of this erasure's business.
      { id: 'acme:old-1', doc: { name: NAME }, position: '3' },
      { id: `${TENANT}:old-1`, doc: { name: ERASED, notes: [`${ERASED}!`] }, position: '1' },
      { id: `${TENANT}:old-2`, doc: { name: 'علی' }, position: '2' },
    ]);
  });

  it('leaves a document a lane changed after it was read: writing over it would lose the event the lane applied', async () => {
    const { keys, events } = world();
    await events.appendToStream('lead-1', [anEvent('LeadCaptured', { fullName: NAME, ownerId: 'u1' })]);
    await events.appendToStream('lead-2', [anEvent('LeadCaptured', { fullName: NAME, ownerId: 'u2' })]);
    const live = await build(events);
    await keys.destroy({ tenantId: TENANT, subjectRef: 'lead-1' });
    await keys.destroy({ tenantId: TENANT, subjectRef: 'lead-2' });
    // A lane commits a note on lead-2 between the purge's read and its transaction.
    const noted = await events.appendToStream('lead-2', [anEvent('LeadNoted', { note: 'تماس گرفت' })]);
    const transaction = live.transaction.bind(live);
    jest.spyOn(live, 'transaction').mockImplementationOnce(async (work, options) => {
      await transaction((tx) => tx.put('leads', 'lead-2', { fullName: ERASED, notes: ['تماس گرفت'] }, noted.position));
      return transaction(work, options);
    });
    const records = { tenantId: TENANT, records: ['lead-1', 'lead-2'], values: [] };
    expect(await purgeErasedRecords(live, events, await personalReadModels(live, [leads]), records, 'refold')).toBe(1);
    expect((await live.get('leads', 'lead-1'))?.doc).toEqual({ fullName: ERASED, notes: [] });
    expect(await live.get('leads', 'lead-2')).toEqual({
      id: 'lead-2',
      doc: { fullName: ERASED, notes: ['تماس گرفت'] },
      position: noted.position,
    });
  });

  it('refolds nothing of a projection that cannot route one of the records’ events: it scrubs them', async () => {
    const { keys, events } = world();
    await events.appendToStream('lead-1', [
      anEvent('LeadCaptured', { fullName: NAME, ownerId: 'u1' }),
      anEvent('LeadNoted', { note: `${NAME} تماس گرفت` }),
    ]);
    const live = await build(events);
    const erased = { tenantId: TENANT, records: ['lead-1'], values: await valuesOf(events, ['lead-1']) };
    await keys.destroy({ tenantId: TENANT, subjectRef: 'lead-1' });
    const picky: Projection<LeadDoc> = {
      ...leads,
      documentId: (event) => {
        if (event.type === 'LeadNoted') throw new Error('no route');
        return event.streamId;
      },
    };
    const models = [{ projection: picky as AnyProjection, collection: 'leads' }];
    expect(await purgeErasedRecords(live, events, models, erased, 'refold')).toBe(1);
    expect((await live.get('leads', 'lead-1'))?.doc).toEqual({ fullName: ERASED, notes: [`${ERASED} تماس گرفت`] });
  });
});
