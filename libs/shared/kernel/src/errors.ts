/**
 * A value that cannot exist (a malformed phone, a fractional rial...). The code is
 * stable and machine-readable so the HTTP layer can map it without parsing messages.
 */
export class InvalidValueError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The request fields the value came from, when known: named in the 400's `errors`. */
    readonly fields?: readonly string[],
  ) {
    super(message);
    this.name = 'InvalidValueError';
  }
}
