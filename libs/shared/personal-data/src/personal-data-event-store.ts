import {
  DEFAULT_TENANT,
  DomainError,
  NO_OP_RECORDED,
  STORED_DATA,
  appendNotifications,
  type Appended,
  type AppendOptions,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type EventToAppend,
  type MultiStreamAppendResult,
  type OrderedAppends,
  appendsInOrder,
  type ReadAllOptions,
  type ReadAllSlice,
  type ReadStreamOptions,
  type RecordedEvent,
  type Snapshot,
  type SnapshotStore,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
  type TenantScoped,
} from '@crm/shared/event-sourcing';
import { PERSONAL_DATA_REFUSALS, type DataKeys } from './data-keys';
import { replaceFields, visitFields, type PersonalFields } from './personal-fields';
import { referencedContactPoints, referencedRecords, type PersonReferences } from './person-references';
import { ERASED, isSealed, openValue, sealedSubject, sealValue, type SubjectKeyRef } from './sealing';

const SNAPSHOT_FIELD = ['state'];

/**
 * Seals the personal fields of every event on append and opens them on read,
 * around any EventStore. The inner store, its hash chain included, only ever
 * sees ciphertext; a field whose subject is erased reads back as ERASED (a
 * list as []), never as an error. Snapshots are sealed whole under their
 * stream's key, and an erased stream's snapshot reads as absent.
 */
export class PersonalDataEventStore implements EventStore, SnapshotStore {
  /** The inner store's ordered batch append (OrderedAppends), sealed: there only when the inner store has one. */
  readonly appendInOrder?: OrderedAppends['appendInOrder'];
  /** The inner store's AppendNotifications, passed on: there only when the inner store has them. */
  readonly onAppended?: (listener: (appended: Appended | undefined) => void) => () => void;
  readonly wake?: (appended?: Appended) => void;

  constructor(
    readonly inner: EventStore & SnapshotStore,
    readonly keys: DataKeys,
    private readonly fields: PersonalFields,
    /** Where events name the person they are about: personal data about an erased person is refused (`DataKeys.refuseIfErased`). */
    private readonly references: PersonReferences = {},
  ) {
    const ordered = appendsInOrder(inner);
    if (ordered) this.appendInOrder = (appends, options) => this.sealInOrder(ordered, appends, options);
    const notifications = appendNotifications(inner);
    if (notifications) {
      this.onAppended = (listener) => notifications.onAppended(listener);
      this.wake = (appended) => notifications.wake(appended);
    }
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    const [sealed] = sealFingerprints([await this.sealAll(streamId, events)]);
    return this.inner.appendToStream(streamId, sealed as EventToAppend[], options);
  }

  async appendToStreams(appends: readonly StreamAppend[], options?: TenantScoped): Promise<MultiStreamAppendResult> {
    const parts = sealFingerprints(await Promise.all(appends.map((append) => this.sealAll(append.streamId, append.events))));
    return this.inner.appendToStreams(
      appends.map((append, index) => ({ ...append, events: parts[index] as EventToAppend[] })),
      options,
    );
  }

  /**
   * The inner store's ordered batch append, sealed as every append is: one stream's parts one after
   * the other (its key is made once), the streams side by side (new keys are stored together).
   */
  private async sealInOrder(
    inner: OrderedAppends,
    appends: readonly StreamAppend[],
    options: TenantScoped | undefined,
  ): Promise<MultiStreamAppendResult> {
    const byStream = new Map<string, number[]>();
    appends.forEach((append, index) => {
      const indexes = byStream.get(append.streamId);
      if (indexes) indexes.push(index);
      else byStream.set(append.streamId, [index]);
    });
    const sealed: StreamAppend[] = new Array<StreamAppend>(appends.length);
    await Promise.all(
      [...byStream].map(async ([streamId, indexes]) => {
        for (const index of indexes) {
          const append = appends[index] as StreamAppend;
          const [events] = sealFingerprints([await this.sealAll(streamId, append.events)]);
          sealed[index] = { ...append, events: events as EventToAppend[] };
        }
      }),
    );
    return inner.appendInOrder(sealed, options);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]> {
    return this.openAll(await this.inner.readStream(streamId, options));
  }

