import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  checkExpectedRevision,
  CommandRecordedMeanwhileError,
  DomainError,
  eventIdFor,
  everyEvent,
  loadWithRevision,
  streamCategory,
  type RecordedEvent,
} from '@crm/shared/event-sourcing';
import { CommandExecutor, READ_STORE, type CommandContext } from '@crm/shared/http';
import { derivedId, newId } from '@crm/shared/kernel';
import {
  CONTACT_POINT_HOLD_PREFIX,
  PERSONAL_DATA_REFUSALS,
  personalDataLayer,
  type PersonalDataEventStore,
  type SubjectKeyRef,
} from '@crm/shared/personal-data';
import type { AnyProjection, ReadStore } from '@crm/shared/read-model';
import {
  DATA_SUBJECT_REFUSALS,
  dataSubjectDecider,
  dataSubjectStream,
  RECORD_SUBJECT_TYPES,
  type DataSubject,
  type DataSubjectErased,
  type DataSubjectErasureListed,
} from '@crm/privacy/domain';
import { erasureOrder, findPersonRecords, type EarlierListing, type PersonRecords } from './person-records';
import { ERASURE_BARRIER, openSealedList, PURGE_LIST_PREFIX, purgeListKey, sealPurgeList, type ErasureBarrier } from './erasure-purge';
import { personalReadModels, personalValuesOf, purgeErasedRecords, type ErasedRecords, type PurgeStep } from './read-model-purge';

/** What the storage does after an erasure so freed pages keep nothing (SQLite: truncate the WAL). */
export interface ErasureStorage {
  compact(): Promise<void>;
}
export const ERASURE_STORAGE = Symbol('ErasureStorage');

export interface ErasureSettings {
  /**
   * How long an erasure's purge list stays openable (its key kept) for projection runners in
   * other processes to purge what they wrote meanwhile (CRM_ERASURE_PURGE_WINDOW_MS).
   */
  readonly purgeWindowMs: number;
  /**
   * Every projection the read store may hold builds of: the erasure's own purge passes go through the builds of
   * those that read personal data (`personalReadModels`); without it they purge nothing here (the runner's barrier
   * and other processes' runners still do, with their own projections).
   */
  readonly projections?: readonly AnyProjection[];
}
export const ERASURE_SETTINGS = Symbol('ErasureSettings');
const DEFAULT_PURGE_WINDOW_MS = 60_000;
/**
 * How long past every process's view of an erasure's fence a command that looked before it was raised may still be
 * committing: the erasure lists the person's records a last time after that (docs/personal-data.md, "The fence").
 */
const IN_FLIGHT_MS = 500;

/**
 * What the marker of an erasure under way is kept as: a key of its own (`erasure-pending-<type>/<id>`), made before
 * the fence goes up and destroyed once the erasure is recorded. One still held with no erasure recorded is an erasure
 * whose process stopped part-way (keys destroyed, perhaps, and no record): a start says so and compacts the stores
 * (pages the stopped erasure had scrubbed may still hold the values), the access report says so, and the erasure sent
 * again finishes it. Before, nothing told it apart from no erasure at all (an outside privacy probe).
 */
const PENDING_PREFIX = 'erasure-pending-';
const pendingRef = (tenantId: string, subject: DataSubject) => ({ tenantId, subjectRef: `${PENDING_PREFIX}${subject.type}/${subject.id}` });
/** The key an erasure under way seals the person's emails and phones under in its listings (`recordListing`): it goes with the marker. */
const listingRef = (tenantId: string, subject: DataSubject): SubjectKeyRef => ({
  tenantId,
  subjectRef: `erasure-listing-${dataSubjectStream(subject)}`,
});

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** The reason access gives for a record erased with another person's records (their own reason is theirs). */
const ERASED_WITH_ANOTHER = 'erased with the records of a person with the same email or phone';

/** An erasure as the person's or record's erasure check finds it. */
interface Erasure {
  readonly erasedAt: string;
  readonly reason: string;
  /** The records whose keys it destroyed. */
  readonly records: readonly string[];
  /** Another person's erasure that took the record named with it (`erasureListing`). */
  readonly ofAnother?: true;
}

