import type { Event, RecordedEvent } from '@crm/shared/event-sourcing';
import type { DocumentRecord, Scalar } from './document';
import type { ReadStoreReader } from './read-store';

/** One recorded event per member of the union, so `switch (event.type)` narrows `event.data`. */
export type RecordedOf<E extends Event> = E extends Event ? RecordedEvent<E> : never;

/**
 * A read model as a pure fold (DESIGN.md "Projections"): which events it
 * handles, which document each one touches, and how a document evolves.
 * No clock, no randomness, no I/O: rebuilding must give the same documents.
 */
export interface Projection<Doc extends object = object, E extends Event = Event> {
  readonly name: string;
  /** Bump it when evolve or the document shape changes: the runner rebuilds into a fresh collection and then switches. */
  readonly version: number;
  /** Logical collection; the runner maps it onto a physical one per build. */
  readonly collection: string;
  readonly eventTypes: readonly E['type'][];
  /**
   * Field sets queries filter or sort on; adapters that can index them do. A field may be spelled `<path> desc`, and the
   * last may be the document's id (DOCUMENT_ID): `keysetIndexes` declares what a keyset list's sort needs.
   */
  readonly indexes?: readonly (readonly string[])[];
  /** The document(s) an event touches; undefined when it touches none. Include the tenant (DESIGN.md "Tenancy"). */
  documentId(event: RecordedOf<E>): string | readonly string[] | undefined;
  /**
   * Returns the next document, or null to delete it. Must not mutate `doc`. `peer` reads another document the same
   * event touches (one `documentId` names for it), as it stood before the event: a fold that needs what an earlier
   * event left under another key names that key too, and hands that document back as it was (nothing is written).
   * `foldEvents` always passes it.
   */
  evolve(doc: Doc | null, event: RecordedOf<E>, id: string, peer?: (id: string) => Doc | null): Doc | null;
  /** Totals kept next to the documents, so a query reads them instead of every document. */
  readonly summary?: ProjectionSummary<Doc, E>;
  /**
   * At most this many events per fold, for a fold heavy enough that a whole page would hold the event loop past
   * a lease renewal: the runner folds a longer page in parts, letting timers run between them, and commits the
   * page once (its summaries written once, not once per part). Default: the page in one fold.
   */
  readonly maxBatch?: number;
  /**
   * `false`: no `documentId`, `evolve` or summary of this projection reads a personal field (the domains'
   * `*_PERSONAL_FIELDS`), so the runner hands it the events as stored, those fields still sealed, and spends no
   * key lookup or decryption on them. Default: the events opened. `ALL_PROJECTIONS`' spec (libs/platform) folds
   * the demo history both ways and requires the same documents of every projection that says `false`.
   */
  readonly readsPersonalData?: false;
  /**
   * `true`: queries never read a build of another version of this projection. Its documents are keyed by business days
   * (BUSINESS_CALENDAR), and another version's may count them on other days (another zone: `zonedVersion`; or UTC, before
   * days were business days), which this code's queries would read as theirs: wrong figures, or a broken index. Until
   * this version's build switches in (rebuilt on start), they answer 503 + Retry-After. Default: an older build serves.
   */
  readonly readsOwnBuildsOnly?: true;
}

/** What one document adds to a summary: counts and sums under its dimensions. */
export interface SummaryCell {
  readonly dims: Readonly<Record<string, Scalar>>;
  /** Numbers to add; by convention `count` is one of them. Integers, so totals stay exact. */
  readonly values: Readonly<Record<string, number>>;
}

/**
 * Totals of a projection's documents, kept in summary documents of the same
 * collection. When an event changes a document, the fold takes the document's
 * old cells out of the summary and puts its new ones in, in the same batch and
 * transaction as the document itself. An event a document has already seen
 * (a replay) changes neither. On a store that does not commit a batch
 * all-or-nothing (MongoDB without a replica set), a crash between the two
 * writes can leave a summary behind its documents until the next rebuild.
 */