  streamRevision(streamId: string, options?: TenantScoped): Promise<number | undefined> {
    return this.inner.streamRevision(streamId, options);
  }

  async readAll(options?: ReadAllOptions): Promise<ReadAllSlice> {
    const slice = await this.inner.readAll(options);
    return { ...slice, events: await this.openAll(slice.events) };
  }

  subscribeToAll(handler: BatchHandler, options?: SubscribeOptions): Subscription {
    return this.inner.subscribeToAll(async (events, checkpoint) => handler(await this.openAll(events), checkpoint), options);
  }

  async findEvent(eventId: string, options?: TenantScoped): Promise<RecordedEvent | undefined> {
    const event = await this.inner.findEvent(eventId, options);
    return event && (await this.openAll([event]))[0];
  }

  comparePositions(a: string, b: string): number {
    return this.inner.comparePositions(a, b);
  }

  headPosition(): Promise<string | undefined> {
    return this.inner.headPosition();
  }

  async readSnapshot(streamId: string, options?: TenantScoped): Promise<Snapshot | undefined> {
    const snapshot = await this.inner.readSnapshot(streamId, options);
    if (!snapshot || !isSealed(snapshot.state)) return snapshot;
    const subjectRef = sealedSubject(snapshot.state);
    const key = subjectRef === undefined ? undefined : await this.keys.existingKey({ tenantId: snapshot.tenantId, subjectRef });
    const opened = key && openValue(key, snapshot.tenantId, snapshot.state);
    // An erased stream's snapshot is no use: the stream is folded again from its events.
    return opened ? { ...snapshot, state: opened.value } : undefined;
  }

