import { deepStrictEqual, fail } from 'node:assert/strict';
import { DEFAULT_TENANT, type Event, type EventMetadata, type RecordedEvent } from '@crm/shared/event-sourcing';
import {
  foldEvents,
  isSummaryDoc,
  summaryCellKey,
  type AnyProjection,
  type DocumentRecord,
  type Projection,
  type SummaryCell,
  type SummaryDoc,
} from '@crm/shared/read-model';

/** An event as a projection test states it: type and data, plus whatever envelope fields matter to the projection. */
export type GivenEvent<E extends Event = Event> = E & {
  readonly streamId?: string;
  readonly metadata?: Partial<EventMetadata>;
};

type Documents = ReadonlyMap<string, DocumentRecord<object>>;

const comparePositions = (a: string, b: string) => Math.sign(Number(a) - Number(b));

/** Positions 1, 2, 3… and per-stream revisions, as a store would record them. */
function record(events: readonly GivenEvent[]): RecordedEvent[] {
  const revisions = new Map<string, number>();
  return events.map((event, index) => {
    const streamId = event.streamId ?? 'test-1';
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const eventId = event.metadata?.eventId ?? `event-${index + 1}`;
    const metadata: EventMetadata = {
      commandId: eventId,
      correlationId: eventId,
      causationId: eventId,
      actor: { id: 'tester', roles: [] },
      tenantId: DEFAULT_TENANT,
      occurredAt: '2026-01-01T08:30:00.000Z',
      schemaVersion: 1,
      prevHash: '',
      hash: '',
      ...event.metadata,
      eventId,
    };
    return deepFreeze({ streamId, type: event.type, data: event.data, revision, position: String(index + 1), metadata });
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}

/** Documents come back frozen, so an evolve that mutates its input fails the spec instead of corrupting a batch. */
function guarded(projection: AnyProjection): AnyProjection {
  return { ...projection, evolve: (doc, event, id, peer) => deepFreeze(projection.evolve(doc, event, id, peer)) };
}

function fold(projection: AnyProjection, start: Documents, events: readonly RecordedEvent[]): Map<string, DocumentRecord<object>> {
  const result = foldEvents(projection, start, events, comparePositions);
  if (result.failure) {
    const { event, error } = result.failure;
    fail(
      `${projection.name} failed on ${event.type} at position ${event.position}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const documents = new Map(start);
  for (const [id, changed] of result.changed) {
    if (changed) documents.set(id, changed);
    else documents.delete(id);
  }
  return documents;
}

/** What a store would hand back: JSON only, keyed and sorted by id. */
function asStored(documents: Documents): Record<string, unknown> {
  const ids = [...documents.keys()].sort();
  return Object.fromEntries(ids.map((id) => [id, JSON.parse(JSON.stringify((documents.get(id) as DocumentRecord<object>).doc))]));
}

/**
 * Runs the events through the projection and checks, every time, that it is a
 * deterministic replayable fold: a second run gives identical documents, and
 * replaying every event again after a crash at any point changes nothing.
 */
function project(projection: AnyProjection, history: readonly GivenEvent[]): Record<string, unknown> {
  const events = record(history);
  const safe = guarded(projection);
  const first = fold(safe, new Map(), events);
  const documents = asStored(first);
  deepStrictEqual(asStored(fold(safe, new Map(), events)), documents, `${projection.name}: a second run gave other documents`);
  // A crash after any prefix was written, then a replay from the start, must land on the same documents.
  const crashPoints = events.length <= 100 ? events.map((_, i) => i) : [Math.floor(events.length / 2)];
  for (const crashAt of [...crashPoints, events.length]) {
    const partial = fold(safe, new Map(), events.slice(0, crashAt));
    const replayed = asStored(fold(safe, partial, events));
    deepStrictEqual(replayed, documents, `${projection.name}: replaying after the first ${crashAt} events changed the documents`);
  }
  if (projection.summary) assertSummaryAddsUp(projection, documents);
  return documents;
}

/** Merged cells, keyed by their dimensions, without the cells that add nothing. */
function mergeCells(cells: readonly SummaryCell[]): Record<string, Record<string, number>> {
  const merged: Record<string, Record<string, number>> = {};
  for (const cell of cells) {
    const values = (merged[summaryCellKey(cell.dims)] ??= {});
    for (const [name, value] of Object.entries(cell.values)) values[name] = (values[name] ?? 0) + value;
  }
  for (const [key, values] of Object.entries(merged)) if (Object.values(values).every((value) => value === 0)) delete merged[key];
  return merged;
}

/** The summaries kept along the way must equal the cells of the final documents, summed afresh. */
function assertSummaryAddsUp(projection: AnyProjection, documents: Record<string, unknown>): void {
  const summary = projection.summary as NonNullable<AnyProjection['summary']>;
  const docs = Object.values(documents);
  const cells = docs.filter((doc) => !isSummaryDoc(doc)).flatMap((doc) => summary.cells(doc as object));
  const kept = summary.total
    ? mergeCells(
        summary.total.of(new Map(Object.entries(documents).filter((entry): entry is [string, SummaryDoc] => isSummaryDoc(entry[1])))),
      )
    : mergeCells(docs.filter(isSummaryDoc).flatMap((doc) => Object.values(doc.cells)));
  const fresh = mergeCells(summary.total ? summary.total.ofCells(cells) : cells);
  deepStrictEqual(kept, fresh, `${projection.name}: the summary kept does not add up to its documents' cells`);
}

/** Documents without the summaries (see thenSummary). */
const withoutSummaries = (documents: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(documents).filter(([, doc]) => !isSummaryDoc(doc)));

/**
 * given(events).thenDocuments(expected): a projection checked as history in,
 * documents out (STYLE.md 7). Runner-agnostic (node:assert), no store needed.
 */
export function projectionSpec<Doc extends object, E extends Event>(projection: Projection<Doc, E>) {
  const erased = projection as unknown as AnyProjection;
  return {
    given(history: readonly GivenEvent<E>[]) {
      const documents = () => project(erased, history);
      return {
        /** Every document the history leaves, by id, and nothing else (summary documents aside: thenSummary). */
        thenDocuments(expected: Readonly<Record<string, Doc>>): void {
          deepStrictEqual(withoutSummaries(documents()), JSON.parse(JSON.stringify(expected)));
        },
        /** A summary document's cells, each as dimensions and values, in any order. */
        thenSummary(id: string, expected: readonly SummaryCell[]): void {
          const doc = documents()[id];
          if (!isSummaryDoc(doc)) return fail(`${projection.name}: no summary document ${id}`);
          deepStrictEqual(mergeCells(Object.values(doc.cells)), mergeCells(expected));
        },
        /** One document, or null when it must not exist. */
        thenDocument(id: string, expected: Doc | null): void {
          deepStrictEqual(documents()[id] ?? null, expected === null ? null : JSON.parse(JSON.stringify(expected)));
        },
        /** The projection must stop on this history (a bug it should report, not swallow). */
        thenFails(message: string | RegExp): void {
          const events = record(history);
          const failure = foldEvents(erased, new Map(), events, comparePositions).failure;
          if (!failure) return fail(`${projection.name} applied every event, expected a failure matching ${String(message)}`);
          const text = failure.error instanceof Error ? failure.error.message : String(failure.error);
          if (typeof message === 'string' ? !text.includes(message) : !message.test(text)) {
            fail(`${projection.name} failed with "${text}", expected ${String(message)}`);
          }
        },
      };
    },
  };
}
