import { randomBytes, randomUUID } from 'node:crypto';
import {
  ANONYMOUS,
  InMemoryEventStore,
  NO_OP_RECORDED,
  noOpRecordStream,
  verifyChain,
  type EventToAppend,
} from '@crm/shared/event-sourcing';
import {
  BlindIndex,
  DataKeys,
  ERASED,
  InMemoryKeyStore,
  isSealed,
  newDataKey,
  omitFields,
  openValue,
  PersonalDataEventStore,
  sealedSubject,
  sealValue,
  unwrapDataKey,
  wrapDataKey,
} from './index';

let counter = 0;
const aStream = (category: string) => `${category}-${randomUUID()}`;
function anEvent(type: string, data: Record<string, unknown>): EventToAppend {
  counter += 1;
  const commandId = randomUUID();
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      commandId,
      correlationId: commandId,
      causationId: commandId,
      actor: ANONYMOUS,
      tenantId: 'default',
      occurredAt: `2026-01-01T08:30:${String(counter % 60).padStart(2, '0')}.000Z`,
      schemaVersion: 1,
    },
  };
}

const ref = { tenantId: 'default', subjectRef: 'lead-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d' };
const FIELDS = {
  LeadCaptured: ['fullName', 'email', 'matchKeys[]'],
  LeadQualified: ['contact.fullName', 'contact.phone'],
};

function sealedStore(kek = randomBytes(32)) {
  const inner = new InMemoryEventStore();
  const keys = new DataKeys(new InMemoryKeyStore(), kek, { cacheMs: 0 });
  return { inner, keys, store: new PersonalDataEventStore(inner, keys, FIELDS) };
}

describe('sealing a value', () => {
  it('round-trips any JSON value under the subject key and names the subject', () => {
    const key = newDataKey();
    for (const value of ['مریم احمدی', '۰۹۱۲۱۲۳۴۵۶۷', 42, ['email:a@b.ir'], { nested: true }]) {
      const sealed = sealValue(key, ref, value);
      expect(sealed).toMatch(/^pd1:lead-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d:[A-Za-z0-9+/=]+$/);
      expect(sealedSubject(sealed)).toBe(ref.subjectRef);
      expect(openValue(key, ref.tenantId, sealed)).toEqual({ value });
    }
  });

  it('uses a fresh IV each time, and will not open under another key, tenant or tampered bytes', () => {
    const key = newDataKey();
    const a = sealValue(key, ref, 'مریم');
    expect(sealValue(key, ref, 'مریم')).not.toBe(a);
    expect(openValue(newDataKey(), ref.tenantId, a)).toBeUndefined();
    expect(openValue(key, 'acme', a)).toBeUndefined();
    const flipped = a.slice(0, -3) + (a.at(-3) === 'A' ? 'B' : 'A') + a.slice(-2);
    expect(openValue(key, ref.tenantId, flipped)).toBeUndefined();
  });

  it('wraps data keys under the KEK, bound to the subject', () => {
    const kek = randomBytes(32);
    const key = newDataKey();
    const wrapped = wrapDataKey(kek, ref, key);
    expect(unwrapDataKey(kek, ref, wrapped).equals(key)).toBe(true);
    expect(() => unwrapDataKey(randomBytes(32), ref, wrapped)).toThrow(/CRM_KEK/);
    expect(() => unwrapDataKey(kek, { ...ref, subjectRef: 'lead-other' }, wrapped)).toThrow();
  });
});