  async writeSnapshot(snapshot: Snapshot): Promise<void> {
    // An erased stream keeps no snapshot (it would read as absent): its state is folded from its events.
    const key = await this.keys.keyFor({ tenantId: snapshot.tenantId, subjectRef: snapshot.streamId }).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === PERSONAL_DATA_REFUSALS.ERASED.code) return undefined;
      throw error;
    });
    if (key === undefined) return;
    const sealed = replaceFields(snapshot, SNAPSHOT_FIELD, (state) =>
      sealValue(key, { tenantId: snapshot.tenantId, subjectRef: snapshot.streamId }, state),
    );
    await this.inner.writeSnapshot(sealed as Snapshot);
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      await this.keys.store.close();
    }
  }

  /** The subjects whose keys seal the event as stored: its personal fields', and its request fingerprint's. */
  sealedSubjectsOf(event: RecordedEvent, found: (subjectRef: string) => void): void {
    const want = (value: unknown) => {
      const subjectRef = sealedSubject(value);
      if (subjectRef !== undefined) found(subjectRef);
    };
    const paths = this.fields[event.type];
    if (paths) visitFields(event.data, paths, want);
    // Also on an event with no personal field of its own: sealed under the key of its command's record (sealAll).
    want(event.metadata.requestFingerprint);
  }

  /**
   * Events as they are stored, opened for reading: what a reader of `inner` must do itself. With `which`, only
   * the events it names are opened; the others come back as stored (a reader that never looks at their personal
   * fields need not pay for their keys and decryption).
   */
  async openAll(events: readonly RecordedEvent[], which?: (event: RecordedEvent) => boolean): Promise<RecordedEvent[]> {
    // First the keys the batch needs, each asked for once; then every event opened without waiting.
    const wanted = new Map<string, SubjectKeyRef>();
    for (const event of events) {
      if (which && !which(event)) continue;
      const tenantId = event.metadata.tenantId;
      this.sealedSubjectsOf(event, (subjectRef) => wanted.set(`${tenantId}\n${subjectRef}`, { tenantId, subjectRef }));
    }
    if (wanted.size === 0) return [...events];
    const keys = new Map<string, Buffer | undefined>();
    await Promise.all([...wanted].map(async ([slot, ref]) => keys.set(slot, await this.keys.existingKey(ref))));
    return events.map((event) => (which && !which(event) ? event : this.open(event, keys)));
  }

  /**
   * Refuses (PERSONAL_DATA.ERASED) a command that would carry a record's personal data into new records when that
   * record is erased or being erased: qualifying an erased lead would otherwise copy its `[erased]` placeholders into
   * a new contact (and was refused as a bad email).
   */
  refuseIfErased(tenantId: string, streamId: string): Promise<void> {
    const ref: SubjectKeyRef = { tenantId, subjectRef: streamId };
    return this.keys.refuseIfErased(ref, ref);
  }

  /**
   * The events with their personal fields sealed under the stream's key, and, when any had one, what seals a
   * request's fingerprint under that key (`sealFingerprints`).
   */
  private async sealAll(streamId: string, events: readonly EventToAppend[]): Promise<Sealed> {
    let key: Buffer | undefined;
    let ref: SubjectKeyRef | undefined;
    const out: EventToAppend[] = [];
    for (const event of events) {
      const paths = this.fields[event.type];
      // Nothing to seal (no personal field given, e.g. a reschedule without a reason): no key is asked for, so such a
      // change is recorded for a record whose person was erased as for any other.
      if (!paths || !holdsOpenValue(event.data, paths)) {
        out.push(event);
        continue;
      }
      const own: SubjectKeyRef = { tenantId: event.metadata.tenantId ?? DEFAULT_TENANT, subjectRef: streamId };
      const references = this.references[event.type] ?? [];
      for (const about of referencedRecords(event.data, references)) {
        if (about !== streamId) await this.keys.refuseIfErased(own, { tenantId: own.tenantId, subjectRef: about });
      }
      // Someone not on file with an email or phone of a person being erased: theirs, made after the erasure listed them.
      for (const point of referencedContactPoints(event.data, references)) await this.keys.refuseIfPointHeld(own, point);
      key ??= await this.keys.keyFor(own);
      ref ??= own;
      const sealingKey = key;
      const data = replaceFields(event.data, paths, (value) => (isSealed(value) ? value : sealValue(sealingKey, own, value)));
      out.push(data === event.data ? event : { ...event, data: data as object });
    }
    // A command that changed nothing leaves a record of its request (NO_OP_RECORDED) in a stream of its own, with no
    // personal field, but its fingerprint tests a body that may hold one (a lead update giving the lead's own phone):
    // sealed under the key of the record it names, if that record has one; dropped if the record is erased.
    if (key === undefined) {
      const noOp = events.find((event) => event.type === NO_OP_RECORDED && event.metadata.requestFingerprint !== undefined);
      const named = (noOp?.data as { streamId?: unknown } | undefined)?.streamId;
      if (noOp && typeof named === 'string') {
        const about: SubjectKeyRef = { tenantId: noOp.metadata.tenantId ?? DEFAULT_TENANT, subjectRef: named };
        key = await this.keys.existingKey(about);
        if (key) ref = about;
        else if (await this.keys.isErased(about)) {
          const { requestFingerprint: _dropped, ...metadata } = noOp.metadata;
          out[out.indexOf(noOp)] = { ...noOp, metadata };
        }
      }
    }
    const [sealingKey, sealingRef] = [key, ref];
    return {
      events: out,
      ...(sealingKey && sealingRef ? { sealFingerprint: (fingerprint: string) => sealValue(sealingKey, sealingRef, fingerprint) } : {}),
    };
  }

  /**
   * Whether the event as stored holds a personal field in clear: a store written before sealing (or a mixed one, whose
   * history is plaintext and whose later writes are sealed) has such events; a sealed store has none. An erased
   * field's placeholder (`[erased]`, an empty list) is no personal data.
   */
  holdsPlaintext(event: RecordedEvent): boolean {
    const paths = this.fields[event.type];
    if (!paths) return false;
    let open = false;
    visitFields(event.data, paths, (value) => {
      open ||= !isSealed(value) && value !== ERASED && !(Array.isArray(value) && value.length === 0);
    });
    return open;
  }

  /**
   * The event as it reads once its record is erased, to be written as it is (not sealed): every personal field its
   * placeholder (`[erased]`, a list empty), its request's fingerprint gone, whatever the event held (ciphertext under
   * a destroyed key, or plaintext from a store written before sealing). How a copy of the store carries an erased
   * record over (crm-cli migrate): sealed again, the placeholders would read as values under a new key.
   */
  erasedForm<E extends EventToAppend>(event: E): E {
    const paths = this.fields[event.type];
    const data = paths ? replaceFields(event.data, paths, (_value, path) => (path.list ? [] : ERASED)) : event.data;
    const { requestFingerprint: _gone, ...metadata } = event.metadata;
    return { ...event, data: data as E['data'], metadata: metadata as E['metadata'] };
  }

  private open(event: RecordedEvent, keys: ReadonlyMap<string, Buffer | undefined>): RecordedEvent {
    const paths = this.fields[event.type];
    if (!paths && !isSealed(event.metadata.requestFingerprint)) return event;
    const tenantId = event.metadata.tenantId;
    const opened = (value: string) => {
      const key = keys.get(`${tenantId}\n${sealedSubject(value) ?? ''}`);
      return key ? openValue(key, tenantId, value) : undefined;
    };
    const data = !paths
      ? event.data
      : replaceFields(event.data, paths, (value, path) => {
          if (!isSealed(value)) return value;
          const found = opened(value);
          return found ? found.value : path.list ? [] : ERASED;
        });
    // An erased record's fingerprint is gone with its key: a retry then compares no body (it gets the first reply).
    const { requestFingerprint: fingerprint, ...rest } = event.metadata;
    const metadata = !isSealed(fingerprint)
      ? event.metadata
      : ((found) => (typeof found?.value === 'string' ? { ...rest, requestFingerprint: found.value } : rest))(opened(fingerprint));
    if (data === event.data && metadata === event.metadata) return event;
    return { ...event, data: data as RecordedEvent['data'], metadata, [STORED_DATA]: event.data } as RecordedEvent;
  }
}

