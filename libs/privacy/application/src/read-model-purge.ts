import { isDeepStrictEqual } from 'node:util';
import { storedData, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { ERASED, isSealed } from '@crm/shared/personal-data';
import { documentIdsOf, foldEvents, type AnyProjection, type DocumentRecord, type ReadStore } from '@crm/shared/read-model';

/**
 * Values shorter than this are blanked only where they are a whole string (a field holding just that name): a
 * two-letter name must not blank every word it is part of.
 */
const SHORTEST = 3;
/** Documents read (`getMany`) and rewritten per transaction. */
const PAGE = 500;

/** Every string in a value that `replace` rewrites, copied only where something changed. */
function scrub(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) {
    const out = value.map((item) => scrub(item, replace));
    return out.some((item, i) => item !== value[i]) ? out : value;
  }
  if (typeof value === 'object' && value !== null) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = scrub(item, replace);
      changed ||= out[key] !== item;
    }
    return changed ? out : value;
  }
  return value;
}

/** Each of the values, wherever it occurs in a string, as ERASED (one under three characters only as a whole string). */
function replacerOf(values: readonly string[]): (text: string) => string {
  const needles = [...new Set(values.filter((value) => value.length >= SHORTEST && value !== ERASED))].sort((a, b) => b.length - a.length);
  const whole = new Set(values.filter((value) => value.length < SHORTEST && value.trim() !== ''));
  return (text) => {
    if (whole.has(text)) return ERASED;
    let out = text;
    for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(ERASED);
    return out;
  };
}

/** A read model an erasure goes through: a projection and the collection one of its builds writes. */
export interface PurgedModel {
  readonly projection: AnyProjection;
  readonly collection: string;
  /**
   * Built by another version of the projection, or replaced and kept only until it is dropped (`~retired`): its
   * documents may not be what this version folds, so it is scrubbed throughout, never refolded.
   */
  readonly otherBuild?: boolean;
}

/** The records an erasure destroys the keys of. */
export interface ErasedRecords {
  readonly tenantId: string;
  /** Their streams. */
  readonly records: readonly string[];
  /** Their personal values as they opened before (a retry after the keys were gone has none). */
  readonly values: readonly string[];
}

/**
 * How the erased records' documents are purged. `scrub`: each of the values becomes ERASED wherever it occurs in
 * them (while the keys still open the events: the first pass, so a crash before the rest leaves nothing readable).
 * `refold`: each is folded again from its record's events as they read now, their sealed fields ERASED, which is
 * exactly what a rebuild writes; a document that cannot be refolded that way (below) is scrubbed instead.
 */
export type PurgeStep = 'scrub' | 'refold';

/**
 * The read models of every build the store records (serving, being rebuilt, replaced and not yet dropped; run by
 * any process) whose projection reads personal data: the ones an erasure purges. A projection that reads none
 * (`readsPersonalData: false`, checked by `personal-data-reads.spec`) holds none of the person's data, and a rebuild
 * writes it as it is.
 */
export async function personalReadModels(store: ReadStore, projections: readonly AnyProjection[]): Promise<PurgedModel[]> {
  const byName = new Map(projections.map((projection) => [projection.name, projection]));
  return (await store.listStates()).flatMap((state) => {
    // `name`, `name~rebuild` (a rebuild in progress), `name~retired` (builds replaced, kept for their grace).
    const projection = byName.get(state.name.split('~')[0] as string);
    if (projection === undefined || projection.readsPersonalData === false) return [];
    const retired = (state.retired ?? []).map(({ collection }) => ({ projection, collection, otherBuild: true }));
    if (state.collection === undefined) return retired;
    const otherBuild = state.version !== undefined && state.version !== projection.version;
    return [{ projection, collection: state.collection, ...(otherBuild ? { otherBuild } : {}) }, ...retired];
  });
}

/** A document as read, and what replaces it (null: deleted). */
interface Rewrite {
  readonly read: DocumentRecord<object>;
  readonly next: DocumentRecord<object> | null;
}

/**
 * Writes each replacement in one transaction, unless its document changed since it was read: a lane applied an event
 * of the record meanwhile (this process's before its barrier, or another process's, whose own barrier purges what it
 * wrote), and writing over it would lose that event. Read again inside the transaction, so the window is that of
 * the commit. Returns the documents written.
 */
function rewrite(store: ReadStore, collection: string, writes: readonly Rewrite[]): Promise<number> {
  return store.transaction(async (tx) => {
    const now = await tx.getMany(
      collection,
      writes.map(({ read }) => read.id),
    );
    let written = 0;
    for (const { read, next } of writes) {
      if (now.get(read.id)?.position !== read.position) continue;
      if (next === null) tx.delete(collection, read.id);
      else tx.put(collection, read.id, next.doc, next.position);
      written += 1;
    }
    return written;
  });
}

/**
 * Every document of the erasing tenant in a collection scrubbed of the values, read by id (keyset) in pages. Another
 * tenant's documents are never touched, whatever text they hold: the projections that read personal data name every
 * document `{tenant}:…` (`personal-data-reads.spec` checks it on the demo history).
 */
