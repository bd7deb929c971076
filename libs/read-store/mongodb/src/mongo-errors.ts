/**
 * A read-model document over MongoDB's BSON limit (16 MiB): the server would
 * refuse it on every retry, so the write is refused before it is sent. It is
 * permanent (`permanent: true`, the runtime's mark for "never, not not-now"):
 * the runner stops the projection at the event that produced it and shows
 * the collection and document in its status, instead of retrying forever.
 */
export class DocumentTooLargeError extends Error {
  readonly code = 'READ_STORE.DOCUMENT_TOO_LARGE';
  readonly permanent = true;

  constructor(
    readonly collection: string,
    readonly id: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(`read-model document ${collection}/${id} is ${bytes} bytes, over MongoDB's limit of ${limitBytes}`);
    this.name = 'DocumentTooLargeError';
  }
}

/**
 * A read-model document BSON cannot carry (the driver's BSONError while serialising it: a key with a NUL
 * character, say): the server would never see it, on any retry. Permanent (`permanent: true`), like
 * DocumentTooLargeError, so the runner stops the projection at the event that produced it instead of retrying
 * the batch for ever. `id` names the first document of the write that fails alone, when one does.
 */
export class DocumentNotStorableError extends Error {
  readonly code = 'READ_STORE.DOCUMENT_NOT_STORABLE';
  readonly permanent = true;

  constructor(
    readonly collection: string,
    readonly id: string | undefined,
    override readonly cause: unknown,
  ) {
    super(
      `read-model document ${collection}/${id ?? '?'} cannot be stored in MongoDB: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'DocumentNotStorableError';
  }
}
