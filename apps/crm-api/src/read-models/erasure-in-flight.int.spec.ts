import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '@crm/event-store/sqlite';
import { ProjectionRunner } from '@crm/projections/runtime';
import { openSqliteReadStore, type SqliteReadStore } from '@crm/read-store/sqlite';
import {
  openPurgeList,
  personalValuesOf,
  purgeListKey,
  personalReadModels,
  purgeErasedRecords,
  purgeQuiesced,
  sealPurgeList,
  type PurgeStep,
  watchErasures,
} from '@crm/privacy/application';
import type { EventStore, RecordedEvent, Subscription } from '@crm/shared/event-sourcing';
import { DataKeys, InMemoryKeyStore, PersonalDataEventStore } from '@crm/shared/personal-data';
import type { Projection, ReadStore, ReadStoreTransaction, TransactionOptions } from '@crm/shared/read-model';
import { anEvent, waitUntil } from '@crm/shared/testing';

/**
 * A projection batch that opened a record's events with its key before an erasure, and commits
 * after the erasure's purge, must leave no plaintext in the read-model file: the erasure waits
 * for it (the barrier on this process's runner, or the purge list other processes' runners use).
 */

const FIELDS = { LeadCaptured: ['fullName'], LeadRenamed: ['fullName'] };
const FIRST = 'سیمین دانشور';
const SECOND = 'سیمین دانشور نیک‌نام';
const TENANT = 'default';

interface LeadDoc {
  readonly fullName: string;
  readonly ownerId?: string;
}

/** Copies the lead's name into its document; an assignment keeps the rest of the document (what a cached copy would bring back). */
const leadNames: Projection<LeadDoc> = {
  name: 'lead-names',
  version: 1,
  collection: 'lead_names',
  eventTypes: ['LeadCaptured', 'LeadRenamed', 'LeadAssigned'],
  documentId: (event) => event.streamId,
  evolve: (doc, event) => {
    const data = event.data as { fullName?: string; ownerId?: string };
    if (event.type === 'LeadAssigned') return doc && { ...doc, ownerId: data.ownerId as string };
    return { ...(doc ?? {}), fullName: data.fullName as string };
  },
};

/** Holds the next transaction of the lead-names collection until released: a batch in flight. */
class Gate {
  armed = false;
  /** Which transaction is held once armed: by default the next one. */
  holds: (options: TransactionOptions | undefined) => boolean = () => true;
  private release: (() => void) | undefined;
  private entered: (() => void) | undefined;
  readonly reached = new Promise<void>((resolve) => (this.entered = resolve));
  private readonly open = new Promise<void>((resolve) => (this.release = resolve));

