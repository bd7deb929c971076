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
