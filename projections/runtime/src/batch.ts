import type { RecordedEvent } from '@crm/shared/event-sourcing';
import type { DocumentCache } from './document-cache';
import {
  foldEvents,
  type DocumentRecord,
  touchedIds,
  type AnyProjection,
  type FoldFailure,
  type FoldResult,
  summaryIdsFromDocuments,
  type ProjectionFailure,
  type ProjectionState,
  type ReadStore,
} from '@crm/shared/read-model';

export interface BatchTarget {
  readonly projection: AnyProjection;
  readonly store: ReadStore;
  readonly collection: string;
  readonly comparePositions: (a: string, b: string) => number;
  /** The state to advance in the same transaction; none for time travel. */
  readonly state?: ProjectionState;
  readonly now: () => string;
  /** Documents the target already knows, so they need not be loaded again. */
  readonly cache?: DocumentCache;
  /** False for work that is redone from its checkpoint after a crash (a rebuild): the commit need not wait for the disk. */
  readonly durable?: boolean;
  /**
   * Asked once the documents are loaded, right before the fold and the commit (the part that holds the event loop):
   * a promise to wait for first (a turn of the loop, see LoopBudget). Every adapter buffers a transaction's writes
   * until its work returns, so waiting here holds no lock; the lane is its collection's only writer.
   */
  readonly pace?: () => Promise<void> | undefined;
  /**
   * Fold at most this many events at a time (a projection's `maxBatch`), letting the event loop turn between the
   * parts; they still commit together, in the batch's one transaction. Default: the batch in one fold.
   */
  readonly partSize?: number;
}

export interface BatchResult {
  /** The state as committed (undefined without one). */
  readonly state: ProjectionState | undefined;
  readonly applied: number;
  readonly failure?: ProjectionFailure;
}

const MAX_MESSAGE = 2000;
const RELAXED = { durable: false } as const;

function describeFailure(failure: FoldFailure, at: string): ProjectionFailure {
  const { event, error } = failure;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    eventId: event.metadata.eventId,
    position: event.position,
    type: event.type,
    streamId: event.streamId,
    message: message.slice(0, MAX_MESSAGE),
    at,
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Applies one batch in ONE read-store transaction: load the touched documents,
 * fold the events in order, write the changed documents and the state. When
 * the projection throws, everything before the failing event still commits,
 * the checkpoint stops just before it and the failure is recorded with it, so
 * a resume starts exactly at that event. With a `partSize`, the events are
 * folded part by part (the event loop turning in between), each part starting
 * from the documents the parts before it left, and every document changed is
 * written once, at the end.
 */
export async function applyBatch(target: BatchTarget, events: readonly RecordedEvent[], checkpoint: string): Promise<BatchResult> {
  const { projection, store, collection, state, cache } = target;
  const size = target.partSize !== undefined && target.partSize > 0 ? target.partSize : Math.max(1, events.length);
  let loaded = new Map<string, DocumentRecord<object> | null>();
  let changed = new Map<string, DocumentRecord<object> | null>();
  try {
    const result = await store.transaction(
      async (tx) => {
        // Afresh on every attempt (an adapter may run the work again). Every id this batch has looked at: its record,
        // or null (absent or deleted), so none is loaded twice.
        const known = new Map<string, DocumentRecord<object> | null>();
        loaded = new Map();
        changed = new Map();
        let applied = 0;
        let through: string | undefined = checkpoint;
        let last: RecordedEvent | undefined = events[events.length - 1];
        let failure: ProjectionFailure | undefined;
        for (let start = 0; start < events.length || start === 0; start += size) {
          if (start > 0) await nextTurn();
          const part = start === 0 && size >= events.length ? events : events.slice(start, start + size);
          const touched = touchedIds(projection, part);
          const load = async (ids: Iterable<string>) => {
            const unseen = new Set<string>();
            for (const id of ids) if (!known.has(id)) unseen.add(id);
            if (unseen.size === 0) return;
            const fresh = [...unseen];
            const cached = cache?.lookup(fresh) ?? { known: new Map<string, DocumentRecord<object>>(), unknown: fresh };
            for (const id of fresh) known.set(id, cached.known.get(id) ?? null);
            if (cached.unknown.length > 0) {
              const found = await tx.getMany<object>(collection, cached.unknown);
              for (const id of cached.unknown) {
                const record = found.get(id) ?? null;
                loaded.set(id, record);
                known.set(id, record);
              }
            }
          };
          await load(touched.ids.flat());
          // Summaries named from the documents (`summary.documentIdOf`): loaded once the documents are, as the part's
          // events find them; an event whose documents an earlier one changes may name others, which the fold asks for.
          const named = summaryIdsFromDocuments(projection, part, known);
          await load(named);
          const paced = target.pace?.();
          if (paced) await paced;
          const isKnown = (id: string) => known.has(id);
          let fold: FoldResult;
          let from = 0;
          for (;;) {
            const rest = from === 0 ? part : part.slice(from);
            const restTouched =
              from === 0 ? touched : { ...touched, ids: touched.ids.slice(from), documents: touched.documents.slice(from) };
            const current = new Map<string, DocumentRecord<object>>();
            for (const id of [...restTouched.ids.flat(), ...named]) {
              const record = known.get(id);
              if (record) current.set(id, record);
            }
            const restFailure = touched.failure && { ...touched.failure, index: touched.failure.index - from };
            const folded = foldEvents(
              projection,
              current,
              rest,
              target.comparePositions,
              { ...restTouched, ...(restFailure ? { failure: restFailure } : {}) },
              isKnown,
            );
            for (const [id, record] of folded.changed) {
              changed.set(id, record);
              known.set(id, record);
            }
            applied += folded.applied;
            fold = { ...folded, lastHandled: folded.lastHandled < 0 ? from - 1 : from + folded.lastHandled };
            if (folded.missing === undefined) break;
            await load(folded.missing);
            named.push(...folded.missing);
            from = fold.lastHandled + 1;
          }
          if (fold.failure) {
            failure = describeFailure(fold.failure, target.now());
            last = fold.lastHandled >= 0 ? part[fold.lastHandled] : start > 0 ? events[start - 1] : undefined;
            through = last ? last.position : state?.checkpoint;
            break;
          }
        }
        for (const [id, record] of changed) {
          if (record) tx.put(collection, id, record.doc, record.position);
          else tx.delete(collection, id);
        }
        if (!state) return { state, applied, ...(failure ? { failure } : {}) };
        const { error: _cleared, ...rest } = state;
        const next: ProjectionState = {
          ...rest,
          ...(through === undefined ? {} : { checkpoint: through }),
          ...(last ? { seen: { eventId: last.metadata.eventId, tenantId: last.metadata.tenantId, position: last.position } } : {}),
          ...(failure ? { error: failure } : {}),
          updatedAt: failure?.at ?? target.now(),
        };
        tx.saveState(next);
        return { state: next, applied, ...(failure ? { failure } : {}) };
      },
      target.durable === false ? RELAXED : undefined,
    );
    if (result.failure)
      cache?.clear(); // a throwing evolve may have scribbled on a cached document
    else {
      for (const [id, record] of loaded) cache?.remember(id, record);
      for (const [id, record] of changed) cache?.remember(id, record);
    }
    return result;
  } catch (error) {
    cache?.clear();
    throw error;
  }
}