  wrap(store: ReadStore): ReadStore {
    return new Proxy(store, {
      get: (target, property, receiver) => {
        if (property === 'transaction')
          return async <T>(work: (tx: ReadStoreTransaction) => Promise<T> | T, options?: TransactionOptions) => {
            if (this.armed && this.holds(options)) {
              this.armed = false;
              this.entered?.();
              await this.open;
            }
            return target.transaction(work, options);
          };
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  pass(): void {
    this.release?.();
  }
}

interface World {
  readonly dir: string;
  readonly events: PersonalDataEventStore;
  readonly readStore: SqliteReadStore;
  close(): Promise<void>;
}

const keyStore = () => new InMemoryKeyStore();

async function world(keys: DataKeys): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'crm-erasure-in-flight-'));
  const events = new PersonalDataEventStore(openSqliteEventStore({ file: join(dir, 'crm.sqlite'), pollIntervalMs: 20 }), keys, FIELDS);
  const readStore = openSqliteReadStore({ file: join(dir, 'read-models.sqlite'), synchronous: 'NORMAL' });
  return {
    dir,
    events,
    readStore,
    async close() {
      await readStore.close();
      await events.inner.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function runnerOn(eventStore: EventStore, readStore: ReadStore): ProjectionRunner {
  return new ProjectionRunner({ eventStore, readStore, projections: [leadNames], ownership: { ttlMs: 5000 } });
}

/** Whether the read models' file (its WAL checkpointed into it and truncated first) holds the text. */
function fileHolds(readStore: SqliteReadStore, dir: string, text: string): boolean {
  readStore.db.pragma('wal_checkpoint(TRUNCATE)');
  const needle = Buffer.from(text, 'utf8');
  return ['read-models.sqlite', 'read-models.sqlite-wal'].some((name) => {
    const file = join(dir, name);
    return existsSync(file) && readFileSync(file).includes(needle);
  });
}

const docOf = async (runner: ProjectionRunner, readStore: ReadStore, id: string) =>
  (await readStore.get<LeadDoc>(runner.collectionOf('lead-names'), id))?.doc;

/** The erasure's values, read while the key still opens them, as the erasure service does. */
async function valuesOf(events: EventStore, streamId: string): Promise<string[]> {
  const out: string[] = [];
  for (const event of await events.readStream(streamId)) personalValuesOf(event as RecordedEvent, out);
  return out;
}

/** One of the erasing API's own passes over the read models (DataSubjects.erase). */
async function apiPass(events: EventStore, readStore: ReadStore, lead: string, values: readonly string[], step: PurgeStep) {
  return purgeErasedRecords(
    readStore,
    events,
    await personalReadModels(readStore, [leadNames]),
    { tenantId: TENANT, records: [lead], values },
    step,
  );
}

/**
 * A lead projected under its name, then renamed while the batch of the rename is held in flight
 * (opened with the key, not yet committed). Returns once the batch is held.
 */
async function leadWithBatchInFlight(events: EventStore, readStore: ReadStore, runner: ProjectionRunner, gate: Gate, lead: string) {
  await events.appendToStream(lead, [anEvent('LeadCaptured', { fullName: FIRST })]);
  await waitUntil(async () => (await docOf(runner, readStore, lead))?.fullName === FIRST, 'the lead to be projected');
  gate.armed = true;
  await events.appendToStream(lead, [anEvent('LeadRenamed', { fullName: SECOND })]);
  await gate.reached;
}

describe('an erasure while a projection batch is in flight (SQLite read-model file)', () => {
  let cleanup: (() => Promise<void>)[] = [];
  /** A runner on a fresh world whose next batch, a lead's second event, is held in flight at the gate. */
  async function runnerWithBatchInFlight() {
    const keys = new DataKeys(keyStore(), randomBytes(32));
    const { dir, events, readStore, close } = await world(keys);
    const gate = new Gate();
    const runner = runnerOn(events, gate.wrap(readStore));
    cleanup.push(close, () => runner.stop());
    await runner.start();
    const lead = `lead-${randomUUID()}`;
    await leadWithBatchInFlight(events, readStore, runner, gate, lead);
    return { keys, dir, events, readStore, gate, runner, lead };
  }

  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it('on this process: the barrier waits for the batch, then purges; a later event of the record brings nothing back', async () => {
    const { keys, dir, events, readStore, gate, runner, lead } = await runnerWithBatchInFlight();

    // The erasure: values, a first purge, the key destroyed, then the barrier (the batch is released meanwhile).
    const values = await valuesOf(events, lead);
    await apiPass(events, readStore, lead, values, 'scrub');
    await keys.destroy({ tenantId: TENANT, subjectRef: lead });
    const barrier = purgeQuiesced(runner, readStore, events, keys, { tenantId: TENANT, records: [lead], values });
    setTimeout(() => gate.pass(), 50);
    await barrier;

    // The record goes on after the erasure: its document is written again from what the store holds now.
    await events.appendToStream(lead, [anEvent('LeadAssigned', { ownerId: 'user-7' })]);
    await waitUntil(async () => (await docOf(runner, readStore, lead))?.ownerId === 'user-7', 'the assignment to be projected');
    expect(await docOf(runner, readStore, lead)).toEqual({ fullName: '[erased]', ownerId: 'user-7' });
    expect(fileHolds(readStore, dir, FIRST)).toBe(false);
  });

  it('without the barrier (purge, destroy, purge again), the same batch leaves the name in the file: what the barrier prevents', async () => {
    const { keys, dir, events, readStore, gate, runner, lead } = await runnerWithBatchInFlight();

    const values = await valuesOf(events, lead);
    await apiPass(events, readStore, lead, values, 'scrub');
    await keys.destroy({ tenantId: TENANT, subjectRef: lead });
    await apiPass(events, readStore, lead, values, 'refold');
    gate.pass();
    await waitUntil(async () => (await docOf(runner, readStore, lead))?.fullName === SECOND, 'the held batch to commit');
    expect(fileHolds(readStore, dir, FIRST)).toBe(true);
  });

  it.each([
    ['while the erasure’s purge list opens', false],
    ['after its purge window (the list shredded before the runner saw the erasure)', true],
  ])('in another process: its runner refolds what it wrote once it sees the erasure, %s', async (_when, shredded) => {
    const store = keyStore();
    const kek = randomBytes(32);
    // The API process erases; the projector process has its own key cache, connections and runner.
    const apiKeys = new DataKeys(store, kek);
    const api = await world(apiKeys);
    cleanup.push(api.close);
    const projectorKeys = new DataKeys(store, kek);
    const projectorEvents = new PersonalDataEventStore(
      openSqliteEventStore({ file: join(api.dir, 'crm.sqlite'), pollIntervalMs: 20 }),
      projectorKeys,
      FIELDS,
    );
    const projectorReadStore = openSqliteReadStore({ file: join(api.dir, 'read-models.sqlite'), synchronous: 'NORMAL' });
    const gate = new Gate();
    const runner = runnerOn(projectorEvents, gate.wrap(projectorReadStore));
    const seen: string[] = [];
    const watch: Subscription = await watchErasures({
      eventStore: projectorEvents,
      readStore: projectorReadStore,
      keys: projectorKeys,
      runner,
      log: (message) => seen.push(message),
    });
    cleanup.push(async () => {
      await watch.stop();
      await runner.stop();
      await projectorReadStore.close();
      await projectorEvents.inner.close();
    });
    await runner.start();
    const lead = `lead-${randomUUID()}`;
    await leadWithBatchInFlight(api.events, api.readStore, runner, gate, lead);

    // The API process erases with no runner of its own: purge, destroy, purge, then the record with the sealed purge list.
    const values = await valuesOf(api.events, lead);
    await apiPass(api.events, api.readStore, lead, values, 'scrub');
    await apiKeys.destroy({ tenantId: TENANT, subjectRef: lead });
    await apiPass(api.events, api.readStore, lead, values, 'refold');
    const erasure = `data-subject-${randomUUID()}`;
    const purge = await sealPurgeList(apiKeys, purgeListKey(TENANT, erasure), values);
    if (shredded) await apiKeys.destroy(purgeListKey(TENANT, erasure));
    await api.events.appendToStream(erasure, [anEvent('DataSubjectErased', { records: [lead], purge })]);
    // The projector's held batch commits only now, after every purge of the API process.
    gate.pass();

    await waitUntil(async () => seen.length > 0, 'the projector to see the erasure');
    expect(seen[0]).toMatch(
      shredded ? /refolded \(1 documents rewritten\); its purge list no longer opens/ : /projections here purged \(1 documents rewritten\)/,
    );
    expect(await docOf(runner, api.readStore, lead)).toEqual({ fullName: '[erased]' });
    expect(fileHolds(api.readStore, api.dir, FIRST)).toBe(false);
    expect(fileHolds(api.readStore, api.dir, SECOND)).toBe(false);

    // Once the window is over the list's key is destroyed: the list opens no more.
    await apiKeys.destroy(purgeListKey(TENANT, erasure));
    const [record] = await projectorEvents.readStream(erasure);
    expect(await openPurgeList(projectorKeys, record as RecordedEvent)).toBeUndefined();
  });

  it('a rebuild of one scan (crm-cli rebuild) pauses between pages for an erasure it sees in the log: its build keeps nothing', async () => {
    const keys = new DataKeys(keyStore(), randomBytes(32));
    const { dir, events, readStore, close } = await world(keys);
    cleanup.push(close);
    const lead = `lead-${randomUUID()}`;
    await events.appendToStream(lead, [anEvent('LeadCaptured', { fullName: FIRST })]);
    for (let i = 0; i < 20; i += 1) await events.appendToStream(`lead-${randomUUID()}`, [anEvent('LeadCaptured', { fullName: 'مهمان' })]);
    // Built and served before (by the API), as a store `crm-cli rebuild` is run on; then the API's runner is gone.
    const serving = runnerOn(events, readStore);
    await serving.start();
    await serving.waitFor('all', (await events.headPosition()) as string, 5000);
    await serving.stop();
    const gate = new Gate();
    // As `crm-cli rebuild` runs it: serving nothing, pages of a few events.
    const runner = new ProjectionRunner({
      eventStore: events,
      readStore: gate.wrap(readStore),
      projections: [leadNames],
      ownership: { ttlMs: 5000 },
      serve: false,
      rebuildBatchSize: 5,
    });
    const quiesce = runner.quiesce.bind(runner);
    let quiescing = (): void => undefined;
    const asked = new Promise<void>((resolve) => (quiescing = resolve));
    jest.spyOn(runner, 'quiesce').mockImplementation((work) => {
      quiescing();
      return quiesce(work);
    });
    const seen: string[] = [];
    const watch = await watchErasures({ eventStore: events, readStore, keys, runner, log: (message) => seen.push(message) });
    cleanup.push(async () => {
      await watch.stop();
      await runner.stop();
    });
    await runner.start();
    // The scan's first page (the lead's name, opened with its key) is held in flight: the second commit fenced by the
    // rebuild's lease (the first saves the build's state).
    let fenced = 0;
    gate.holds = (options) => options?.fence?.lease === 'lead-names~rebuild' && (fenced += 1) === 2;
    gate.armed = true;
    const rebuilt = runner.rebuildMany(['lead-names']);
    await gate.reached;

    // The API erases with no runner of its own, and records it; the held page commits only once the rebuild's
    // runner is asked to quiesce, so the name reaches the build after every pass of the API process.
    const values = await valuesOf(events, lead);
    await apiPass(events, readStore, lead, values, 'scrub');
    await keys.destroy({ tenantId: TENANT, subjectRef: lead });
    await apiPass(events, readStore, lead, values, 'refold');
    const erasure = `data-subject-${randomUUID()}`;
    const purge = await sealPurgeList(keys, purgeListKey(TENANT, erasure), values);
    await events.appendToStream(erasure, [anEvent('DataSubjectErased', { records: [lead], purge })]);
    await asked;
    gate.pass();

    const [result] = await rebuilt;
    await waitUntil(async () => seen.length > 0, 'the rebuild to see the erasure');
    expect(seen[0]).toMatch(/projections here purged \(1 documents rewritten\)/);
    expect((await readStore.get<LeadDoc>(result!.collection, lead))?.doc).toEqual({ fullName: '[erased]' });
    expect(fileHolds(readStore, dir, FIRST)).toBe(false);
  });
});
