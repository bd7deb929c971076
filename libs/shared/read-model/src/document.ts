export type Scalar = string | number | boolean | null;

/** Documents are JSON objects; everything a store returns went through JSON, so Dates come back as strings. */
export type JsonObject = Record<string, unknown>;

/** A stored document with its key and the global position of the last event applied to it. */
export interface DocumentRecord<D extends object = JsonObject> {
  readonly id: string;
  readonly doc: D;
  /** Undefined for documents written outside a projection. */
  readonly position: string | undefined;
}

/** Serialises a document once, at the boundary, so a caller mutating it afterwards cannot change what commits. */
export function serializeDocument(collection: string, id: string, doc: object): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new TypeError(`${collection}/${id}: a document must be a JSON object`);
  }
  return JSON.stringify(doc);
}

/** `tenant:id`: read-model keys carry the tenant from day one (DESIGN.md "Tenancy"). */
export const tenantKey = (tenantId: string, id: string): string => `${tenantId}:${id}`;