export interface ErasureReply {
  readonly erasedAt: string;
  readonly position: string | undefined;
  /** How many records lost their keys. */
  readonly records: number;
}

const CONTEXTS: Readonly<Record<string, string>> = {
  lead: 'sales',
  contact: 'sales',
  account: 'sales',
  opportunity: 'sales',
  quote: 'sales',
  complaint: 'service',
  feedback: 'service',
  'survey-response': 'service',
  activity: 'activities',
  interaction: 'activities',
  campaign: 'marketing',
  'marketing-list': 'marketing',
};

export interface AccessEvent {
  readonly type: string;
  readonly revision: number;
  readonly occurredAt: string;
  readonly data: unknown;
}

export interface AccessRecord {
  readonly streamId: string;
  readonly context: string;
  /** `owned`: the person's own record or one they made; `mention`: a shared record's events naming them. */
  readonly kind: 'owned' | 'mention';
  readonly events: readonly AccessEvent[];
}

export interface AccessReport {
  readonly subject: DataSubject;
  readonly identities: readonly DataSubject[];
  readonly erasure: { readonly erasedAt: string; readonly reason: string } | null;
  /** An erasure of the person was started and not recorded (its process stopped part-way): send it again. */
  readonly erasureUnfinished?: true;
  readonly records: readonly AccessRecord[];
}

const accessEvent = (event: RecordedEvent): AccessEvent => ({
  type: event.type,
  revision: event.revision,
  occurredAt: event.metadata.occurredAt,
  data: event.data,
});

