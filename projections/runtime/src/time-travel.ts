import type { EventStore, RecordedEvent } from '@crm/shared/event-sourcing';
import type { Clock } from '@crm/shared/kernel';
import type { AnyProjection, ReadStore } from '@crm/shared/read-model';
import { applyBatch } from './batch';
import { ProjectionFailedError } from './errors';
import { ProgressMeter, type ProjectionProgress } from './progress';
import { eventSourceOf } from './event-sources';
import { asOfStateName } from './naming';

export type AsOf = { readonly position: string } | { readonly occurredBefore: string };

export interface TimeTravelRequest {
  readonly name: string;
  /** Through this position (inclusive), or every event recorded before this ISO time. */
  readonly until: AsOf;
  /** The physical collection to build into; emptied first. Queries read it by this name. */
  readonly target: string;
  readonly onProgress?: (progress: ProjectionProgress) => void;
}

export interface TimeTravelResult {
  readonly projection: string;
  readonly target: string;
  readonly eventsApplied: number;
  /** Position of the last event taken into account. */
  readonly lastPosition: string | undefined;
}

export interface TimeTravelContext {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly clock: Clock;
  /** A bulk load like a rebuild's: its batches, and commits that need not wait for the disk (a crash means running it again). */
  readonly rebuildBatchSize: number;
}

function cutoffOf(until: AsOf, compare: (a: string, b: string) => number): (event: RecordedEvent) => boolean {
  if ('position' in until) {
    compare(until.position, until.position); // a checkpoint of another adapter fails here, not halfway through
    return (event) => compare(event.position, until.position) <= 0;
  }
  const instant = Date.parse(until.occurredBefore);
  if (Number.isNaN(instant)) throw new RangeError(`occurredBefore is not an ISO date-time: ${JSON.stringify(until.occurredBefore)}`);
  return (event) => Date.parse(event.metadata.occurredAt) < instant;
}

/**
 * Builds a projection as it stood at a position or a date into a collection
 * of its own, from the events alone: deterministic, and nothing serving is
 * touched. Bounded by the head at the start, so a busy store cannot keep it
 * running; "as of a date" scans to that head, since occurredAt is not
 * guaranteed to grow with the position.
 */
export async function timeTravel(
  context: TimeTravelContext,
  projection: AnyProjection,
  request: TimeTravelRequest,
): Promise<TimeTravelResult> {
  const { eventStore, readStore, clock, rebuildBatchSize } = context;
  const compare = (a: string, b: string) => eventStore.comparePositions(a, b);
  const included = cutoffOf(request.until, compare);
  const head = await eventStore.headPosition();
  const stopAt =
    'position' in request.until && head !== undefined && compare(request.until.position, head) < 0 ? request.until.position : head;
  const meter = new ProgressMeter(
    { projection: projection.name, phase: 'time-travel', collection: request.target },
    undefined,
    stopAt,
    clock,
  );
  // Recorded before its first document, so an erasure from now on finds the build and purges it (read-model-purge).
  await readStore.transaction((tx) =>
    tx.saveState({ name: asOfStateName(projection.name, request.target), collection: request.target, version: projection.version }),
  );
  await readStore.dropCollection(request.target);
  let after: string | undefined;
  let applied = 0;
  let lastPosition: string | undefined;
  while (stopAt !== undefined && (after === undefined || compare(after, stopAt) < 0)) {
    const slice = await eventSourceOf(eventStore, projection).readAll({
      after,
      maxCount: rebuildBatchSize,
      filter: { eventTypes: projection.eventTypes },
    });
    const events = slice.events.filter((event) => compare(event.position, stopAt) <= 0 && included(event));
    const target = {
      projection,
      store: readStore,
      collection: request.target,
      comparePositions: compare,
      now: () => clock.now().toISOString(),
      durable: false,
    };
    const result = await applyBatch(target, events, slice.checkpoint ?? '');
    if (result.failure) throw new ProjectionFailedError(projection.name, result.failure);
    applied += result.applied;
    lastPosition = events[events.length - 1]?.position ?? lastPosition;
    if (slice.checkpoint === undefined || slice.checkpoint === after) break;
    after = slice.checkpoint;
    request.onProgress?.(meter.record(result.applied, after));
    if (slice.isEnd) break;
  }
  request.onProgress?.(meter.record(0, after, true));
  return { projection: projection.name, target: request.target, eventsApplied: applied, lastPosition };
}