describe('DataKeys', () => {
  it('gives two processes racing to make a subject key the same key: the one the store kept', async () => {
    const kek = randomBytes(32);
    const store = new InMemoryKeyStore();
    const [one, two] = [new DataKeys(store, kek, { cacheMs: 60_000 }), new DataKeys(store, kek, { cacheMs: 60_000 })];
    const subject = { tenantId: 'default', subjectRef: `lead-${randomUUID()}` };
    // Both find no key and make one; the store keeps the first, and the loser takes it instead of its own.
    const [a, b] = await Promise.all([one.keyFor(subject), two.keyFor(subject)]);
    expect(a.equals(b)).toBe(true);
    const kept = await store.get(subject);
    expect(unwrapDataKey(kek, subject, kept as Buffer).equals(a)).toBe(true);
    // What one seals, the other opens; and each gives the same key again from its cache.
    expect(openValue(b, 'default', sealValue(a, subject, 'مریم'))).toEqual({ value: 'مریم' });
    expect((await one.keyFor(subject)).equals(a) && (await two.keyFor(subject)).equals(a)).toBe(true);
  });

  it('makes keys of 32 fresh bytes, none repeated', () => {
    const keys = Array.from({ length: 2000 }, () => newDataKey().toString('hex'));
    expect(new Set(keys).size).toBe(2000);
    expect(keys.every((key) => key.length === 64 && key !== '0'.repeat(64))).toBe(true);
  });

  it('takes keys and IVs from one pool of random bytes without sharing any, and keeps a key given out as it was', () => {
    const kek = randomBytes(32);
    const first = newDataKey();
    const kept = first.toString('hex');
    const ivs: string[] = [];
    const keys: string[] = [kept];
    // Thousands of draws of 32 and 12 bytes: the pool is refilled many times over.
    for (let i = 0; i < 1500; i += 1) {
      const key = newDataKey();
      keys.push(key.toString('hex'));
      ivs.push(wrapDataKey(kek, ref, key).subarray(0, 12).toString('hex'));
      const sealed = Buffer.from(sealValue(key, ref, i).split(':').at(-1) as string, 'base64');
      ivs.push(sealed.subarray(0, 12).toString('hex'));
    }
    expect(first.toString('hex')).toBe(kept);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(ivs).size).toBe(ivs.length);
    // No IV is a slice of a key handed out before or after it.
    const all = keys.join(' ');
    expect(ivs.filter((iv) => all.includes(iv))).toEqual([]);
  });
});

