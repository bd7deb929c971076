import {
  AccessDeniedError,
  AppendConsistencyViolationError,
  AppendRecordSizeExceededError,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  InvalidTransactionError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  RequiredMetadataPropertyMissingError,
  StreamDeletedError,
  StreamTombstonedError,
  TimeoutError,
  TransactionMaxSizeExceededError,
  UnavailableError,
  UnknownError,
  UnsupportedError,
  WrongExpectedVersionError,
  type AppendResult as EsdbAppendResult,
  type AppendStreamState,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';
import { StoreUnavailableError } from '@crm/shared/kernel';

/**
 * The part of the driver the adapter uses. A seam, so that the adapter's
 * handling of what the driver hands it can be tested without a server: an
 * in-process fake (testing/fake-kurrent-client.ts) and fault injection.
 */
export type KurrentClient = Pick<
  KurrentDBClient,
  'appendToStream' | 'multiStreamAppend' | 'readStream' | 'readAll' | 'subscribeToAll' | 'setStreamMetadata' | 'dispose'
>;

/**
 * Refusals the server gave for a request it did not carry out. Any other
 * failure of an append (connection lost, deadline, cancelled, unknown) leaves
 * its outcome unknown: the events may or may not have been written.
 */
export function isDefiniteRefusal(error: unknown): boolean {
  return (
    error instanceof WrongExpectedVersionError ||
    error instanceof StreamDeletedError ||
    error instanceof StreamTombstonedError ||
    error instanceof MaxAppendSizeExceededError ||
    error instanceof AppendRecordSizeExceededError ||
    error instanceof TransactionMaxSizeExceededError ||
    error instanceof AccessDeniedError ||
    error instanceof InvalidArgumentError ||
    error instanceof UnsupportedError ||
    // Checks the server makes before it writes anything: another stream's state (appendRecords' consistency
    // checks), a property its schema registry requires, a transaction it cannot take.
    error instanceof AppendConsistencyViolationError ||
    error instanceof RequiredMetadataPropertyMissingError ||
    error instanceof InvalidTransactionError ||
    // A follower refuses to write and names the leader: nothing was written.
    error instanceof NotLeaderError ||
    // The driver's own argument checks run before anything is sent.
    (error instanceof Error && /requires metadata to be a plain object/.test(error.message))
  );
}

export function isTombstoned(error: unknown): boolean {
  return error instanceof StreamDeletedError || error instanceof StreamTombstonedError;
}

export function isTooLarge(error: unknown): boolean {
  return (
    error instanceof MaxAppendSizeExceededError ||
    error instanceof AppendRecordSizeExceededError ||
    error instanceof TransactionMaxSizeExceededError
  );
}

/**
 * The driver's errors for a node out of reach or not answering in time: no connection (UnavailableError, also the
 * driver's mapping of INTERNAL and DATA_LOSS), a deadline (DeadlineExceededError), the server's own timeout
 * (TimeoutError, gRPC ABORTED), a call cancelled by the server (CancelledError), a follower that wants the leader
 * (NotLeaderError, during an election). They carry a gRPC status as `code` and `name` 'Error', nothing the kernel can
 * tell apart from a bug: see toStoreError.
 */
export function isPassingFailure(error: unknown): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof CancelledError ||
    error instanceof NotLeaderError
  );
}

/**
 * A passing failure of a driver call as the kernel's StoreUnavailableError (isTransientStoreError: a lane retries
 * it, a rebuild waits it out, an API request answers 503 with Retry-After); anything else as it is. For calls whose
 * failure cannot leave a write behind unknown (reads, idempotent writes); the appender tells lost replies apart itself.
 */
export function toStoreError(error: unknown): unknown {
  return isPassingFailure(error) ? new StoreUnavailableError('KurrentDB', error) : error;
}

/**
 * A failed read (`readStream`, `readAll`) as toStoreError has it, and one more: since client 1.3 these reads go through
 * the driver's native bridge, which names six failures and turns every other (a gRPC stream reset or aborted, a
 * connection error of its own) into UnknownError (utils/convertBridgeError.js). A read changes nothing, so such a
 * failure is passing too (a retry is safe); as it was, a lane took it for failing for good and the API answered 500
 * where nothing had been written.
 */
export function toReadError(error: unknown): unknown {
  return error instanceof UnknownError && isBridgeUnknown(error) ? new StoreUnavailableError('KurrentDB', error) : toStoreError(error);
}

/**
 * The bridge's own UnknownError (a stream reset, a connection error): passing. It wraps others as UnknownError too,
 * which a retry would meet again: its ParseError (a reply it cannot parse) and the JavaScript side's TypeError or
 * RangeError for an argument; those stay as they are.
 */
function isBridgeUnknown(error: UnknownError): boolean {
  return (error as { _raw?: { name?: unknown } })._raw?.name === 'UnknownError';
}

/**
 * An append the server refused for its expected state, as the driver reports it when `throwOnAppendFailure` is off
 * (`{ success: false }` instead of WrongExpectedVersionError): thrown as that error, so that nothing after it takes
 * the append for written. With the option off, the driver's batch append reports the current revision wrongly (a
 * boolean as BigInt), so `current` says nothing reliable here; the appender reads the head again anyway.
 */
export function appended<R extends Pick<EsdbAppendResult, 'success' | 'nextExpectedRevision'>>(
  streamName: string,
  expected: AppendStreamState,
  result: R,
): R {
  if (result.success !== false) return result;
  const current = result.nextExpectedRevision < 0n ? NO_STREAM : result.nextExpectedRevision;
  throw new WrongExpectedVersionError(undefined, { streamName, expected, current });
}
