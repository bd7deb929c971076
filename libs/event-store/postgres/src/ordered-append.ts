import {
  chainHash,
  GENESIS_HASH,
  latestPosition,
  tenantOf,
  validateOrderedAppends,
  type AppendResult,
  type MultiStreamAppendResult,
  type RecordedEvent,
  type StreamAppend,
  type TenantScoped,
} from '@crm/shared/event-sourcing';
import {
  isEventIdClash,
  isRevisionRace,
  MAX_RACE_RETRIES,
  MAX_RETRIES,
  satisfies,
  toError,
  TRANSIENT,
  wrongRevision,
  type AppendRequest,
} from './append-request';
import { failureOf, preparedAppends } from './multi-append';
import { comparePositions, formatPosition } from './positions';

/** A stream's last event before the batch: its revision (-1: no stream) and hash. */
export interface StreamHead {
  readonly revision: number;
  readonly hash: string;
}

/** What the ordered insert returns: every inserted event's stream, revision and global position. */
export interface InsertedEvents {
  readonly streamIds: readonly string[];
  readonly revisions: readonly string[];
  readonly positions: readonly string[];
}

/** What an ordered append needs from the store. */
export interface OrderedAppendBackend {
  /** The committed head of each stream named (absent: no stream). */
  heads(tenantId: string, streamIds: readonly string[]): Promise<ReadonlyMap<string, StreamHead>>;
  /** Inserts the rows (orderedRowsPayload) in one statement; rejects with the driver's error. */
  insert(tenantId: string, payload: string): Promise<InsertedEvents>;
  findEvents(tenantId: string, eventIds: readonly string[]): Promise<readonly RecordedEvent[]>;
}

interface PartEnd {
  readonly streamId: string;
  readonly revision: number;
}

type Plan = { readonly payload: string; readonly ends: readonly PartEnd[] } | { readonly refused: AppendRequest; readonly actual: number };

/**
 * `appendInOrder` on PostgreSQL: the heads of the batch's streams in one read,
 * each part checked (`satisfies`, as every append of this store) against the
 * head the parts before it left and its hash chain built here, as a new
 * stream's first events are; then every event in one multi-row INSERT, so one
 * statement and one transaction, in the order given. No lock is taken: as for
 * every append of this store, the unique (tenant, stream, revision) key lets a
 * concurrent writer's revision through or this one, never both, and the loser
 * is tried again from a fresh read of the heads.
 */
export async function runOrderedAppend(
  appends: readonly StreamAppend[],
  options: TenantScoped | undefined,
  backend: OrderedAppendBackend,
): Promise<MultiStreamAppendResult> {
  const tenantId = tenantOf(options);
  validateOrderedAppends(appends, tenantId);
  const { requests, storedAlready } = preparedAppends(appends, tenantId, backend);
  const streamIds = [...new Set(requests.map((request) => request.streamId))];
  let retries = MAX_RETRIES;
  let raceRetries = MAX_RACE_RETRIES;
  for (;;) {
    const plan = planRows(requests, await backend.heads(tenantId, streamIds));
    if ('refused' in plan) {
      // A retried batch comes back with expectations its own first run made stale.
      const retried = await storedAlready();
      if (retried) return retried;
      throw wrongRevision(plan.refused, plan.actual);
    }
    let failure;
    try {
      return resultOf(plan.ends, await backend.insert(tenantId, plan.payload));
    } catch (error) {
      failure = failureOf(error);
    }
    if (failure.code !== undefined && TRANSIENT.has(failure.code) && retries-- > 0) continue;
    // Another writer took a revision this batch meant to write: read the heads again and check again.
    if (isRevisionRace(failure) && raceRetries-- > 0) continue;
    if (isEventIdClash(failure)) {
      const retried = await storedAlready();
      if (retried) return retried;
      if (retries-- > 0) continue;
    }
    throw toError(failure);
  }
}

/** Every part against the head the parts before it left: the rows to insert, or the first part refused. */
function planRows(requests: readonly AppendRequest[], stored: ReadonlyMap<string, StreamHead>): Plan {
  const heads = new Map(stored);
  const rows: string[] = [];
  const ends: PartEnd[] = [];
  for (const request of requests) {
    const head = heads.get(request.streamId) ?? { revision: -1, hash: GENESIS_HASH };
    if (!satisfies(request.expected, head.revision)) return { refused: request, actual: head.revision };
    let { revision, hash } = head;
    const stream = JSON.stringify(request.streamId);
    const category = JSON.stringify(request.category);
    for (const event of request.wire) {
      const prev = hash;
      revision += 1;
      hash = chainHash(prev, revision, event.contentHash);
      rows.push(
        `{"stream_id":${stream},"category":${category},"revision":${revision},"event_id":${JSON.stringify(event.eventId)},` +
          `"type":${JSON.stringify(event.type)},"data":${event.data},"metadata":${event.metadata},"prev_hash":"${prev}","hash":"${hash}"}`,
      );
    }
    heads.set(request.streamId, { revision, hash });
    ends.push({ streamId: request.streamId, revision });
  }
  return { payload: `[${rows.join(',')}]`, ends };
}

function resultOf(ends: readonly PartEnd[], inserted: InsertedEvents): MultiStreamAppendResult {
  const positions = new Map<string, string>();
  inserted.positions.forEach((position, i) => positions.set(key(inserted.streamIds[i] ?? '', Number(inserted.revisions[i])), position));
  const streams = ends.map((end, index): AppendResult => {
    const position = positions.get(key(end.streamId, end.revision));
    if (position === undefined) throw new Error(`the ordered append did not insert the last event of part ${index} (${end.streamId})`);
    return { nextExpectedRevision: end.revision, position };
  });
  return { streams, position: latestPosition(streams, comparePositions) };
}

function key(streamId: string, revision: number): string {
  return `${streamId}\u0000${revision}`;
}

/** The insert's rows as pg returns them, to InsertedEvents. */
export function insertedEvents(row: {
  readonly xid: string;
  readonly stream_ids: readonly string[];
  readonly revisions: readonly string[];
  readonly positions: readonly string[];
}): InsertedEvents {
  return {
    streamIds: row.stream_ids,
    revisions: row.revisions,
    positions: row.positions.map((position) => formatPosition(row.xid, position)),
  };
}
