import { randomBytes } from 'node:crypto';
import { InMemoryEventStore } from '@crm/shared/event-sourcing';
import { DataKeys, ERASED, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import { InMemoryReadStore } from '@crm/shared/read-model';
import { anEvent } from '@crm/shared/testing';
import { personalValuesOf, purgeReadModels } from './read-model-purge';

describe('the purge pass of an erasure', () => {
  it('takes exactly the values of sealed fields from an opened event, lists and nested fields included', async () => {
    const store = new PersonalDataEventStore(new InMemoryEventStore(), new DataKeys(new InMemoryKeyStore(), randomBytes(32)), {
      LeadCaptured: ['fullName', 'contact.email', 'matchKeys[]'],
    });
    await store.appendToStream('lead-1', [
      anEvent('LeadCaptured', {
        fullName: 'مریم احمدی',
        source: 'web',
        contact: { email: 'm@example.ir' },
        matchKeys: ['email:m@example.ir'],
      }),
    ]);
    const [event] = await store.readStream('lead-1');
    expect(personalValuesOf(event!).sort()).toEqual(['email:m@example.ir', 'm@example.ir', 'مریم احمدی'].sort());
  });

  it('replaces each occurrence in every projection collection, keeps everything else, and reports what it rewrote', async () => {
    const readStore = new InMemoryReadStore();
    await readStore.transaction((tx) => {
      tx.saveState({ name: 'audience', collection: 'audience_v1_1', checkpoint: '9' });
      tx.saveState({ name: 'complaints', collection: 'complaints_v1_1', checkpoint: '9' });
      tx.put('audience_v1_1', 'c1', { fullName: 'مریم احمدی', channel: 'sms', tags: ['vip', 'مریم احمدی (وفادار)'] }, '3');
      tx.put('audience_v1_1', 'c2', { fullName: 'علی رضایی', channel: 'sms' }, '4');
      tx.put('complaints_v1_1', 'k1', { steps: [{ text: 'شکایت مریم احمدی: کالا دیر رسید' }], severity: 'high' }, '5');
    });
    expect(await purgeReadModels(readStore, ['مریم احمدی', 'کالا دیر رسید', 'ab', ERASED])).toBe(2);
    // A value under three characters is blanked where it is the whole string only, not inside other words.
    await readStore.transaction((tx) => tx.put('audience_v1_1', 'c3', { fullName: 'لی', note: 'لیلا', tags: ['لی'] }, '6'));
    expect(await purgeReadModels(readStore, ['لی'])).toBe(1);
    expect((await readStore.get('audience_v1_1', 'c3'))?.doc).toEqual({ fullName: ERASED, note: 'لیلا', tags: [ERASED] });
    expect((await readStore.get('audience_v1_1', 'c1'))?.doc).toEqual({
      fullName: ERASED,
      channel: 'sms',
      tags: ['vip', `${ERASED} (وفادار)`],
    });
    expect((await readStore.get('audience_v1_1', 'c1'))?.position).toBe('3');
    expect((await readStore.get('audience_v1_1', 'c2'))?.doc).toEqual({ fullName: 'علی رضایی', channel: 'sms' });
    expect((await readStore.get('complaints_v1_1', 'k1'))?.doc).toEqual({
      steps: [{ text: `شکایت ${ERASED}: ${ERASED}` }],
      severity: 'high',
    });
  });

  it('leaves the read models of projections that read no personal data, and walks a large collection by id, never by offset', async () => {
    const readStore = new InMemoryReadStore();
    await readStore.transaction((tx) => {
      tx.saveState({ name: 'audience', collection: 'audience_v1_1', checkpoint: '9' });
      tx.saveState({ name: 'complaint-kpis', collection: 'kpis_v1_1', checkpoint: '9' });
      // 1,200 documents: three pages and a bit.
      for (let i = 0; i < 1200; i += 1) tx.put('audience_v1_1', `c${String(i).padStart(4, '0')}`, { fullName: 'مریم احمدی', n: i }, '3');
      // Another record's category that happens to read as the name: a rebuild keeps it, and so does the purge.
      tx.put('kpis_v1_1', 'by-category', { category: 'مریم احمدی', complaints: 4 }, '5');
    });
    const finds: Parameters<InMemoryReadStore['find']>[1][] = [];
    const find = readStore.find.bind(readStore);
    jest.spyOn(readStore, 'find').mockImplementation((collection, query) => {
      finds.push(query);
      return find(collection, query);
    });
    expect(await purgeReadModels(readStore, ['مریم احمدی'], { without: ['complaint-kpis'] })).toBe(1200);
    expect((await readStore.get('audience_v1_1', 'c1199'))?.doc).toEqual({ fullName: ERASED, n: 1199 });
    expect((await readStore.get('kpis_v1_1', 'by-category'))?.doc).toEqual({ category: 'مریم احمدی', complaints: 4 });
    expect(finds).toHaveLength(3);
    expect(finds.every((query) => query?.offset === undefined)).toBe(true);
    expect(finds.map((query) => query?.after?.id)).toEqual([undefined, 'c0499', 'c0999']);
    // Without the list, every projection's collection is gone through, as before.
    expect(await purgeReadModels(readStore, ['مریم احمدی'])).toBe(1);
    expect((await readStore.get('kpis_v1_1', 'by-category'))?.doc).toEqual({ category: ERASED, complaints: 4 });
  });
});
