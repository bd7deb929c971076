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

/** The same command id came back with a different command: a client bug worth refusing loudly. */
export class IdempotencyConflictError extends Error {
  constructor(readonly commandId: string) {
    super(`command id ${commandId} was already used for a different command`);
    this.name = 'IdempotencyConflictError';
  }
}
