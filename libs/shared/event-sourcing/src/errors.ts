/**
 * A business rule refused the command. `code` is stable (e.g. COMPLAINT.NOT_ACKNOWLEDGED).
 * HTTP: 409; `*.NOT_FOUND` codes 404; with `details.fields` (paths of input the
 * domain found invalid) 400 naming those fields.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'DomainError';
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
