import type { Event, RecordedEvent } from '@crm/shared/event-sourcing';
import type { DocumentRecord } from './document';

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
  /** Field sets queries filter or sort on; adapters that can index them do. */
  readonly indexes?: readonly (readonly string[])[];
  /** The document(s) an event touches; undefined when it touches none. Include the tenant (DESIGN.md "Tenancy"). */
  documentId(event: RecordedOf<E>): string | readonly string[] | undefined;
  /** Returns the next document, or null to delete it. Must not mutate `doc`. */
  evolve(doc: Doc | null, event: RecordedOf<E>, id: string): Doc | null;
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
}

type ComparePositions = (a: string, b: string) => number;

export interface TouchedIds {
  /** Per event, in order, the ids it touches; shorter than the events when documentId threw. */
  readonly ids: readonly (readonly string[])[];
  readonly failure?: FoldFailure;
}

/** The ids every event touches, in order; stops at the first event whose documentId throws. */
export function touchedIds(projection: AnyProjection, events: readonly RecordedEvent[]): TouchedIds {
  const ids: string[][] = [];
  for (const [index, event] of events.entries()) {
    try {
      ids.push([...documentIdsOf(projection, event)]);
    } catch (error) {
      return { ids, failure: { event, index, error } };
    }
  }
  return { ids };
}

/**
 * Folds events into the current documents. An event at or before a
 * document's position is skipped for that document, so replaying after a
 * crash changes nothing. An event is all-or-nothing: when evolve throws for
 * one of its documents, none of its changes are kept and the fold stops there.
 */
export function foldEvents(
  projection: AnyProjection,
  current: ReadonlyMap<string, DocumentRecord<object>>,
  events: readonly RecordedEvent[],
  comparePositions: ComparePositions,
  touched: TouchedIds = touchedIds(projection, events),
): FoldResult {
  const { ids, failure: idFailure } = touched;
  const working = new Map<string, DocumentRecord<object> | null>(current);
  const changed = new Map<string, DocumentRecord<object> | null>();
  let applied = 0;
  let lastHandled = -1;
  for (const [index, eventIds] of ids.entries()) {
    const event = events[index] as RecordedEvent;
    const next = new Map<string, DocumentRecord<object> | null>();
    try {
      for (const id of eventIds) {
        const record = working.get(id) ?? null;
        if (record?.position !== undefined && comparePositions(event.position, record.position) <= 0) continue;
        const doc = projection.evolve(record?.doc ?? null, event, id);
        if (doc === null && record === null) continue;
        next.set(id, doc === null ? null : { id, doc, position: event.position });
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