async function scrubCollection(store: ReadStore, collection: string, tenantId: string, replace: (text: string) => string): Promise<number> {
  const tenantPrefix = `${tenantId}:`;
  let rewritten = 0;
  for (let after: string | undefined; ;) {
    const page = await store.find(collection, { limit: PAGE, ...(after === undefined ? {} : { after: { values: [], id: after } }) });
    const changed = page.flatMap((record): Rewrite[] => {
      if (!record.id.startsWith(tenantPrefix)) return [];
      const doc = scrub(record.doc, replace);
      return doc === record.doc ? [] : [{ read: record, next: { ...record, doc: doc as object } }];
    });
    if (changed.length > 0) rewritten += await rewrite(store, collection, changed);
    if (page.length < PAGE) return rewritten;
    after = page[page.length - 1]?.id;
  }
}

/**
 * The purge of an erasure: every document the erased records' events fold into, in the read models given, purged
 * by `step`. Only those documents: another record's text equal to the person's is left as it is, as a rebuild leaves
 * it. A document is refolded when the events of one record alone fold into it (the projections that read personal
 * data keep one document per record: `personal-data-reads.spec` checks it on the demo history), each naming only it,
 * and its last change is one of those events (its position); its record's events are folded up to there, so a lane
 * stopped behind the head goes on from its checkpoint as it would have. Returns the documents rewritten or deleted.
 */
export async function purgeErasedRecords(
  readStore: ReadStore,
  eventStore: EventStore,
  models: readonly PurgedModel[],
  erased: ErasedRecords,
  step: PurgeStep,
): Promise<number> {
  const personal = models.filter((model) => model.projection.readsPersonalData !== false);
  if (personal.length === 0 || erased.records.length === 0) return 0;
  const events: RecordedEvent[] = [];
  for (const streamId of new Set(erased.records)) events.push(...(await eventStore.readStream(streamId, { tenantId: erased.tenantId })));
  const replace = replacerOf(erased.values);
  const compare = (a: string, b: string) => eventStore.comparePositions(a, b);
  let rewritten = 0;
  for (const { projection, collection, otherBuild } of personal) {
    if (otherBuild) {
      rewritten += await scrubCollection(readStore, collection, erased.tenantId, replace);
      continue;
    }
    const types = new Set<string>(projection.eventTypes);
    const byDocument = new Map<string, RecordedEvent[]>();
    const shared = new Set<string>();
    // An event the projection cannot route (its runner stops there too): which documents miss it is unknown, so none is refolded.
    let unroutable = false;
    for (const event of events) {
      if (!types.has(event.type)) continue;
      let ids: readonly string[];
      try {
        ids = documentIdsOf(projection, event);
      } catch {
        unroutable = true;
        continue;
      }
      for (const id of ids) {
        const list = byDocument.get(id);
        if (list) list.push(event);
        else byDocument.set(id, [event]);
        if (ids.length > 1) shared.add(id);
      }
    }
    const ids = [...byDocument.keys()];
    for (let start = 0; start < ids.length; start += PAGE) {
      const stored = await readStore.getMany(collection, ids.slice(start, start + PAGE));
      const writes: Rewrite[] = [];
      for (const [id, record] of stored) {
        const refolded =
          step === 'refold' && !unroutable && !shared.has(id)
            ? refold(projection, id, byDocument.get(id) ?? [], record, compare)
            : undefined;
        if (refolded !== undefined) {
          if (refolded === null || !isDeepStrictEqual(refolded, record)) writes.push({ read: record, next: refolded });
          continue;
        }
        const doc = scrub(record.doc, replace);
        if (doc !== record.doc) writes.push({ read: record, next: { ...record, doc: doc as object } });
      }
      if (writes.length > 0) rewritten += await rewrite(readStore, collection, writes);
    }
  }
  return rewritten;
}

/**
 * The document folded again from its record's events up to its last change (null: the fold leaves none), or
 * undefined when that would not be what a rebuild writes: events of several streams, a last change that is not one
 * of them, a fold that fails, or summary cells that would change (the summary is not rewritten here).
 */
function refold(
  projection: AnyProjection,
  id: string,
  events: readonly RecordedEvent[],
  record: DocumentRecord<object>,
  compare: (a: string, b: string) => number,
): DocumentRecord<object> | null | undefined {
  if (new Set(events.map((event) => event.streamId)).size !== 1) return undefined;
  const last = events.findIndex((event) => event.position === record.position);
  if (last < 0) return undefined;
  const folded = foldEvents(projection, new Map(), events.slice(0, last + 1), compare);
  if (folded.failure !== undefined || folded.missing !== undefined) return undefined;
  const next = folded.changed.get(id) ?? null;
  const cells = (doc: object | null) => (doc === null || projection.summary === undefined ? [] : projection.summary.cells(doc));
  if (projection.summary !== undefined && !isDeepStrictEqual(cells(record.doc), cells(next?.doc ?? null))) return undefined;
  return next;
}

/** The opened values of an event's sealed fields: the person's data that a purge searches the read models for. */
export function personalValuesOf(event: RecordedEvent, out: string[] = []): string[] {
  const walk = (stored: unknown, opened: unknown): void => {
    if (isSealed(stored)) stringsOf(opened, out);
    else if (typeof stored === 'object' && stored !== null && typeof opened === 'object' && opened !== null) {
      for (const [key, value] of Object.entries(stored)) walk(value, (opened as Record<string, unknown>)[key]);
    }
  };
  walk(storedData(event), event.data);
  return out;
}

function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) stringsOf(item, out);
  return out;
}
