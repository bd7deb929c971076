/** A query the read store refuses before touching the database: unknown operator, bad path, wrong value type. */
export class InvalidQueryError extends Error {
  readonly code = 'READ_STORE.INVALID_QUERY';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}