interface Sealed {
  readonly events: EventToAppend[];
  /** Present when a personal field was sealed: seals a fingerprint under the same key. */
  readonly sealFingerprint?: (fingerprint: string) => string;
}

/**
 * The request's fingerprint (a keyed hash of its body, for idempotency) is a test of the body: kept in clear, a guessed
 * phone number could be checked against it after the erasure, offline with the server secret or online through a
 * retry. Where an append seals any personal field, the fingerprint of every event in it (each of a command's events
 * carries it, with personal fields or not) is sealed under that first key, and goes with it.
 */
function sealFingerprints(parts: readonly Sealed[]): EventToAppend[][] {
  const seal = parts.find((part) => part.sealFingerprint)?.sealFingerprint;
  return parts.map((part) =>
    !seal
      ? part.events
      : part.events.map((event) => {
          const fingerprint = event.metadata.requestFingerprint;
          if (fingerprint === undefined || isSealed(fingerprint)) return event;
          return { ...event, metadata: { ...event.metadata, requestFingerprint: seal(fingerprint) } };
        }),
  );
}

/** The personal-data layer of a store, when it has one. */
export function personalDataLayer(store: EventStore): PersonalDataEventStore | undefined {
  return store instanceof PersonalDataEventStore ? store : undefined;
}

/**
 * Whether a record's personal data is erased (its key destroyed, or its erasure's fence up), as the layer asks before
 * sealing: a step whose personal text may then be left out asks it first. False for a store without the layer.
 */
export async function personalDataErased(store: EventStore, tenantId: string, streamId: string): Promise<boolean> {
  const layer = personalDataLayer(store);
  if (!layer) return false;
  try {
    await layer.refuseIfErased(tenantId, streamId);
    return false;
  } catch (error) {
    if (error instanceof DomainError && error.code === PERSONAL_DATA_REFUSALS.ERASED.code) return true;
    throw error;
  }
}

/** The adapter under the personal-data layer (or the store itself). */
export function innerStore<S extends EventStore>(store: S): S {
  return (store instanceof PersonalDataEventStore ? store.inner : store) as S;
}

/** Whether any of the event's personal fields holds a value not sealed yet. */
function holdsOpenValue(data: unknown, paths: readonly string[]): boolean {
  let open = false;
  visitFields(data, paths, (value) => {
    open ||= !isSealed(value);
  });
  return open;
}