export interface ProjectionSummary<Doc extends object = object, E extends Event = Event> {
  /**
   * The summary document the event's documents add to, from the event alone
   * (so the runner loads it with them): typically one per tenant. Its id must
   * never be one documentId gives. Several ids: the change goes to each of them
   * (a prefix-sum tree over periods, say), in the form `place` gives it there.
   */
  documentId(event: RecordedOf<E>): string | readonly string[] | undefined;
  /**
   * More summary documents, named from a document the event changes as it stands before the event (as stored, or as
   * an earlier event of the same batch left it; null when it does not exist yet), for a summary split by what only
   * the document knows (the complaint it is about was received in a month that later events do not carry, say).
   * Called for each of the event's documents that has not seen it; the ids add to `documentId`'s. The runner loads a
   * batch's documents first, then the summaries they name (a second read in the same transaction); the fold stops
   * before an event naming a summary the runner has not loaded, and goes on once it is. `peer` reads another document
   * of the same event as it stands before the event, as `evolve`'s does (so the ids can follow what `evolve` will
   * make of the document). Default: none.
   */
  documentIdOf?(
    event: RecordedOf<E>,
    doc: Doc | null,
    id: string,
    peer?: (id: string) => Doc | null,
  ): string | readonly string[] | undefined;
  /** The cells one document adds; none for a document that counts nowhere. */
  cells(doc: Doc): readonly SummaryCell[];
  /**
   * The form a cell takes in one summary document (dimensions merged, say), or
   * undefined to leave it out of that one. Default: the cell as it is. Only the
   * cells an event changes are placed, after its old and new cells are netted;
   * a summary document in which they come to nothing is left as it was.
   */
  place?(cell: SummaryCell, summaryId: string): SummaryCell | undefined;
  /**
   * A summary document rewritten, with the event's position, whenever the event changes one of the documents,
   * even when nothing is placed in it: its position then says when the documents it summarises last changed
   * (the complaint KPIs' tree root, which kept answers are checked against). Default: none.
   */
  marks?(summaryId: string): boolean;
  /**
   * With several summary documents per event: the total they hold, and the same
   * total computed from documents' cells, so a check can compare the two
   * (`projectionSpec` does). Without it the summaries must add up to the cells.
   */
  readonly total?: {
    of(summaries: ReadonlyMap<string, SummaryDoc>): readonly SummaryCell[];
    ofCells(cells: readonly SummaryCell[]): readonly SummaryCell[];
  };
}

/** A summary document: cells by a key made of their dimensions. */
export interface SummaryDoc {
  readonly summary: true;
  readonly cells: Readonly<Record<string, SummaryCell>>;
}

export const isSummaryDoc = (doc: unknown): doc is SummaryDoc =>
  typeof doc === 'object' && doc !== null && (doc as { summary?: unknown }).summary === true;

// Keys by dimensions object: cells are immutable, and a projection that hands out the same cells again (or places
// cells on shared dimensions) gets its keys without building them again.
const cellKeys = new WeakMap<object, string>();

/**
 * The same key for the same dimensions, whatever their order: the JSON of the
 * sorted `[name, value]` pairs (`[["a",1],["b","x"]]`), spelled out by hand
 * because a fold computes it twice per cell of every document it changes.
 */
export function summaryCellKey(dims: Readonly<Record<string, Scalar>>): string {
  const known = cellKeys.get(dims);
  if (known !== undefined) return known;
  const names = Object.keys(dims);
  // Insertion sort in place: cells have a handful of dimensions; same order as Array.prototype.sort's.
  for (let i = 1; i < names.length; i += 1) {
    const name = names[i] as string;
    let j = i - 1;
    for (; j >= 0 && (names[j] as string) > name; j -= 1) names[j + 1] = names[j] as string;
    names[j + 1] = name;
  }
  let key = '[';
  for (let i = 0; i < names.length; i += 1) {
    const name = names[i] as string;
    key += `${i === 0 ? '' : ','}[${JSON.stringify(name)},${JSON.stringify(dims[name] ?? null)}]`;
  }
  key += ']';
  cellKeys.set(dims, key);
  return key;
}

/**
 * A summary may be sharded by the entity a document is about, so an event
 * rewrites one shard and a query merges them all. Each shard holds its own
 * copy of every cell its entities touch, so shards multiply what a query reads
 * (32 shards made the pipeline's summary 3× larger than one at 100k events):
 * one shard unless the write side needs more.
 */
export const SUMMARY_SHARDS = 1;

