/** A query the read store refuses before touching the database: unknown operator, bad path, wrong value type. */
export class InvalidQueryError extends Error {
  readonly code = 'READ_STORE.INVALID_QUERY';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

/**
 * A fenced commit found the lease at another epoch: another process took the
 * projection over (this one was paused past its lease). Nothing was written.
 */
export class LeaseLostError extends Error {
  readonly code = 'READ_STORE.LEASE_LOST';

  constructor(
    readonly lease: string,
    readonly epoch: number,
  ) {
    super(`the lease ${lease} is no longer at epoch ${epoch}: another process owns it now, so this commit was refused`);
    this.name = 'LeaseLostError';
  }
}
