import type { Refusal } from '@crm/shared/kernel';
import { foldEvents, type Decider } from './decider';
import { DomainError, IdempotencyConflictError } from './errors';
import type { Command, Event, RecordedEvent } from './event';
import type { EventStore, ReadAllOptions } from './event-store';
import { eventIdFor } from './handle-command';

/** Another aggregate's current state, for checks a handler makes before deciding; no snapshot needed for these short streams. */
export async function loadState<S, C extends Command, E extends Event>(
  store: EventStore,
  decider: Decider<S, C, E>,
  streamId: string,
  tenantId: string,
): Promise<S> {
  return (await loadWithRevision(store, decider, streamId, tenantId)).state;
}

/** State and the revision it was folded up to, from one read: what an append at that revision must agree with. */
export async function loadWithRevision<S, C extends Command, E extends Event>(
  store: EventStore,
  decider: Decider<S, C, E>,
  streamId: string,
  tenantId: string,
): Promise<{ state: S; revision: number | undefined }> {
  const events = (await store.readStream(streamId, { tenantId })) as readonly RecordedEvent<E>[];
  return { state: foldEvents(decider, decider.initialState(), events as Iterable<E>), revision: events[events.length - 1]?.revision };
}

/**
 * A command may name a record of another stream: an unknown one is refused
 * before anything is recorded, with that record's NOT_FOUND (404) naming the
 * body field that referred to it — the one rule for references in every context.
 */
export async function requireReference(
  store: EventStore,
  streamId: string,
  tenantId: string,
  notFound: Refusal<string, 404>,
  id: string,
  field: string,
): Promise<void> {
  if ((await store.streamRevision(streamId, { tenantId })) === undefined) {
    throw new DomainError(notFound, `${streamId} does not exist`, { fields: [field], id });
  }
}

/** The addressed aggregate must exist before anything it refers to is looked up. */
export async function requireStream(
  store: EventStore,
  streamId: string,
  tenantId: string,
  notFound: Refusal<string, 404>,
  id: string,
): Promise<void> {
  if ((await store.streamRevision(streamId, { tenantId })) === undefined) {
    throw new DomainError(notFound, `${streamId} does not exist`, { id });
  }
}

/**
 * The event a command recorded (or recorded the first time, for a retry):
 * what its reactions start from. A key first used for another command on the
 * same stream finds that command's event instead: refused as a reused key.
 */
export async function firstEventOf<E extends Event>(
  store: EventStore,
  commandId: string,
  tenantId: string,
  type: E['type'],
): Promise<RecordedEvent<E>> {
  const event = await store.findEvent(eventIdFor(commandId, 0), { tenantId });
  if (event?.type !== type) throw new IdempotencyConflictError(commandId);
  return event as RecordedEvent<E>;
}

/** Whether this command id has already recorded something: a retry takes the first reply's path. */
export async function alreadyRecorded(store: EventStore, commandId: string, tenantId: string): Promise<boolean> {
  return (await store.findEvent(eventIdFor(commandId, 0), { tenantId })) !== undefined;
}

/** The later of two global positions: a reply names the last thing its command caused, for read-your-writes. */
export function laterPosition(store: EventStore, ...positions: readonly (string | undefined)[]): string | undefined {
  return positions.reduce<string | undefined>(
    (latest, position) =>
      position === undefined || (latest !== undefined && store.comparePositions(latest, position) >= 0) ? latest : position,
    undefined,
  );
}

/**
 * Every event of `$all` the filter takes, page by page (`maxCount` each, 1000 by default), in order: for the few
 * reads that must see the whole history of some event types (an erasure's listing of a person's records).
 */
export async function* everyEvent(store: EventStore, options: Omit<ReadAllOptions, 'after'> = {}): AsyncGenerator<RecordedEvent> {
  for (let after: string | undefined; ;) {
    const slice = await store.readAll({ maxCount: 1000, ...options, after });
    yield* slice.events;
    if (slice.isEnd || slice.checkpoint === undefined || slice.checkpoint === after) return;
    after = slice.checkpoint;
  }
}