/** Right of access and erasure (API.md "Personal data"). */
@Injectable()
export class DataSubjects implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DataSubjects');
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly executor: CommandExecutor,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Optional() @Inject(ERASURE_STORAGE) private readonly storage?: ErasureStorage,
    @Optional() @Inject(ERASURE_BARRIER) private readonly barrier?: ErasureBarrier,
    @Optional() @Inject(ERASURE_SETTINGS) private readonly settings?: ErasureSettings,
  ) {}

  private get purgeWindowMs(): number {
    return this.settings?.purgeWindowMs ?? DEFAULT_PURGE_WINDOW_MS;
  }

  /**
   * Purge lists left by a process that stopped before their window was over are shredded when it is. Erasures left
   * unfinished by a process that stopped part-way are named, and the stores compacted.
   */
  async onApplicationBootstrap(): Promise<void> {
    const layer = personalDataLayer(this.executor.store);
    if (!layer) return;
    await this.reportUnfinishedErasures(layer);
    // Found from the purge-list keys still held (one per erasure within its window, or left by a process that died),
    // each with its erasure's stream, not by reading the log for erasures: a start costs the same at a million events
    // as at a thousand (it read the whole log: 0.7–1.0 s of statements at 1M on SQLite). A key whose erasure is not recorded (one being
    // made now by another process, or one whose command failed) is left alone, as before.
    for (const ref of await layer.keys.store.refsStartingWith(PURGE_LIST_PREFIX)) {
      const events = await this.executor.store.readStream(ref.subjectRef.slice(PURGE_LIST_PREFIX.length), { tenantId: ref.tenantId });
      const erasure = events.find(
        (event) => event.type === 'DataSubjectErased' && typeof (event.data as { purge?: unknown }).purge === 'string',
      );
      if (erasure !== undefined) this.shredLater(ref, Date.parse(erasure.metadata.occurredAt) + this.purgeWindowMs - Date.now());
    }
  }

  /** An erasure recorded: its under-way marker goes, and the key its listings sealed the person's emails and phones under. */
  private async finished(layer: PersonalDataEventStore, tenantId: string, subject: DataSubject): Promise<void> {
    await layer.keys.destroy(listingRef(tenantId, subject));
    await layer.keys.destroy(pendingRef(tenantId, subject));
  }

  private async reportUnfinishedErasures(layer: PersonalDataEventStore): Promise<void> {
    let unfinished = 0;
    for (const ref of await layer.keys.store.refsStartingWith(PENDING_PREFIX)) {
      const [type = '', id = ''] = ref.subjectRef.slice(PENDING_PREFIX.length).split('/');
      const subject = { type, id } as DataSubject;
      const events = await this.executor.store.readStream(dataSubjectStream(subject), { tenantId: ref.tenantId });
      // Recorded, and its process stopped before it let the marker go.
      if (events.some((event) => event.type === 'DataSubjectErased')) await this.finished(layer, ref.tenantId, subject);
      else {
        unfinished += 1;
        this.logger.warn(
          `The erasure of ${type} ${id} (tenant ${ref.tenantId}) was started and not recorded (its process stopped part-way, or ` +
            'another process is making it now; its listing still opens the values it gathered): send POST /data-subjects/erase ' +
            'for that person again to finish it',
        );
      }
    }
    // Pages the stopped erasure had scrubbed (the WAL, freed pages) are written over.
    if (unfinished > 0) await this.storage?.compact();
    await this.releaseStaleHolds(layer);
  }

  /**
   * Contact points held by erasures whose process stopped part-way (`DataKeys.holdContactPoints`), in tenants where no
   * erasure is unfinished any more. Listed before the unfinished erasures are: an erasure marks itself unfinished
   * before it holds anything, so one starting meanwhile is seen, or its holds are not on the list.
   */
  private async releaseStaleHolds(layer: PersonalDataEventStore): Promise<void> {
    const holds = await layer.keys.store.refsStartingWith(CONTACT_POINT_HOLD_PREFIX);
    if (holds.length === 0) return;
    // Not at once: an erasure that finished just now (in this process or another) lets its holds go itself, a cache time
    // after its reply; only those still held past that are stale.
    this.later(async () => {
      const busy = new Set((await layer.keys.store.refsStartingWith(PENDING_PREFIX)).map((ref) => ref.tenantId));
      for (const ref of holds) if (!busy.has(ref.tenantId)) await layer.keys.store.discard(ref);
    }, layer.keys.cacheMs + IN_FLIGHT_MS);
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private shredLater(ref: { tenantId: string; subjectRef: string }, delayMs: number): void {
    this.later(() => this.layer.keys.destroy(ref), delayMs, `could not destroy ${ref.subjectRef}`);
  }

  /** Work after `delayMs`, dropped at shutdown (a start finishes it: `onApplicationBootstrap`). */
  private later(work: () => Promise<unknown>, delayMs: number, failure = 'could not release held contact points'): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        work().catch((error: unknown) => this.logger.error(`${failure}: ${String(error)}`));
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    this.timers.add(timer);
  }

  private get layer(): PersonalDataEventStore {
    const layer = personalDataLayer(this.executor.store);
    if (!layer) throw new Error('erasure needs the personal-data layer around the event store');
    return layer;
  }

  /**
   * Crypto-shredding, in an order a retry can finish: find the person's
   * records and their values; scrub those values from the records' documents
   * in the read models; destroy the records' keys; have the projections run
   * here stop, forget the keys and refold the records' documents (the
   * barrier), refold them in every build again; then
   * record the erasure with its purge list sealed under a key of its own, for
   * other processes' runners, and shred that key after the purge window. A
   * crash before the record leaves the person erasable again, and the retry
   * does it all over.
   */
  erase(subject: DataSubject, reason: string, context: CommandContext): Promise<ErasureReply> {
    // A retry (same Idempotency-Key) gets the first reply, also one sent at the same moment as the first (a twin that
    // recorded while this one worked); the same key with another request is refused (422).
    return this.executor.handleAtomic(
      'EraseDataSubject',
      dataSubjectStream(subject),
      context,
      () => this.eraseOnce(subject, reason, context),
      () => this.firstReply(subject, reason, context),
    );
  }

  /** The reply of an erasure recorded under this request's command id: its own moment, position and records. */
  private async firstReply(subject: DataSubject, reason: string, context: CommandContext): Promise<ErasureReply> {
    const now = this.executor.now();
    const stream = dataSubjectStream(subject);
    const first = await this.executor.execute(
      dataSubjectDecider,
      stream,
      eraseCommand(subject, reason, [], now.toISOString()),
      context,
      now,
    );
    const recorded = first.events.find((event) => event.type === 'DataSubjectErased')?.data as DataSubjectErased['data'] | undefined;
    return { erasedAt: recorded?.erasedAt ?? now.toISOString(), position: first.position, records: recorded?.records.length ?? 0 };
  }

  private async eraseOnce(subject: DataSubject, reason: string, context: CommandContext): Promise<ErasureReply> {
    const { tenantId } = context;
    const now = this.executor.now();
    // Refusals that need nothing else first: a blank reason.
    dataSubjectDecider.decide(eraseCommand(subject, reason, [], now.toISOString()), dataSubjectDecider.initialState());
    // If-Match, checked now, before anything is destroyed: the erasure's own listings move its stream's revision later.
    if (context.expectedRevision !== undefined) {
      const stream = dataSubjectStream(subject);
      checkExpectedRevision(stream, context.expectedRevision, await this.executor.store.streamRevision(stream, { tenantId }));
    }
    let records = await findPersonRecords(this.executor.store, tenantId, subject);
    if (!records) throw new DomainError(DATA_SUBJECT_REFUSALS.NOT_FOUND, `No ${subject.type} ${subject.id}`, { subject });
    // Erased as the lead or as the contact it became: the same person, erased once.
    const erased = await this.erasureOf(records.identities, tenantId);
    if (erased) throw new DomainError(DATA_SUBJECT_REFUSALS.ERASED, 'Already erased', { erasedAt: erased.erasedAt });
    // Marked under way before anything is destroyed, until it is recorded (PENDING_PREFIX).
    const pending = pendingRef(tenantId, subject);
    // Sent again after its process stopped part-way: what that process held may be left (`releaseStaleHolds`).
    const resumed = await this.layer.keys.store.has(pending);
    await this.layer.keys.keyFor(pending).catch(async (error: unknown) => {
      // The marker was let go (its tombstone refuses a new one): an erasure of this identity was recorded since the
      // check above, by a twin of this request (same Idempotency-Key: its reply is this one's) or by another.
      if (!(error instanceof DomainError) || error.code !== PERSONAL_DATA_REFUSALS.ERASED.code) throw error;
      return this.erasedMeanwhile(subject, context);
    });
    // Sent again after its process stopped part-way: what that run listed (its keys, the person's among them, may be
    // gone, and with them what tied those records to the person) is where this one starts.
    // Under any of the person's identities: the erasure stopped part-way may have been asked for as their contact.
    const before = await this.listedBeforeAny(records.identities, tenantId);
    if (before) records = (await findPersonRecords(this.executor.store, tenantId, subject, before)) ?? records;
    // The fence first: from now on no process seals new personal data about the person (a call logged about them, a
    // complaint they file), so what is theirs is on the lists below or is refused (PERSONAL_DATA.ERASED).
    for (const who of records.identities) await this.layer.keys.fence({ tenantId, subjectRef: `${who.type}-${who.id}` });
    // And around their emails and phones until the erasure is recorded: a complaint phoned in with one of them by
    // someone not on file (theirs, as dedupe takes it) is refused meanwhile, so none is made after the last listing.
    await this.layer.keys.holdContactPoints(tenantId, records.contactKeys);
    try {
      return await this.eraseFenced(subject, reason, context, records, now, resumed, [...(before?.values ?? [])]);
    } catch (error) {
      // Erased all the same (a twin, or under another identity of the person, recorded first): nothing is left
      // unfinished, and the key this run sealed its listings under goes with its marker.
      if (await this.erasureOf(records.identities, tenantId).catch(() => undefined)) {
        await this.finished(this.layer, tenantId, subject).catch(() => false);
      }
      throw error;
    } finally {
      // Let go once the reply is out: a complaint with their phone that answers 201 before the erasure does would be
      // made after its last listing, and read in clear afterwards (CI caught one, 2 ms before the reply). Kept while
      // the erasure is unfinished (its marker still held: it failed part-way), until it is sent again and finishes: a
      // retry may no longer read the person's emails and phones to hold them again.
      if (!(await this.layer.keys.store.has(pending).catch(() => true))) {
        this.later(() => this.layer.keys.releaseContactPoints(tenantId, records.contactKeys), this.layer.keys.cacheMs);
      }
    }
  }

  /**
   * What this run is about to destroy the keys of, recorded before it does (DataSubjectErasureListed): the records, by
   * stream, and the person's emails and phones sealed under the key of the erasure's under-way marker (gone once the
   * erasure is recorded). A run sent again after this one stopped part-way starts from it (`listedBefore`): by then
   * the keys of the person and of what was found by their phone may be gone, and nothing would tie those records to
   * them (an outside probe: 158 complaints phoned in during an erasure killed part-way stayed in clear after a retry).
   */
  private async recordListing(
    subject: DataSubject,
    records: readonly string[],
    points: readonly string[],
    values: readonly string[],
    context: CommandContext,
    { companyAccounts: companies, names }: Pick<PersonRecords, 'companyAccounts' | 'names'>,
  ): Promise<void> {
    const now = this.executor.now();
    const commandId = newId();
    const listing: CommandContext = {
      ...context,
      commandId,
      issuedCommandId: commandId,
      causationId: context.commandId,
      correlationId: context.correlationId ?? context.commandId,
      fingerprint: undefined,
      expectedRevision: undefined,
    };
    try {
      const seal = (list: readonly string[]) => sealPurgeList(this.layer.keys, listingRef(context.tenantId, subject), list);
      const data = {
        subject,
        records,
        points: await seal(points),
        values: await seal(values),
        listedAt: now.toISOString(),
        ...(companies.length === 0 ? {} : { companies }),
        names: await seal(names),
      };
      const command = { type: 'RecordErasureListing', data } as const;
      await this.executor.execute(dataSubjectDecider, dataSubjectStream(subject), command, listing, now);
    } catch (error) {
      // The listing's key went, or the stream is erased: an erasure of this person was recorded meanwhile, by a twin of
      // this request (same Idempotency-Key: its reply is this one's) or by another.
      const erased = [PERSONAL_DATA_REFUSALS.ERASED.code, DATA_SUBJECT_REFUSALS.ERASED.code];
      if (!(error instanceof DomainError) || !erased.includes(error.code)) throw error;
      await this.erasedMeanwhile(subject, context);
    }
  }

  /**
   * An erasure of the person recorded while this one ran: by a twin of this request (same Idempotency-Key), whose
   * reply is this one's (`CommandRecordedMeanwhileError`), or by another request (409 DATA_SUBJECT.ERASED).
   */
  private async erasedMeanwhile(subject: DataSubject, context: CommandContext): Promise<never> {
    if (await this.executor.store.findEvent(eventIdFor(context.commandId, 0), { tenantId: context.tenantId })) {
      throw new CommandRecordedMeanwhileError(context.commandId);
    }
    throw new DomainError(DATA_SUBJECT_REFUSALS.ERASED, 'Already erased', { subject });
  }

  /** What earlier runs of an erasure of any of these identities listed (`listedBefore`), merged. */
  private async listedBeforeAny(identities: readonly DataSubject[], tenantId: string): Promise<EarlierListing | undefined> {
    const found = (await Promise.all(identities.map((who) => this.listedBefore(who, tenantId)))).filter((l) => l !== undefined);
    if (found.length === 0) return undefined;
    return {
      values: new Set(found.flatMap((listing) => [...listing.values])),
      contactKeys: [...new Set(found.flatMap((listing) => listing.contactKeys))],
      owned: [...new Set(found.flatMap((listing) => listing.owned))],
      companyAccounts: [...new Set(found.flatMap((listing) => listing.companyAccounts ?? []))],
      // Every listing's names, unless one was recorded before names were kept: then every value counts as a name.
      ...(found.every((listing) => listing.names !== undefined)
        ? { names: new Set(found.flatMap((listing) => [...(listing.names ?? [])])) }
        : {}),
    };
  }

  /** What earlier runs of this erasure listed (`recordListing`), while its under-way marker's key still opens them. */
  private async listedBefore(subject: DataSubject, tenantId: string): Promise<EarlierListing | undefined> {
    const owned = new Set<string>();
    const contactKeys = new Set<string>();
    const values = new Set<string>();
    const companies = new Set<string>();
    let names: Set<string> | undefined = new Set<string>();
    const open = async (sealed: string) => (await openSealedList(this.layer.keys, listingRef(tenantId, subject), sealed)) ?? [];
    for (const event of await this.executor.store.readStream(dataSubjectStream(subject), { tenantId })) {
      if (event.type !== 'DataSubjectErasureListed') continue;
      const listed = event.data as DataSubjectErasureListed['data'];
      for (const record of listed.records) owned.add(record);
      for (const account of listed.companies ?? []) companies.add(account);
      if (listed.names === undefined) names = undefined;
      else if (names !== undefined) for (const name of await open(listed.names)) names.add(name);
      for (const point of await open(listed.points)) contactKeys.add(point);
      for (const value of await open(listed.values)) values.add(value);
    }
    if (owned.size === 0) return undefined;
    return { values, contactKeys: [...contactKeys], owned: [...owned], companyAccounts: [...companies], ...(names ? { names } : {}) };
  }

  /** The erasure from its fence on (`eraseOnce`). */
  private async eraseFenced(
    subject: DataSubject,
    reason: string,
    context: CommandContext,
    records: PersonRecords,
    now: Date,
    resumed: boolean,
    /** The values an earlier run of this erasure gathered before it stopped part-way (their keys may be gone now). */
    values: string[],
  ): Promise<ErasureReply> {
    const { tenantId } = context;
    const stream = dataSubjectStream(subject);
    const command = (listed: readonly string[], purge?: string) => eraseCommand(subject, reason, listed, now.toISOString(), purge);
    const fencedEverywhere = Date.now() + this.layer.keys.cacheMs + IN_FLIGHT_MS;
    const listing = (owned: readonly string[]) => (gathered: readonly string[]) =>
      this.recordListing(subject, owned, records.contactKeys, gathered, context, records);
    let forgottenEverywhere = await this.shred(tenantId, records, values, stream, listing(records.owned));
    // Replies only after every cache has let the keys go: no process answers with the person's data afterwards.
    await sleepUntil(Math.max(forgottenEverywhere, fencedEverywhere));
    // What was recorded about them while the fence went up (a command in another process that looked before it was
    // raised): listed again, once every process sees the fence, and shredded as the rest.
    const again = await findPersonRecords(this.executor.store, tenantId, subject, {
      values: new Set(values),
      contactKeys: records.contactKeys,
      owned: records.owned,
      companyAccounts: records.companyAccounts,
      names: new Set(records.names),
    });
    const late = (again?.owned ?? []).filter((streamId) => !records.owned.includes(streamId));
    if (late.length > 0) {
      const lateRecords = { identities: [], owned: late, mentions: [], contactKeys: [], companyAccounts: [], names: [] };
      forgottenEverywhere = await this.shred(tenantId, lateRecords, values, stream, listing(late));
      await sleepUntil(forgottenEverywhere);
    }
    const owned = [...records.owned, ...late];
    // Every build, also those no runner of this process writes (run by another process, or by none now): the records'
    // documents folded again from the log as it reads now, as a rebuild writes them.
    await this.purge({ tenantId, records: owned, values }, 'refold');
    await this.storage?.compact();
    // Other processes' runners purge their own writes when they see the record, with this list.
    const purgeRef = purgeListKey(tenantId, stream);
    const purge = await sealPurgeList(this.layer.keys, purgeRef, values);
    let position: string;
    try {
      position = await this.record(records.identities, subject, command(owned, purge), context, now);
    } catch (error) {
      // Not recorded (another erasure of the same person recorded first under another of their identities, or the store
      // refused): no process will look for this purge list, and the values it holds are the person's, so its key goes
      // now. Unless an erasure of this same identity is recorded (a twin of this request): the purge list is that one's.
      const { state } = await loadWithRevision(this.executor.store, dataSubjectDecider, stream, tenantId).catch(() => ({
        state: undefined,
      }));
      if (state?.status !== 'erased') await this.layer.keys.destroy(purgeRef).catch(() => undefined);
      throw error;
    }
    this.shredLater(purgeRef, this.purgeWindowMs);
    await this.finished(this.layer, tenantId, subject);
    if (resumed) await this.releaseStaleHolds(this.layer);
    // A twin of this request (the same Idempotency-Key, at the same moment) that decided from the same state and
    // appended first makes this append a replay the store answers with the first one's result: the reply is then the
    // recorded erasure's (its moment), not this run's. CI caught the two replies' erasedAt 9 ms apart.
    return this.firstReply(subject, reason, context).catch(() => ({ erasedAt: now.toISOString(), position, records: owned.length }));
  }

  /**
   * The erasure's record, under the identity asked about, and the same erasure noted under each other identity of the
   * person (their contact when a lead was named, and so on), in one atomic append at the revisions read: of two erasures
   * of one person at once, under the lead and under the contact, one records and the other is refused
   * (`DATA_SUBJECT.ERASED`), as one after the other is. The notes carry no records and no purge list.
   */
  private async record(
    identities: readonly DataSubject[],
    subject: DataSubject,
    erase: ReturnType<typeof eraseCommand>,
    context: CommandContext,
    now: Date,
  ): Promise<string> {
    const stream = dataSubjectStream(subject);
    const others = identities.filter((who) => dataSubjectStream(who) !== stream);
    // If-Match was checked before anything was destroyed (`eraseOnce`): the run's own listings have moved the stream since.
    const options = { ...this.executor.commandOptions(context), expectedRevision: undefined };
    const outcome = await this.executor.atomically(context.tenantId, now, async (tx) => {
      const main = await tx.decide(dataSubjectDecider, stream, erase, options);
      for (const who of others) {
        const note = eraseCommand(who, erase.data.reason, [], erase.data.erasedAt);
        await tx.decide(dataSubjectDecider, dataSubjectStream(who), note, {
          ...options,
          commandId: derivedId(context.commandId, `erasure-of:${who.type}/${who.id}`),
          causationId: context.commandId,
          expectedRevision: undefined,
        });
      }
      return main;
    });
    return outcome.streams.get(stream)?.position ?? outcome.value.read.position ?? '';
  }

  /**
   * The records' personal values gathered (added to `values`) while their keys still open them, their documents
   * scrubbed of every value so far, their keys destroyed, and the projections run here made to purge what they wrote
   * meanwhile. Answers when every other process will have forgotten the keys (their cache).
   */
  private async shred(
    tenantId: string,
    records: PersonRecords,
    values: string[],
    erasure: string,
    /** Records what is about to lose its keys, with the values gathered (`recordListing`). */
    listing: (values: readonly string[]) => Promise<void>,
  ): Promise<number> {
    for (const streamId of records.owned) {
      for (const event of await this.executor.store.readStream(streamId, { tenantId })) personalValuesOf(event, values);
    }
    await listing(values);
    // While the keys still open the records: their documents scrubbed of the values, so a crash before the rest leaves nothing readable.
    await this.purge({ tenantId, records: records.owned, values }, 'scrub');
    for (const subjectRef of erasureOrder(records)) await this.layer.keys.destroy({ tenantId, subjectRef });
    // Another process (a second API, crm-projector) may hold an unwrapped key in its cache until then.
    const forgottenEverywhere = Date.now() + this.layer.keys.cacheMs;
    // The projections run here stop after the batch in hand, forget the keys and purge what they
    // wrote meanwhile before they go on: no batch opened with a cached key commits after this.
    await this.barrier?.purge({ tenantId, records: records.owned, values, erasure });
    return forgottenEverywhere;
  }

  private async purge(erased: ErasedRecords, step: PurgeStep): Promise<number> {
    const models = await personalReadModels(this.readStore, this.settings?.projections ?? []);
    return purgeErasedRecords(this.readStore, this.executor.store, models, erased, step);
  }

  /** Whether an erasure of one of the person's identities was started and not recorded (PENDING_PREFIX). */
  private async erasureUnfinished(identities: readonly DataSubject[], tenantId: string): Promise<boolean> {
    const layer = personalDataLayer(this.executor.store);
    for (const who of layer ? identities : []) {
      if (await layer?.keys.store.has(pendingRef(tenantId, who))) return true;
    }
    return false;
  }

  /**
   * The erasure of the person (under any of their identities, with every record it destroyed the key of), or, for
   * someone named by a record, one of another person that took that record with it (a complaint phoned in with the
   * phone of a lead erased since): the same record is erased once.
   */
  private async erasureOf(identities: readonly DataSubject[], tenantId: string): Promise<Erasure | undefined> {
    let found: Erasure | undefined;
    for (const identity of identities) {
      const { state } = await loadWithRevision(this.executor.store, dataSubjectDecider, dataSubjectStream(identity), tenantId);
      if (state.status !== 'erased') continue;
      // The record (with its list) under the identity named, a note (no list) under the others.
      found = { erasedAt: state.erasedAt, reason: state.reason, records: [...(found?.records ?? []), ...state.records] };
    }
    const [only] = identities;
    // A record, or an account, erased with another person's erasure (an account named after a lead's person goes with
    // them; an outside probe erased one again as an account, and access then showed that second moment).
    const takenWithAnother = only !== undefined && (RECORD_SUBJECT_TYPES.includes(only.type) || only.type === 'account');
    if (found || identities.length !== 1 || only === undefined || !takenWithAnother) return found;
    return this.erasureListing(`${only.type}-${only.id}`, tenantId);
  }

  /** An erasure that listed the record among those it destroyed the key of; looked for only once that key is gone. */
  private async erasureListing(streamId: string, tenantId: string): Promise<Erasure | undefined> {
    if (!(await personalDataLayer(this.executor.store)?.keys.isErased({ tenantId, subjectRef: streamId }))) return undefined;
    for await (const event of everyEvent(this.executor.store, { filter: { tenantId, eventTypes: ['DataSubjectErased'] } })) {
      const erased = event.data as DataSubjectErased['data'];
      // Another person's reason is theirs (it may name them), and so are their records: neither is shown.
      if (erased.records.includes(streamId))
        return { erasedAt: erased.erasedAt, reason: ERASED_WITH_ANOTHER, records: [], ofAnother: true };
    }
    return undefined;
  }

  /** Everything held about the person, opened: their records in every context and the shared records naming them. */
  async access(subject: DataSubject, tenantId: string): Promise<AccessReport> {
    const records = await findPersonRecords(this.executor.store, tenantId, subject);
    if (!records) throw new DomainError(DATA_SUBJECT_REFUSALS.NOT_FOUND, `No ${subject.type} ${subject.id}`, { subject });
    const erasure = await this.erasureOf(records.identities, tenantId);
    const unfinished = erasure === undefined && (await this.erasureUnfinished(records.identities, tenantId));
    const owned: AccessRecord[] = [];
    // Once erased, the records the erasure took are theirs still, though what tied some to them (an email or phone)
    // reads [erased] now; while it is unfinished, those its stopped run listed.
    const erasedRecords = erasure?.ofAnother ? [] : [...(erasure?.records ?? [])];
    if (unfinished) {
      for (const who of records.identities) erasedRecords.push(...((await this.listedBefore(who, tenantId))?.owned ?? []));
    }
    for (const streamId of [...new Set([...records.owned, ...erasedRecords])]) {
      const events = await this.executor.store.readStream(streamId, { tenantId });
      owned.push({ streamId, context: CONTEXTS[streamCategory(streamId)] ?? 'other', kind: 'owned', events: events.map(accessEvent) });
    }
    const mentions = new Map<string, AccessEvent[]>();
    for (const event of records.mentions) mentions.set(event.streamId, [...(mentions.get(event.streamId) ?? []), accessEvent(event)]);
    return {
      subject,
      identities: records.identities,
      erasure: erasure ? { erasedAt: erasure.erasedAt, reason: erasure.reason } : null,
      ...(unfinished ? { erasureUnfinished: true as const } : {}),
      records: [
        ...owned,
        ...[...mentions].map(([streamId, events]) => ({
          streamId,
          context: CONTEXTS[streamCategory(streamId)] ?? 'other',
          kind: 'mention' as const,
          events,
        })),
      ],
    };
  }
}

function eraseCommand(subject: DataSubject, reason: string, records: readonly string[], erasedAt: string, purge?: string) {
  return {
    type: 'EraseDataSubject',
    data: { subject, reason, records, erasedAt, ...(purge === undefined ? {} : { purge }) },
  } as const;
}
