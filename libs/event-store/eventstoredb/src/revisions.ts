import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  WrongExpectedVersionError,
  type AppendStreamState,
  type CurrentStreamState,
} from '@kurrent/kurrentdb-client';
import { describeExpected, WrongExpectedRevisionError, type ExpectedRevision } from '@crm/shared/event-sourcing';

/** The port's expected revision in the driver's vocabulary (revisions are BigInt on the wire). */
export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** The exact state an append after `head` expects: what makes a stored chain impossible to fork. */
export function exactStateAfter(head: number | undefined): AppendStreamState {
  return head === undefined ? NO_STREAM : BigInt(head);
}

/** The driver's current state as ours; a negative revision (the v2 protocol's deleted -5 or tombstoned -6) holds no events. */
export function fromCurrentState(current: CurrentStreamState): number | 'no_stream' {
  return typeof current === 'bigint' && current >= 0n ? Number(current) : 'no_stream';
}

/** Our error for the driver's, keeping the caller's expectation (the driver only knows the exact one we sent). */
export function toWrongExpectedRevision(
  streamId: string,
  expected: ExpectedRevision,
  error: WrongExpectedVersionError,
): WrongExpectedRevisionError {
  return new WrongExpectedRevisionError(streamId, describeExpected(expected), fromCurrentState(error.actualState));
}

export function isWrongExpectedVersion(error: unknown): error is WrongExpectedVersionError {
  return error instanceof WrongExpectedVersionError;
}
