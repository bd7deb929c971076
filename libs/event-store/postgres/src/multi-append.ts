import {
  allEventIds,
  latestPosition,
  resolveRetriedMultiAppend,
  tenantOf,
  validateMultiAppend,
  type MultiStreamAppendResult,
  type RecordedEvent,
  type StreamAppend,
  type TenantScoped,
} from '@crm/shared/event-sourcing';
import {
  batchElement,
  isEventIdClash,
  isRevisionRace,
  MAX_RACE_RETRIES,
  MAX_RETRIES,
  namesRevision,
  prepareAppend,
  satisfies,
  toError,
  TRANSIENT,
  wrongRevision,
  type AppendFailure,
  type AppendRequest,
} from './append-request';
import { comparePositions } from './positions';
import { WRONG_EXPECTED_REVISION } from './sql/append-functions.sql';

interface Row {
  readonly ord: number;
  readonly next_revision: string;
  readonly last_position: string;
}

/** What a multi-stream append needs from the store. */
export interface MultiAppendBackend {
  /** Runs append_to_streams; resolves with its rows or rejects with the driver's error. */
  send(tenantId: string, payload: string): Promise<readonly Row[]>;
  findEvents(tenantId: string, eventIds: readonly string[]): Promise<readonly RecordedEvent[]>;
  streamRevision(tenantId: string, streamId: string): Promise<number | undefined>;
}

type Failure = AppendFailure & { readonly index: number | undefined };

/**
 * Every part of a multi-stream or ordered append prepared as a single append is, and how to find the whole call
 * stored already (a stored id is only ever a retry of the whole call).
 */
export function preparedAppends(
  appends: readonly StreamAppend[],
  tenantId: string,
  backend: Pick<MultiAppendBackend, 'findEvents'>,
): { readonly requests: AppendRequest[]; readonly storedAlready: () => Promise<MultiStreamAppendResult | undefined> } {
  const requests = appends.map((append) =>
    prepareAppend(append.streamId, append.events, { tenantId, expectedRevision: append.expectedRevision }),
  );
  const storedAlready = async () =>
    resolveRetriedMultiAppend(appends, await backend.findEvents(tenantId, allEventIds(appends)), comparePositions);
  return { requests, storedAlready };
}

/**
 * `appendToStreams` on PostgreSQL: one statement (append_to_streams), so one
 * transaction. The refusals resolve as a single append's do (append-request.ts),
 * except that a stored id is only ever a retry of the whole call.
 */
export async function runMultiAppend(
  appends: readonly StreamAppend[],
  options: TenantScoped | undefined,
  backend: MultiAppendBackend,
): Promise<MultiStreamAppendResult> {
  const tenantId = tenantOf(options);
  validateMultiAppend(appends, tenantId);
  const { requests, storedAlready } = preparedAppends(appends, tenantId, backend);
  const payload = payloadOf(requests);
  let retries = MAX_RETRIES;
  let raceRetries = MAX_RACE_RETRIES;
  for (;;) {
    let failure: Failure;
    try {
      const rows = await backend.send(tenantId, payload);
      const streams = requests.map((_, index) => {
        const row = rows[index];
        if (row?.ord !== index) throw new Error('append_to_streams did not answer for every stream');
        return { nextExpectedRevision: Number(row.next_revision), position: row.last_position };
      });
      return { streams, position: latestPosition(streams, comparePositions) };
    } catch (error) {
      failure = failureOf(error);
    }
    if (failure.code !== undefined && TRANSIENT.has(failure.code) && retries-- > 0) continue;
    const request = failure.index === undefined ? undefined : requests[failure.index];
    if (!request) throw toError(failure);
    if (failure.code === WRONG_EXPECTED_REVISION && failure.detail !== undefined) throw wrongRevision(request, Number(failure.detail));
    const race = isRevisionRace(failure);
    if (race && namesRevision(request.expected)) {
      const retried = await storedAlready();
      if (retried) return retried;
      const actual = (await backend.streamRevision(tenantId, request.streamId)) ?? -1;
      if (satisfies(request.expected, actual) && retries-- > 0) continue;
      throw wrongRevision(request, actual);
    }
    if (race && raceRetries-- > 0) continue;
    if (isEventIdClash(failure)) {
      const retried = await storedAlready();
      if (retried) return retried;
      if (retries-- > 0) continue;
    }
    throw toError(failure);
  }
}

/**
 * The streams in the caller's order, which is their order in $all. Two calls
 * crossing the same streams in opposite orders do not deadlock: the function
 * takes the streams' locks in one global order before it writes any.
 */
function payloadOf(requests: readonly AppendRequest[]): string {
  return `[${requests.map((request, index) => `${batchElement(request).slice(0, -1)},"index":${index}}`).join(',')}]`;
}

/** A driver error as an AppendFailure, with the index of the stream that refused when the statement named one (HINT). */
export function failureOf(error: unknown): Failure {
  const e = error as { code?: unknown; message?: unknown; detail?: unknown; constraint?: unknown; hint?: unknown };
  const sqlState = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
  if (!sqlState) throw error;
  const index = typeof e.hint === 'string' && /^\d+$/.test(e.hint) ? Number(e.hint) : undefined;
  return {
    code: e.code as string,
    message: typeof e.message === 'string' ? e.message : 'append failed',
    detail: typeof e.detail === 'string' && e.detail !== '' ? e.detail : undefined,
    constraint: typeof e.constraint === 'string' && e.constraint !== '' ? e.constraint : undefined,
    cause: error,
    index,
  };
}
