import {
  AccessDeniedError,
  AppendRecordSizeExceededError,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  StreamTombstonedError,
  TransactionMaxSizeExceededError,
  UnsupportedError,
  WrongExpectedVersionError,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';

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
