import { randomBytes } from 'node:crypto';
import { demoHistory } from '@crm/demo-data';
import { foldInBatches } from '@crm/projections/testing';
import { InMemoryEventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import { purgeErasedRecords } from '@crm/privacy/application';
import { documentIdsOf, type AnyProjection } from '@crm/shared/read-model';
import { ALL_PERSONAL_FIELDS } from './personal-data';
import { ALL_PROJECTIONS } from './projection-registry';

/**
 * A projection that says `readsPersonalData: false` is handed the events as stored, personal fields sealed
 * (projections/runtime event-sources.ts). Folding the demo history both ways must then give it the same documents;
 * and a projection that does not say so must read some personal field (else it should say so, and spare the
 * decryption).
 */
describe('which projections read personal data', () => {
  let stored: RecordedEvent[];
  let opened: RecordedEvent[];
  let layer: PersonalDataEventStore;
  let keys: DataKeys;

  beforeAll(async () => {
    const inner = new InMemoryEventStore();
    keys = new DataKeys(new InMemoryKeyStore(), randomBytes(32));
    layer = new PersonalDataEventStore(inner, keys, ALL_PERSONAL_FIELDS);
    for (const append of demoHistory({ events: 6000, seed: 3 })) {
      await layer.appendToStream(append.streamId, append.events, { expectedRevision: append.expectedRevision });
    }
    stored = [...(await inner.readAll()).events];
    opened = [...(await layer.readAll()).events];
  }, 60_000);

  const documents = async (projection: AnyProjection, events: readonly RecordedEvent[]) =>
    (await foldInBatches([projection], events, 250)).find(projection.collection, {});

  it('seals what the domains call personal in the history folded (else the comparison proves nothing)', () => {
    const sealed = new Set(
      stored.filter((event, index) => JSON.stringify(event.data) !== JSON.stringify(opened[index]?.data)).map((event) => event.type),
    );
    for (const type of sealed) expect(ALL_PERSONAL_FIELDS[type]).toBeDefined();
    for (const type of [
      'LeadCaptured',
      'LeadQualified',
      'ContactCreated',
      'AccountOpened',
      'ComplaintReceived',
      'FeedbackSubmitted',
      'SurveyResponseRecorded',
    ]) {
      expect(sealed).toContain(type);
    }
  });

  it.each(
    ALL_PROJECTIONS.filter((projection) => projection.readsPersonalData === false).map((projection) => [projection.name, projection]),
  )('%s folds the events as stored into the documents it folds the opened ones into', async (_name, projection) => {
    const fromStored = await documents(projection, stored);
    expect(fromStored.length).toBeGreaterThan(0);
    expect(fromStored).toEqual(await documents(projection, opened));
  });

  it.each(
    ALL_PROJECTIONS.filter((projection) => projection.readsPersonalData !== false).map((projection) => [projection.name, projection]),
  )('%s reads a personal field: its documents differ when the fields are sealed', async (_name, projection) => {
    expect(await documents(projection, stored)).not.toEqual(await documents(projection, opened));
  });

  const readingPersonalData = ALL_PROJECTIONS.filter((projection) => projection.readsPersonalData !== false);

  it.each(readingPersonalData.map((projection) => [projection.name, projection]))(
    '%s keeps one document per record, named in its tenant: each event names one document, and each document is folded from one stream (what an erasure refolds)',
    (_name, projection) => {
      const streamOf = new Map<string, string>();
      for (const event of opened.filter((e) => projection.eventTypes.includes(e.type))) {
        const ids = documentIdsOf(projection, event);
        expect(ids.length).toBeLessThanOrEqual(1);
        for (const id of ids) {
          // Named in the event's tenant first: an erasure scrubs only its tenant's documents of other builds.
          expect(id.startsWith(`${event.metadata.tenantId}:`)).toBe(true);
          if (!streamOf.has(id)) streamOf.set(id, event.streamId);
          expect([id, streamOf.get(id)]).toEqual([id, event.streamId]);
        }
      }
      expect(streamOf.size).toBeGreaterThan(0);
    },
  );

  it('an erasure’s refold leaves the read models that read personal data as a rebuild from the log with the keys gone writes them', async () => {
    // Every fifth record with a sealed field, whatever its kind (leads, contacts, accounts, complaints, feedback, answers).
    const sealedStreams = [
      ...new Set(
        stored
          .filter((event, index) => JSON.stringify(event.data) !== JSON.stringify(opened[index]?.data))
          .map((e) => `${e.metadata.tenantId} ${e.streamId}`),
      ),
    ];
    const erased = sealedStreams.filter((_, index) => index % 5 === 0).map((key) => key.split(' ') as [string, string]);
    expect(new Set(erased.map(([, stream]) => stream.split('-')[0])).size).toBeGreaterThanOrEqual(5);
    const live = await foldInBatches(readingPersonalData, opened, 250);
    for (const [tenantId, subjectRef] of erased) await keys.destroy({ tenantId, subjectRef });
    const rebuilt = await foldInBatches(readingPersonalData, (await layer.readAll()).events, 250);
    const all = async (store: typeof live) =>
      Promise.all(readingPersonalData.map(async (projection) => [projection.name, await store.find(projection.collection, {})]));
    // Else the check below proves nothing.
    expect(await all(live)).not.toEqual(await all(rebuilt));
    const models = readingPersonalData.map((projection) => ({ projection, collection: projection.collection }));
    let rewritten = 0;
    for (const tenantId of new Set(erased.map(([tenant]) => tenant))) {
      const records = erased.filter(([tenant]) => tenant === tenantId).map(([, stream]) => stream);
      rewritten += await purgeErasedRecords(live, layer, models, { tenantId, records, values: [] }, 'refold');
    }
    expect(rewritten).toBeGreaterThan(0);
    expect(await all(live)).toEqual(await all(rebuilt));
  });
});
