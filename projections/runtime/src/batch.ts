import type { RecordedEvent } from '@crm/shared/event-sourcing';
import type { DocumentCache } from './document-cache';
import {
  foldEvents,
  type DocumentRecord,
  touchedIds,
  type AnyProjection,
  type FoldFailure,
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

/**
 * Applies one batch in ONE read-store transaction: load the touched documents,
 * fold the events in order, write the changed documents and the state. When
 * the projection throws, everything before the failing event still commits,
 * the checkpoint stops just before it and the failure is recorded with it, so
 * a resume starts exactly at that event.
 */
export async function applyBatch(target: BatchTarget, events: readonly RecordedEvent[], checkpoint: string): Promise<BatchResult> {
  const { projection, store, collection, state, cache } = target;
  const touched = touchedIds(projection, events);
  const { known, unknown } = cache?.lookup([...new Set(touched.ids.flat())]) ?? {
    known: new Map(),
    unknown: [...new Set(touched.ids.flat())],
  };
  let loaded: ReadonlyMap<string, DocumentRecord<object>> = new Map();
  let changed: ReadonlyMap<string, DocumentRecord<object> | null> = new Map();
  try {
    const result = await store.transaction(
      async (tx) => {
        loaded = unknown.length > 0 ? await tx.getMany<object>(collection, unknown) : new Map();
        const paced = target.pace?.();
        if (paced) await paced;
        const current = known;
        for (const [id, record] of loaded) current.set(id, record);
        const fold = foldEvents(projection, current, events, target.comparePositions, touched);
        changed = fold.changed;
        for (const [id, record] of fold.changed) {
          if (record) tx.put(collection, id, record.doc, record.position);
          else tx.delete(collection, id);
        }
        const at = target.now();
        const failure = fold.failure ? describeFailure(fold.failure, at) : undefined;
        if (!state) return { state, applied: fold.applied, ...(failure ? { failure } : {}) };
        const through = failure ? (events[fold.lastHandled]?.position ?? state.checkpoint) : checkpoint;
        const { error: _cleared, ...rest } = state;
        const next: ProjectionState = {
          ...rest,
          ...(through === undefined ? {} : { checkpoint: through }),
          ...(failure ? { error: failure } : {}),
          updatedAt: at,
        };
        tx.saveState(next);
        return { state: next, applied: fold.applied, ...(failure ? { failure } : {}) };
      },
      target.durable === false ? RELAXED : undefined,
    );
    if (result.failure)
      cache?.clear(); // a throwing evolve may have scribbled on a cached document
    else {
      for (const id of unknown) cache?.remember(id, loaded.get(id) ?? null);
      for (const [id, record] of changed) cache?.remember(id, record);
    }
    return result;
  } catch (error) {
    cache?.clear();
    throw error;
  }
}
