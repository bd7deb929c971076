import { refusals, type Refusal } from '@crm/shared/kernel';

/** What the store itself refuses, for aggregates that declare no refusals of their own. */
export const STREAM_REFUSALS = refusals('STREAM', {
  NOT_FOUND: [404, 'No stream has this id'],
  ALREADY_EXISTS: [409, 'A create command named an id whose stream already exists'],
});

export type RefusalDetails = Readonly<Record<string, unknown>>;
/** A 400 refusal says which input was wrong: `fields` holds their paths (`opportunity.name`, `lines.0.quantity`). */
export type FieldRefusalDetails = RefusalDetails & { readonly fields: readonly string[] };

type DetailsOf<R extends Refusal> = R['status'] extends 400 ? [details: FieldRefusalDetails] : [details?: RefusalDetails];

/**
 * The domain refused a command: one of the refusals an aggregate declares
 * (`LEAD_REFUSALS.CLOSED`), carrying its stable code and HTTP status. A 400
 * refusal must name the fields it found invalid; the type checker sees to it.
 */
export class DomainError<R extends Refusal = Refusal> extends Error {
  readonly code: R['code'];
  readonly status: R['status'];
  readonly details?: RefusalDetails;

  constructor(
    readonly refusal: R,
    message: string,
    ...[details]: DetailsOf<R>
  ) {
    super(message);
    this.name = 'DomainError';
    this.code = refusal.code;
    this.status = refusal.status;
    this.details = details;
  }
}

/** The stream was not at the revision the caller expected. */
export class WrongExpectedRevisionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${expected}, actual ${actual === 'no_stream' ? 'no stream' : actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** A command addressed a stream that has no events. */
export class StreamNotFoundError extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} not found`);
    this.name = 'StreamNotFoundError';
  }
}

/**
 * A command of an atomic group was refused by a stream that a run of the same command id (its twin: the same
 * request sent twice at once, maybe to two processes) changed since it was read. The refusal is not the answer: the
 * caller answers from what was recorded (the first reply, or 422 for another request). HTTP, if unhandled: 409,
 * retry (the retry gets the first reply).
 */
export class CommandRecordedMeanwhileError extends Error {
  constructor(readonly commandId: string) {
    super(`command ${commandId} was recorded by another run while this one was decided; retry for its reply`);
    this.name = 'CommandRecordedMeanwhileError';
  }
}

/** The same command id came back with a different command: a client bug worth refusing loudly. */
export class IdempotencyConflictError extends Error {
  constructor(readonly commandId: string) {
    super(`command id ${commandId} was already used for a different command`);
    this.name = 'IdempotencyConflictError';
  }
}

/**
 * The events would exceed what the store accepts in one append (KurrentDB's
 * MaxAppendSize, 1 MiB by default). Nothing was written; the same command
 * will always be refused, so it is not retried. HTTP: 413.
 */
export class AppendTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(`an append ${Number.isFinite(bytes) ? `of ${bytes} bytes ` : ''}exceeds the store's limit of ${limitBytes} bytes`);
    this.name = 'AppendTooLargeError';
  }
}

/**
 * The store did not answer an append (connection lost, deadline, leader
 * change) and could not be asked afterwards whether it was written. Retrying
 * the command with the same command id is safe: if the first attempt was
 * written, the retry returns its result. HTTP: 503 with Retry-After.
 */
export class AppendOutcomeUnknownError extends Error {
  constructor(
    readonly streamIds: readonly string[],
    override readonly cause: unknown,
  ) {
    super(`the store did not confirm the append to ${streamIds.join(', ')}; retry with the same command id`);
    this.name = 'AppendOutcomeUnknownError';
  }
}

/** The stream was hard-deleted (tombstoned): it can never be written again. HTTP: 410. */
export class StreamDeletedError extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} has been deleted for good`);
    this.name = 'StreamDeletedError';
  }
}
