import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { SALES_PERSONAL_FIELDS } from '@crm/sales/domain';
import { ANONYMOUS, CommandRecordedMeanwhileError, DEFAULT_TENANT, InMemoryEventStore } from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { newId, systemClock } from '@crm/shared/kernel';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import { InMemoryReadStore } from '@crm/shared/read-model';
import { anEvent } from '@crm/shared/testing';
import { DataSubjects, type ErasureStorage } from './data-subjects.service';
import { openPurgeList, openSealedList } from './erasure-purge';
import { dataSubjectStream } from '@crm/privacy/domain';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * An erasure whose process stops part-way (keys destroyed, no record yet) was indistinguishable from none: the access
 * report said `erasure: null`, nothing was logged, and pages the erasure had scrubbed stayed on disk until something
 * compacted the store (an outside privacy probe, kill -9 during an erasure). Its marker now says it.
 */
describe('an erasure stopped part-way', () => {
  const lead = { type: 'lead' as const, id: 'c3b7e0a2-5d1f-4c8e-9a6b-2f4d1e0c9b8a' };
  const context = (): CommandContext => {
    const commandId = newId();
    return { commandId, issuedCommandId: commandId, actor: ANONYMOUS, tenantId: DEFAULT_TENANT };
  };

  const FIELDS = { ...SALES_PERSONAL_FIELDS, ComplaintReceived: ['complainant.name', 'complainant.phone', 'description'] };
  const REFERENCES = { ComplaintReceived: ['complainant'] };

  async function world() {
    const keyStore = new InMemoryKeyStore();
    const kek = randomBytes(32);
    const keys = new DataKeys(keyStore, kek, { cacheMs: 300 });
    const inner = new InMemoryEventStore();
    const store = new PersonalDataEventStore(inner, keys, FIELDS, REFERENCES);
    await store.appendToStream(`lead-${lead.id}`, [
      anEvent('LeadCaptured', { leadId: lead.id, fullName: 'نسرین قاسمی', phone: '09127000016', matchKeys: ['phone:+989127000016'] }),
    ]);
    const executor = new CommandExecutor(store, systemClock);
    const compactions: string[] = [];
    /** A process of the installation, its stores compacted by `compact`. */
    const process = (compact: ErasureStorage['compact'] = async () => void compactions.push('compacted')) =>
      new DataSubjects(executor, new InMemoryReadStore(), { compact });
    /** Another process on the same stores, which looked at the phone before the erasure held it (its cache: a minute). */
    const elsewhere = new PersonalDataEventStore(inner, new DataKeys(keyStore, kek, { cacheMs: 60_000 }), FIELDS, REFERENCES);
    return { keyStore, keys, store, elsewhere, process, compactions };
  }

  const walkIn = (store: PersonalDataEventStore, id: string) =>
    store.appendToStream(`complaint-${id}`, [
      anEvent('ComplaintReceived', { complaintId: id, complainant: { name: 'ن. ق.', phone: '+989127000016' }, description: `قبض ${id}` }),
    ]);

  it('is named by the access report and at the next start, which compacts the stores; sent again, it finishes', async () => {
    const w = await world();
    // The process stops after the keys went and before the record (here: its last compaction never returns).
    const stopping = w.process(async () => {
      throw new Error('the process stopped here');
    });
    await expect(stopping.erase(lead, 'درخواست حذف', context())).rejects.toThrow('the process stopped here');
    // It held the person's phone (what someone not on file gives with it is refused meanwhile), and stopped before it
    // let go: a start leaves the hold while the erasure is unfinished; the erasure sent again lets it go.
    stopping.onApplicationShutdown();
    expect(await w.keyStore.refsStartingWith('erasing-point:')).toHaveLength(1);

    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const restarted = w.process();
    await restarted.onApplicationBootstrap();
    expect(warned.mock.calls.map(([message]) => String(message))).toEqual([expect.stringContaining(`lead ${lead.id} (tenant default)`)]);
    expect(w.compactions).toEqual(['compacted']);
    warned.mockRestore();
    const report = await restarted.access(lead, DEFAULT_TENANT);
    expect(report).toMatchObject({ erasure: null, erasureUnfinished: true });
    expect(JSON.stringify(report.records)).not.toContain('نسرین');
    expect(await w.keyStore.refsStartingWith('erasing-point:')).toHaveLength(1);

    await expect(restarted.erase(lead, 'درخواست حذف', context())).resolves.toMatchObject({ records: 1 });
    const after = await restarted.access(lead, DEFAULT_TENANT);
    expect(after.erasure).toMatchObject({ reason: 'درخواست حذف' });
    expect(after).not.toHaveProperty('erasureUnfinished');
    expect(await w.keyStore.refsStartingWith('erasure-pending-')).toEqual([]);
    // Let go a cache time (300 ms here) and commands in flight (500 ms) after the reply.
    expect(await w.keyStore.refsStartingWith('erasing-point:')).toHaveLength(1);
    await sleep(1_000);
    expect(await w.keyStore.refsStartingWith('erasing-point:')).toEqual([]);
    restarted.onApplicationShutdown();
  });

  it('sent again, takes what the stopped run listed and what was made with the person’s phone after its last listing', async () => {
    const w = await world();
    const [k0, k1, k2] = [newId(), newId(), newId()];
    await walkIn(w.elsewhere, k0);
    await walkIn(w.store, k1);
    // The run stops after its last listing; meanwhile the other process took one more with the phone (before it saw
    // the hold). The run sent again reads the lead's phone as erased: only the listings tie these to the person.
    const stopping = w.process(async () => {
      await walkIn(w.elsewhere, k2);
      throw new Error('the process stopped here');
    });
    await expect(stopping.erase(lead, 'درخواست حذف', context())).rejects.toThrow('the process stopped here');
    stopping.onApplicationShutdown();
    expect(JSON.stringify(await w.store.readStream(`complaint-${k2}`))).toContain(`قبض ${k2}`);
    const restarted = w.process();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await restarted.onApplicationBootstrap();
    jest.restoreAllMocks();
    // Unfinished, the person's access report lists what the stopped run listed (the lead's key gone, its phone no
    // longer ties k0 and k1 to them).
    const unfinished = await restarted.access(lead, DEFAULT_TENANT);
    expect(unfinished).toMatchObject({ erasure: null, erasureUnfinished: true });
    expect(unfinished.records.map((record) => record.streamId)).toEqual(expect.arrayContaining([`complaint-${k0}`, `complaint-${k1}`]));
    // Without the listings: 1 record (the lead), k2 in clear, and k0 and k1 erased with no erasure to show.
    await expect(restarted.erase(lead, 'درخواست حذف', context())).resolves.toMatchObject({ records: 4 });
    for (const id of [k0, k1, k2]) {
      expect(JSON.stringify(await w.store.readStream(`complaint-${id}`))).not.toContain(`قبض ${id}`);
      expect((await restarted.access({ type: 'complaint', id }, DEFAULT_TENANT)).erasure).not.toBeNull();
    }
    await expect(restarted.erase({ type: 'complaint', id: k1 }, 'دوباره', context())).rejects.toMatchObject({
      code: 'DATA_SUBJECT.ERASED',
    });
    // The values the stopped run gathered while the keys still opened them are in the purge list other processes
    // scrub their read models with (an outside probe found a projector's document with the person's name after such
    // a retry, whose purge list was empty: the lead's key had gone with the stopped run).
    const erasure = (await w.store.readStream(dataSubjectStream(lead), { tenantId: DEFAULT_TENANT })).find(
      (event) => event.type === 'DataSubjectErased',
    );
    expect(await openPurgeList(w.keys, erasure!)).toEqual(expect.arrayContaining(['نسرین قاسمی', `قبض ${k0}`]));
    // And the listings, like the purge list, open no more once the erasure is recorded.
    const listings = (await w.store.readStream(dataSubjectStream(lead), { tenantId: DEFAULT_TENANT })).filter(
      (event) => event.type === 'DataSubjectErasureListed',
    );
    expect(listings.length).toBeGreaterThan(0);
    const listingKey = { tenantId: DEFAULT_TENANT, subjectRef: `erasure-listing-${dataSubjectStream(lead)}` };
    for (const listing of listings) {
      const { points, values } = listing.data as { points: string; values: string };
      expect(await openSealedList(w.keys, listingKey, points)).toBeUndefined();
      expect(await openSealedList(w.keys, listingKey, values)).toBeUndefined();
    }
    restarted.onApplicationShutdown();
  });

  it('lets go at a start the contact points a process held when it stopped after its erasure, where none is unfinished', async () => {
    const w = await world();
    const one = w.process();
    await one.erase(lead, 'درخواست حذف', context());
    // Stopped within the 2 s before it lets go.
    one.onApplicationShutdown();
    expect(await w.keyStore.refsStartingWith('erasing-point:')).toHaveLength(1);
    const started = w.process();
    await started.onApplicationBootstrap();
    // Not at once: one that finished a moment ago lets its own go, a cache time after its reply.
    expect(await w.keyStore.refsStartingWith('erasing-point:')).toHaveLength(1);
    await sleep(1_000);
    expect(await w.keyStore.refsStartingWith('erasing-point:')).toEqual([]);
    started.onApplicationShutdown();
  });

  it('leaves no marker behind an erasure that finished, and a start after it says nothing', async () => {
    const w = await world();
    const one = w.process();
    await one.erase(lead, 'درخواست حذف', context());
    expect(await w.keyStore.refsStartingWith('erasure-pending-')).toEqual([]);
    expect(await one.access(lead, DEFAULT_TENANT)).not.toHaveProperty('erasureUnfinished');
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await w.process().onApplicationBootstrap();
    expect(warned).not.toHaveBeenCalled();
    warned.mockRestore();
    one.onApplicationShutdown();
  });

  it('answers a twin that passed its check before the first recorded: the first reply, or 409 ERASED for another request', async () => {
    const w = await world();
    const first = w.process();
    const keyed = context();
    await first.erase(lead, 'درخواست حذف', keyed);
    // The twin looked for an erasure just before the first recorded (found none), then met the marker let go.
    const twin = w.process() as unknown as { erasureOf: () => Promise<undefined>; eraseOnce: DataSubjects['erase'] };
    jest.spyOn(twin, 'erasureOf').mockResolvedValue(undefined);
    await expect(twin.eraseOnce(lead, 'درخواست حذف', keyed)).rejects.toBeInstanceOf(CommandRecordedMeanwhileError);
    await expect(twin.eraseOnce(lead, 'درخواست حذف', context())).rejects.toMatchObject({ code: 'DATA_SUBJECT.ERASED' });
    // A twin past the marker when the first recorded meets it at its listing (the listing's key gone, the stream
    // erased): the first reply too, not 409 (a review caught it answering DATA_SUBJECT.ERASED).
    const listing = twin as unknown as { recordListing: (...args: unknown[]) => Promise<void> };
    await expect(listing.recordListing(lead, [], [], [], keyed, { companyAccounts: [], names: [] })).rejects.toBeInstanceOf(
      CommandRecordedMeanwhileError,
    );
    await expect(listing.recordListing(lead, [], [], [], context(), { companyAccounts: [], names: [] })).rejects.toMatchObject({
      code: 'DATA_SUBJECT.ERASED',
    });
    first.onApplicationShutdown();
  });
});