/** FNV-1a over the id's UTF-16 code units: the same shard in every process. */
function shardOf(entityId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < entityId.length; i += 1) hash = Math.imul(hash ^ entityId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}

/** The shard holding one entity's cells: `{prefix}:{nn}`. */
export const summaryShardId = (prefix: string, entityId: string, shards = SUMMARY_SHARDS): string =>
  `${prefix}:${String(shardOf(entityId, shards)).padStart(2, '0')}`;

/** Every shard of a summary. */
export const summaryShardIds = (prefix: string, shards = SUMMARY_SHARDS): string[] =>
  Array.from({ length: shards }, (_, shard) => `${prefix}:${String(shard).padStart(2, '0')}`);

/** The shards' cells merged (values added, cells coming to nothing dropped); undefined when no shard exists. */
export function mergeSummaries(docs: Iterable<unknown>): SummaryDoc | undefined {
  const work = new SummaryWork(undefined);
  let found = false;
  for (const doc of docs) {
    if (!isSummaryDoc(doc)) continue;
    found = true;
    work.add(Object.values(doc.cells), 1);
  }
  return found ? work.doc() : undefined;
}

/** Reads every shard of a summary and merges them; undefined when none exists. */
export async function loadSummary(
  store: Pick<ReadStoreReader, 'getMany'>,
  collection: string,
  prefix: string,
): Promise<SummaryDoc | undefined> {
  const shards = await store.getMany(collection, summaryShardIds(prefix));
  return mergeSummaries([...shards.values()].map((record) => record.doc));
}

function allZero(values: Readonly<Record<string, number>>): boolean {
  for (const name of Object.keys(values)) if (values[name] !== 0) return false;
  return true;
}

/** A summary being changed within one fold: copied once, then updated in place. */
class SummaryWork {
  readonly cells: Record<string, { dims: Readonly<Record<string, Scalar>>; values: Record<string, number> }> = {};

  constructor(from: SummaryDoc | undefined) {
    for (const [key, cell] of Object.entries(from?.cells ?? {})) this.cells[key] = { dims: cell.dims, values: { ...cell.values } };
  }

  add(cells: readonly SummaryCell[], sign: 1 | -1): void {
    for (const cell of cells) {
      const key = summaryCellKey(cell.dims);
      const target = (this.cells[key] ??= { dims: cell.dims, values: {} });
      const values = target.values;
      // Only a figure that came to 0 can leave the cell empty: a wide cell (months packed in its values) is not walked again.
      let zeroed = false;
      const names = Object.keys(cell.values);
      for (const name of names) {
        const value = (values[name] ?? 0) + sign * (cell.values[name] as number);
        values[name] = value;
        if (value === 0) zeroed = true;
      }
      if ((zeroed || names.length === 0) && allZero(values)) delete this.cells[key];
    }
  }

  doc(): SummaryDoc {
    return { summary: true, cells: this.cells };
  }
}

/** New cells less old ones, as one cell per dimensions with what changed (cells that change nothing left out). */
function netCells(out: readonly SummaryCell[], into: readonly SummaryCell[]): SummaryCell[] {
  // The very cell object on both sides (a projection that keeps the cells of what did not change) nets to nothing:
  // such pairs are passed over before any key is computed.
  const cancelled = new Map<SummaryCell, number>();
  if (out.length > 0 && into.length > 0) {
    const taken = new Map<SummaryCell, number>();
    for (const cell of out) taken.set(cell, (taken.get(cell) ?? 0) + 1);
    for (const cell of into) {
      const left = taken.get(cell) ?? 0;
      if (left === 0) continue;
      taken.set(cell, left - 1);
      cancelled.set(cell, (cancelled.get(cell) ?? 0) + 1);
    }
  }
  const work = new SummaryWork(undefined);
  if (cancelled.size === 0) {
    work.add(out, -1);
    work.add(into, 1);
    return Object.values(work.cells);
  }
  const outLeft = new Map(cancelled);
  const intoLeft = new Map(cancelled);
  const without = (cells: readonly SummaryCell[], left: Map<SummaryCell, number>) =>
    cells.filter((cell) => {
      const n = left.get(cell) ?? 0;
      if (n === 0) return true;
      left.set(cell, n - 1);
      return false;
    });
  work.add(without(out, outLeft), -1);
  work.add(without(into, intoLeft), 1);
  return Object.values(work.cells);
}