describe('PersonalDataEventStore', () => {
  it('stores declared fields sealed, reads them back opened, and the chain covers the ciphertext', async () => {
    const { inner, store } = sealedStore();
    const streamId = aStream('lead');
    await store.appendToStream(streamId, [
      anEvent('LeadCaptured', {
        fullName: 'مریم احمدی',
        email: 'maryam@example.ir',
        matchKeys: ['email:maryam@example.ir'],
        source: 'web',
      }),
    ]);
    const [raw] = await inner.readStream(streamId);
    const rawData = raw!.data as Record<string, unknown>;
    expect(isSealed(rawData['fullName'])).toBe(true);
    expect(isSealed(rawData['matchKeys'])).toBe(true);
    expect(rawData['source']).toBe('web');
    expect(JSON.stringify(raw)).not.toContain('maryam');
    const [opened] = await store.readStream(streamId);
    expect(opened!.data).toMatchObject({ fullName: 'مریم احمدی', email: 'maryam@example.ir', matchKeys: ['email:maryam@example.ir'] });
    expect(verifyChain(await inner.readStream(streamId)).ok).toBe(true);
    expect(verifyChain(await store.readStream(streamId)).ok).toBe(true);
  });

  it('seals nested fields of atomic multi-stream appends', async () => {
    const { inner, store } = sealedStore();
    const lead = aStream('lead');
    const other = aStream('contact');
    await store.appendToStreams([
      { streamId: lead, events: [anEvent('LeadQualified', { contact: { contactId: 'c1', fullName: 'Reza', phone: '0912' } })] },
      { streamId: other, events: [anEvent('Other', { fullName: 'not declared' })] },
    ]);
    const [raw] = await inner.readStream(lead);
    expect((raw!.data as { contact: Record<string, unknown> }).contact).toMatchObject({ contactId: 'c1' });
    expect(JSON.stringify(raw!.data)).not.toContain('Reza');
    expect(((await store.readStream(lead))[0]!.data as { contact: unknown }).contact).toEqual({
      contactId: 'c1',
      fullName: 'Reza',
      phone: '0912',
    });
  });

  it('reads an erased subject as markers, on every read path, and the chain still verifies', async () => {
    const { keys, store } = sealedStore();
    const streamId = aStream('lead');
    const event = anEvent('LeadCaptured', { fullName: 'مریم', email: 'm@example.ir', matchKeys: ['email:m@example.ir'] });
    await store.appendToStream(streamId, [event]);
    expect(await keys.destroy({ tenantId: 'default', subjectRef: streamId })).toBe(true);
    const [read] = await store.readStream(streamId);
    expect(read!.data).toMatchObject({ fullName: ERASED, email: ERASED, matchKeys: [] });
    expect(verifyChain([read!]).ok).toBe(true);
    expect((await store.readAll()).events[0]!.data).toMatchObject({ fullName: ERASED });
    expect((await store.findEvent(event.metadata.eventId))!.data).toMatchObject({ email: ERASED });
  });

  it("seals the request's fingerprint with the fields, opens it for retries, and loses it with the key", async () => {
    const { inner, keys, store } = sealedStore();
    const streamId = aStream('lead');
    const fingerprint = 'Qx3-kYk0h8n1t_4mFq2uK9sVdJpLwE7rTzUaBcDeFgH';
    const event = anEvent('LeadCaptured', { fullName: 'مریم', email: 'm@example.ir', matchKeys: [] });
    await store.appendToStream(streamId, [{ ...event, metadata: { ...event.metadata, requestFingerprint: fingerprint } }]);
    // Stored sealed: no test of a guessed body against it once the key is gone (a keyed hash of the body is the body).
    const [stored] = await inner.readStream(streamId);
    expect(isSealed(stored!.metadata.requestFingerprint)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(fingerprint);
    expect((await store.readStream(streamId))[0]!.metadata.requestFingerprint).toBe(fingerprint);
    expect((await store.findEvent(event.metadata.eventId))!.metadata.requestFingerprint).toBe(fingerprint);
    await keys.destroy({ tenantId: 'default', subjectRef: streamId });
    const [erased] = await store.readStream(streamId);
    expect(erased!.metadata).not.toHaveProperty('requestFingerprint');
    expect(verifyChain([erased!]).ok).toBe(true);
    // An append without personal data keeps its fingerprint as it came.
    const plain = anEvent('LeadDisqualified', { reason: 'no_budget' });
    await store.appendToStream(aStream('lead'), [{ ...plain, metadata: { ...plain.metadata, requestFingerprint: fingerprint } }]);
    expect((await store.findEvent(plain.metadata.eventId))!.metadata.requestFingerprint).toBe(fingerprint);
    // Every event of an append that seals anything has it sealed, those without personal fields too (each of a
    // command's events carries the fingerprint): under the first sealed record's key, and gone with it.
    const [person, other] = [aStream('lead'), aStream('opportunity')];
    const stamped = (e: EventToAppend) => ({ ...e, metadata: { ...e.metadata, requestFingerprint: fingerprint } });
    const captured = stamped(anEvent('LeadCaptured', { fullName: 'سارا', email: 's@example.ir', matchKeys: [] }));
    const noted = stamped(anEvent('LeadDisqualified', { reason: 'duplicate' }));
    const opened = stamped(anEvent('OpportunityOpened', { name: 'deal' }));
    await store.appendToStreams([
      { streamId: person, events: [captured, noted] },
      { streamId: other, events: [opened] },
    ]);
    expect(JSON.stringify((await inner.readAll()).events.slice(-3))).not.toContain(fingerprint);
    for (const e of [captured, noted, opened]) {
      expect((await store.findEvent(e.metadata.eventId))!.metadata.requestFingerprint).toBe(fingerprint);
    }
    await keys.destroy({ tenantId: 'default', subjectRef: person });
    for (const e of [captured, noted, opened]) {
      expect((await store.findEvent(e.metadata.eventId))!.metadata).not.toHaveProperty('requestFingerprint');
    }
  });

  it("seals a no-op's record fingerprint under the key of the record it names, drops it once that record is erased", async () => {
    const { inner, keys, store } = sealedStore();
    const fingerprint = 'Qx3-kYk0h8n1t_4mFq2uK9sVdJpLwE7rTzUaBcDeFgH';
    const lead = aStream('lead');
    await store.appendToStream(lead, [anEvent('LeadCaptured', { fullName: 'مریم', email: 'm@example.ir', matchKeys: [] })]);
    const noOp = (named: string) => {
      const event = anEvent(NO_OP_RECORDED, { streamId: named, revision: 0 });
      return { ...event, metadata: { ...event.metadata, requestFingerprint: fingerprint } };
    };
    // A lead update giving the lead's own phone changed nothing: its record tests that body, so it goes with the lead's key.
    const recorded = noOp(lead);
    await store.appendToStream(noOpRecordStream(recorded.metadata.commandId), [recorded]);
    const [stored] = await inner.readStream(noOpRecordStream(recorded.metadata.commandId));
    expect(isSealed(stored!.metadata.requestFingerprint)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(fingerprint);
    expect((await store.findEvent(recorded.metadata.eventId))!.metadata.requestFingerprint).toBe(fingerprint);
    await keys.destroy({ tenantId: 'default', subjectRef: lead });
    expect((await store.findEvent(recorded.metadata.eventId))!.metadata).not.toHaveProperty('requestFingerprint');
    // Recorded after the erasure: no fingerprint at all; about a record that never held personal data: as it came.
    const late = noOp(lead);
    await store.appendToStream(noOpRecordStream(late.metadata.commandId), [late]);
    expect(JSON.stringify(await inner.readStream(noOpRecordStream(late.metadata.commandId)))).not.toContain(fingerprint);
    const plain = noOp(aStream('account'));
    await store.appendToStream(noOpRecordStream(plain.metadata.commandId), [plain]);
    expect((await store.findEvent(plain.metadata.eventId))!.metadata.requestFingerprint).toBe(fingerprint);
  });

  it('refuses new personal data for an erased subject, and records its changes that carry none', async () => {
    const { inner, keys, store } = sealedStore();
    const streamId = aStream('lead');
    await store.appendToStream(streamId, [anEvent('LeadCaptured', { fullName: 'مریم', email: 'm@example.ir' })]);
    await keys.destroy({ tenantId: 'default', subjectRef: streamId });
    await expect(store.appendToStream(streamId, [anEvent('LeadCaptured', { fullName: 'مریم' })])).rejects.toMatchObject({
      code: 'PERSONAL_DATA.ERASED',
    });
    // A type that may carry personal fields, here with none given: no key is needed, and it is recorded.
    await store.appendToStream(streamId, [anEvent('LeadQualified', { contact: { contactId: 'c-1' } })]);
    await store.appendToStream(streamId, [anEvent('LeadNoted', { note: 'no personal field declared' })]);
    expect((await inner.readStream(streamId)).map((event) => event.type)).toEqual(['LeadCaptured', 'LeadQualified', 'LeadNoted']);
    // No key was made again: the first event still reads erased.
    expect((await store.readStream(streamId))[0]?.data).toMatchObject({ fullName: ERASED });
  });

  it('refuses personal data about an erased person, or one whose erasure has raised its fence, in any record', async () => {
    const keyStore = new InMemoryKeyStore();
    const kek = randomBytes(32);
    const inner = new InMemoryEventStore();
    const references = { InteractionLogged: ['regarding'], ComplaintReceived: ['complainant'] };
    const fields = { ...FIELDS, InteractionLogged: ['summary'], ComplaintReceived: ['description'] };
    const keys = new DataKeys(keyStore, kek, { cacheMs: 0 });
    const store = new PersonalDataEventStore(inner, keys, fields, references);
    const contact = aStream('contact');
    const fenced = aStream('lead');
    const kept = aStream('contact');
    await keys.destroy({ tenantId: 'default', subjectRef: contact });
    await keys.fence({ tenantId: 'default', subjectRef: fenced });
    const about = (target: string) => ({ type: target.slice(0, target.indexOf('-')), id: target.slice(target.indexOf('-') + 1) });
    const log = (target: string, summary?: string) =>
      store.appendToStream(aStream('interaction'), [anEvent('InteractionLogged', { regarding: about(target), summary })]);
    await expect(log(contact, 'تماس با مریم')).rejects.toMatchObject({ code: 'PERSONAL_DATA.ERASED', details: { about: contact } });
    await expect(log(fenced, 'تماس با مریم')).rejects.toMatchObject({ code: 'PERSONAL_DATA.ERASED', details: { about: fenced } });
    const complaint = aStream('complaint');
    await expect(
      store.appendToStream(complaint, [
        anEvent('ComplaintReceived', { complainant: { contactId: contact.slice('contact-'.length) }, description: 'شکایت' }),
      ]),
    ).rejects.toMatchObject({ code: 'PERSONAL_DATA.ERASED' });
    // Nothing of those was appended, and no key was made for them.
    expect((await inner.readAll({ maxCount: 100 })).events).toEqual([]);
    // About a person not erased: sealed as ever. Without personal data about the erased one: recorded.
    await log(kept, 'تماس با علی');
    await log(contact);
    expect((await inner.readAll({ maxCount: 100 })).events.map((event) => event.data)).toEqual([
      { regarding: about(kept), summary: expect.stringMatching(/^pd1:interaction-/) },
      { regarding: about(contact) },
    ]);
  });

  it('sees a fence raised by another process once its cache of the person lapses', async () => {
    let now = 0;
    const keyStore = new InMemoryKeyStore();
    const kek = randomBytes(32);
    const references = { InteractionLogged: ['regarding'] };
    const here = new DataKeys(keyStore, kek, { cacheMs: 2000, now: () => now });
    const store = new PersonalDataEventStore(new InMemoryEventStore(), here, { InteractionLogged: ['summary'] }, references);
    const elsewhere = new DataKeys(keyStore, kek, { cacheMs: 2000, now: () => now });
    const contactId = randomUUID();
    const log = () =>
      store.appendToStream(aStream('interaction'), [
        anEvent('InteractionLogged', { regarding: { type: 'contact', id: contactId }, summary: 'تماس' }),
      ]);
    await log();
    await elsewhere.fence({ tenantId: 'default', subjectRef: `contact-${contactId}` });
    now += 1999;
    await log(); // what this process saw of the person is still fresh: why an erasure lists their records again later
    now += 2;
    await expect(log()).rejects.toMatchObject({ code: 'PERSONAL_DATA.ERASED' });
  });

  it('refuses what someone not on file makes with an email or phone an erasure holds, in every process, until it lets go', async () => {
    let now = 0;
    const keyStore = new InMemoryKeyStore();
    const kek = randomBytes(32);
    const references = { ComplaintReceived: ['complainant'], FeedbackSubmitted: ['from'] };
    const fields = {
      ComplaintReceived: ['complainant.name', 'complainant.phone', 'complainant.email', 'description'],
      FeedbackSubmitted: ['from.name', 'from.email', 'text'],
    };
    const here = new DataKeys(keyStore, kek, { cacheMs: 2000, now: () => now });
    const inner = new InMemoryEventStore();
    const store = new PersonalDataEventStore(inner, here, fields, references);
    const erasing = new DataKeys(keyStore, kek, { cacheMs: 2000, now: () => now });
    const complaint = (complainant: object) =>
      store.appendToStream(aStream('complaint'), [anEvent('ComplaintReceived', { complainant, description: 'شکایت' })]);
    const feedback = (from: object) => store.appendToStream(aStream('feedback'), [anEvent('FeedbackSubmitted', { from, text: 'نظر' })]);
    await complaint({ name: 'سارا', phone: '+989121234567' }); // seen as not held, for the cache time
    await erasing.holdContactPoints('default', ['phone:+989121234567', 'email:sara@example.com']);
    // Named by a keyed hash of the point, never by the point.
    const held = await keyStore.refsStartingWith('erasing-point:');
    expect(held).toHaveLength(2);
    expect(JSON.stringify(held)).not.toMatch(/9121234567|sara/);
    now += 2001;
    await expect(complaint({ name: 'س. ک.', phone: '+989121234567' })).rejects.toMatchObject({ code: 'PERSONAL_DATA.ERASED' });
    await expect(feedback({ name: 'سارا', email: 'sara@example.com' })).rejects.toMatchObject({ code: 'PERSONAL_DATA.ERASED' });
    // Another phone, a party on file, no phone: taken.
    await complaint({ name: 'سارا', phone: '+989127654321' });
    await complaint({ contactId: randomUUID() });
    await complaint({ name: 'سارا' });
    await erasing.releaseContactPoints('default', ['phone:+989121234567', 'email:sara@example.com']);
    expect(await keyStore.refsStartingWith('erasing-point:')).toEqual([]);
    await expect(complaint({ name: 'سارا', phone: '+989121234567' })).rejects.toMatchObject({ code: 'PERSONAL_DATA.ERASED' }); // cached
    now += 2001;
    await complaint({ name: 'سارا', phone: '+989121234567' });
    await feedback({ name: 'سارا', email: 'sara@example.com' });
    expect((await inner.readAll({ maxCount: 100 })).events).toHaveLength(6);
  });

  it('seals snapshots whole; an erased stream has none', async () => {
    const { inner, keys, store } = sealedStore();
    const snapshot = { streamId: 'activity-1', tenantId: 'default', revision: 3, version: 1, state: { subject: 'تماس با مریم' } };
    await store.writeSnapshot(snapshot);
    expect(isSealed((await inner.readSnapshot('activity-1'))!.state)).toBe(true);
    expect(await store.readSnapshot('activity-1')).toEqual(snapshot);
    await keys.destroy({ tenantId: 'default', subjectRef: 'activity-1' });
    expect(await store.readSnapshot('activity-1')).toBeUndefined();
  });
});

describe('omitFields', () => {
  it('leaves out the fields named, nested and lists too, and an object left empty; the original stays as it was', () => {
    const data = { complainant: { name: 'مریم', contactId: 'c1' }, owner: { name: 'x' }, actions: ['a'], channel: 'phone' };
    expect(omitFields(data, ['complainant.name', 'owner.name', 'actions[]', 'missing.field'])).toEqual({
      complainant: { contactId: 'c1' },
      channel: 'phone',
    });
    expect(data.complainant.name).toBe('مریم');
    expect(omitFields('text', ['x'])).toBe('text');
  });
});

describe('BlindIndex', () => {
  it('is keyed: the same value matches under one secret and not under another', () => {
    const secret = randomBytes(32);
    const index = new BlindIndex(secret);
    expect(index.of('phone:+989121234567')).toBe(new BlindIndex(secret).of('phone:+989121234567'));
    expect(index.of('phone:+989121234567')).not.toBe(new BlindIndex(randomBytes(32)).of('phone:+989121234567'));
    expect(index.of('phone:+989121234567')).not.toContain('989121234567');
  });
});
