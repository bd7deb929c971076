import { randomBytes } from 'node:crypto';
import { demoHistory } from '@crm/demo-data';
import { foldInBatches } from '@crm/projections/testing';
import { InMemoryEventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import type { AnyProjection } from '@crm/shared/read-model';
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

  beforeAll(async () => {
    const inner = new InMemoryEventStore();
    const layer = new PersonalDataEventStore(inner, new DataKeys(new InMemoryKeyStore(), randomBytes(32)), ALL_PERSONAL_FIELDS);
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
});