function sameCells(a: readonly SummaryCell[], b: readonly SummaryCell[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** The erased form the runner holds; method parameters are bivariant, so every Projection<Doc, E> fits. */
export type AnyProjection = Projection<object, Event>;

/** Identity with inference: `defineProjection<PipelineRow, OpportunityEvent>({ ... })`. */
export function defineProjection<Doc extends object, E extends Event = Event>(projection: Projection<Doc, E>): Projection<Doc, E> {
  return projection;
}

export function documentIdsOf(projection: AnyProjection, event: RecordedEvent): readonly string[] {
  const ids = projection.documentId(event);
  if (ids === undefined) return [];
  return typeof ids === 'string' ? [ids] : [...new Set(ids)];
}

/** One id or several, as a list (what `documentId` and the summary's ids may give). */
export const idList = (found: string | readonly string[] | undefined): readonly string[] =>
  found === undefined ? [] : typeof found === 'string' ? [found] : found;

/** The summary documents an event's documents add to (named from the event alone), if the projection keeps any and the event touches a document. */
function summaryIdsOf(projection: AnyProjection, event: RecordedEvent, documentIds: readonly string[]): readonly string[] {
  if (projection.summary === undefined || documentIds.length === 0) return [];
  const ids = [...new Set(idList(projection.summary.documentId(event)))];
  for (const id of ids) if (documentIds.includes(id)) throw new Error(`${projection.name}: summary id ${id} is also a document id`);
  return ids;
}

/**
 * The summary documents `summary.documentIdOf` names for an event's documents as they stand in `docs` (records, or
 * null / absent when they do not exist): what a runner loads after the documents themselves. A guess for an event
 * later in a batch (an earlier event may change its documents first); the fold asks again and stops at a miss.
 */
export function summaryIdsFromDocuments(
  projection: AnyProjection,
  events: readonly RecordedEvent[],
  docs: ReadonlyMap<string, DocumentRecord<object> | null>,
): string[] {
  const of = projection.summary?.documentIdOf;
  if (of === undefined) return [];
  const found = new Set<string>();
  for (const event of events) {
    try {
      const documentIds = documentIdsOf(projection, event);
      const peer = (peerId: string): object | null => {
        if (!documentIds.includes(peerId)) throw new Error(`${projection.name}: ${peerId} is not a document of this event`);
        return docs.get(peerId)?.doc ?? null;
      };
      for (const id of documentIds) {
        for (const summaryId of idList(of(event, docs.get(id)?.doc ?? null, id, peer))) found.add(summaryId);
      }
    } catch {
      // The fold meets the same error at this event and reports it.
    }
  }
  return [...found];
}

export interface FoldFailure {
  readonly event: RecordedEvent;
  readonly index: number;
  readonly error: unknown;
}

export interface FoldResult {
  /** Final record (or null: deleted) of every document some applied event changed. */
  readonly changed: ReadonlyMap<string, DocumentRecord<object> | null>;
  /** Events that changed at least one document. */
  readonly applied: number;
  /** Index of the last event handled (applied or skipped as a replay); -1 when none. */
  readonly lastHandled: number;
  readonly failure?: FoldFailure;
  /**
   * Summary documents the event after `lastHandled` names (`summary.documentIdOf`) that the caller has not loaded
   * (`loaded`): the fold stopped before that event; load them and fold the events from it on.
   */
  readonly missing?: readonly string[];
}

type ComparePositions = (a: string, b: string) => number;

export interface TouchedIds {
  /** Per event, in order, the ids it touches as named from the event alone (its documents first, then its summaries); shorter than the events when documentId threw. */
  readonly ids: readonly (readonly string[])[];
  /** Per event, how many of its ids are its documents'. */
  readonly documents: readonly number[];
  readonly failure?: FoldFailure;
}

/** The ids every event touches, in order; stops at the first event whose documentId throws. */
export function touchedIds(projection: AnyProjection, events: readonly RecordedEvent[]): TouchedIds {
  const ids: string[][] = [];
  const documents: number[] = [];
  for (const [index, event] of events.entries()) {
    try {
      const documentIds = documentIdsOf(projection, event);
      ids.push([...documentIds, ...summaryIdsOf(projection, event, documentIds)]);
      documents.push(documentIds.length);
    } catch (error) {
      return { ids, documents, failure: { event, index, error } };
    }
  }
  return { ids, documents };
}

const NONE: readonly string[] = [];

/** Whether a document (null: absent) has not yet seen the event at `position`. */
const unseenBy = (record: DocumentRecord<object> | null | undefined, position: string, compare: ComparePositions): boolean =>
  record?.position === undefined || compare(position, record.position) > 0;

interface Move {
  readonly id: string;
  readonly before: object | null;
  readonly after: object | null;
}

interface Placed {
  readonly summaryId: string;
  readonly out: readonly SummaryCell[];
  readonly into: readonly SummaryCell[];
}

/** What one event's change of some documents (their old cells out, new ones in) adds to each summary they go to. */
function placeChange(
  summary: ProjectionSummary,
  summaryIds: readonly string[],
  out: readonly SummaryCell[],
  into: readonly SummaryCell[],
): Placed[] {
  const place = summary.place;
  // With one summary and no placement, cells go in as they are; otherwise netted first, then placed per summary.
  const delta = place === undefined && summaryIds.length === 1 ? undefined : netCells(out, into);
  // The very cells placed in the summary before (a tree's upper nodes take them all in one form) net the same.
  let lastPlaced: SummaryCell[] = [];
  let lastNetted: SummaryCell[] | undefined;
  const placed = summaryIds.map((summaryId) => {
    if (delta === undefined) return { summaryId, out, into };
    if (place === undefined) return { summaryId, out: [] as SummaryCell[], into: delta };
    const cells: SummaryCell[] = [];
    for (const cell of delta) {
      const placedCell = place(cell, summaryId);
      if (placedCell !== undefined) cells.push(placedCell);
    }
    // Placed cells netted again: several cells can take one form in a summary and come to nothing there.
    if (lastNetted === undefined || !sameCells(cells, lastPlaced)) lastNetted = netCells([], cells);
    lastPlaced = cells;
    return { summaryId, out: [] as SummaryCell[], into: lastNetted };
  });
  // A summary the event places nothing in is not rewritten (one without `place` is: its position marks the change).
  return place === undefined
    ? placed
    : placed.filter(({ summaryId, into: added }) => added.length > 0 || summary.marks?.(summaryId) === true);
}

/**
 * Folds events into the current documents. An event at or before a
 * document's position is skipped for that document, so replaying after a
 * crash changes nothing. An event is all-or-nothing: when evolve throws for
 * one of its documents, none of its changes are kept and the fold stops there.
 * With `loaded` (which ids the caller has read from the store), an event naming a summary the caller has not read
 * (`summary.documentIdOf`) stops the fold before it, with `missing`; without it, what `current` lacks does not exist.
 */
export function foldEvents(
  projection: AnyProjection,
  current: ReadonlyMap<string, DocumentRecord<object>>,
  events: readonly RecordedEvent[],
  comparePositions: ComparePositions,
  touched: TouchedIds = touchedIds(projection, events),
  loaded?: (id: string) => boolean,
): FoldResult {
  const { ids, documents, failure: idFailure } = touched;
  const working = new Map<string, DocumentRecord<object> | null>(current);
  const changed = new Map<string, DocumentRecord<object> | null>();
  const summaries = new Map<string, SummaryWork>();
  const summary = projection.summary;
  const documentIdOf = summary?.documentIdOf;
  let applied = 0;
  let lastHandled = -1;
  // One map for every event's changes, emptied before each: a fold visits tens of thousands of events.
  const next = new Map<string, DocumentRecord<object> | null>();
  for (const [index, eventIds] of ids.entries()) {
    const event = events[index] as RecordedEvent;
    next.clear();
    // touchedIds put the summaries named by the event last, after the documents' own.
    const documentCount = documents[index] as number;
    const documentIds = documentCount === eventIds.length ? eventIds : eventIds.slice(0, documentCount);
    const summaryIds = documentCount === eventIds.length ? NONE : eventIds.slice(documentCount);
    // Only the event's own documents, as they stood before it (`working` takes the event's changes after it): what a
    // peer reads is then the same whatever else the batch holds.
    const peer = (peerId: string): object | null => {
      if (!documentIds.includes(peerId)) throw new Error(`${projection.name}: ${peerId} is not a document of this event`);
      return working.get(peerId)?.doc ?? null;
    };
    // Summaries named from a document (and not by the event, which gives its summaries every document's change): the
    // documents naming each, whose changes alone go there.
    let namedBy: Map<string, string[]> | undefined;
    if (documentIdOf !== undefined && documentIds.length > 0) {
      try {
        for (const id of documentIds) {
          const record = working.get(id);
          if (!unseenBy(record, event.position, comparePositions)) continue;
          for (const summaryId of idList(documentIdOf(event, record?.doc ?? null, id, peer))) {
            if (documentIds.includes(summaryId)) throw new Error(`${projection.name}: summary id ${summaryId} is also a document id`);
            if (summaryIds.includes(summaryId)) continue;
            const naming = (namedBy ??= new Map()).get(summaryId);
            if (naming === undefined) namedBy.set(summaryId, [id]);
            else if (!naming.includes(id)) naming.push(id);
          }
        }
      } catch (error) {
        return { changed, applied, lastHandled, failure: { event, index, error } };
      }
      if (loaded !== undefined) {
        const missing = [...summaryIds, ...(namedBy?.keys() ?? [])].filter((id) => !loaded(id) && !working.has(id));
        if (missing.length > 0) return { changed, applied, lastHandled, missing };
      }
    }
    const moves: Move[] = [];
    try {
      for (const id of documentIds) {
        const record = working.get(id) ?? null;
        if (!unseenBy(record, event.position, comparePositions)) continue;
        const doc = projection.evolve(record?.doc ?? null, event, id, peer);
        if (doc === null && record === null) continue;
        // The very document handed in: nothing changed, nothing to write (replaying the event gives it again).
        if (record !== null && doc === record.doc) continue;
        next.set(id, doc === null ? null : { id, doc, position: event.position });
        if (summaryIds.length > 0 || namedBy !== undefined) moves.push({ id, before: record?.doc ?? null, after: doc });
      }
      if (summary && moves.length > 0) {
        // Every cell computed and placed before any summary changes, so a throwing `cells` or `place` leaves them as they were.
        const groups: { ids: readonly string[]; moves: readonly Move[] }[] = [];
        const every = summaryIds.length > 0 ? { ids: [...summaryIds], moves } : undefined;
        if (every) groups.push(every);
        if (namedBy !== undefined) {
          const byDocuments = new Map<string, { ids: string[]; moves: readonly Move[] }>();
          for (const [summaryId, naming] of namedBy) {
            const key = naming.join('\u0000');
            const group = byDocuments.get(key);
            if (group) group.ids.push(summaryId);
            else byDocuments.set(key, { ids: [summaryId], moves: moves.filter((move) => naming.includes(move.id)) });
          }
          for (const group of byDocuments.values()) {
            if (group.moves.length === 0) continue;
            // Named by every document that changed (one, mostly): the same change as the event's own summaries take,
            // netted once with theirs.
            if (every && group.moves.length === moves.length) every.ids.push(...group.ids);
            else groups.push(group);
          }
        }
        const placed = groups.flatMap((group) =>
          placeChange(
            summary,
            group.ids,
            group.moves.flatMap(({ before }) => (before === null ? [] : summary.cells(before))),
            group.moves.flatMap(({ after }) => (after === null ? [] : summary.cells(after))),
          ),
        );
        for (const { summaryId, out: removed, into: added } of placed) {
          let work = summaries.get(summaryId);
          if (!work) {
            const stored = working.get(summaryId)?.doc;
            summaries.set(summaryId, (work = new SummaryWork(isSummaryDoc(stored) ? stored : undefined)));
          }
          work.add(removed, -1);
          work.add(added, 1);
          next.set(summaryId, { id: summaryId, doc: work.doc(), position: event.position });
        }
      }
    } catch (error) {
      return { changed, applied, lastHandled, failure: { event, index, error } };
    }
    for (const [id, record] of next) {
      working.set(id, record);
      changed.set(id, record);
    }
    if (next.size > 0) applied += 1;
    lastHandled = index;
  }
  return { changed, applied, lastHandled, ...(idFailure ? { failure: idFailure } : {}) };
}
