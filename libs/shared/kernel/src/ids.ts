import { createHmac, hash, randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function newId(): string {
  return randomUUID();
}

/** Namespace for every name-based id the CRM derives (UUID v5 of a fixed DNS-style name). */
export const CRM_NAMESPACE = '6f1c8a8e-2f57-5b5c-9d7e-2b1f3c6a9e10';

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** The CRM namespace's bytes, parsed once: nearly every call names it. */
const CRM_NAMESPACE_BYTES = uuidBytes(CRM_NAMESPACE);

/** RFC 9562 UUID v5: the same namespace and name always give the same id. */
export function uuidV5(name: string, namespace: string = CRM_NAMESPACE): string {
  // One-shot hash of one buffer: about 40% less than createHash().update().update().digest() per id.
  const bytes = hash(
    'sha1',
    Buffer.concat([namespace === CRM_NAMESPACE ? CRM_NAMESPACE_BYTES : uuidBytes(namespace), Buffer.from(name, 'utf8')]),
    'buffer',
  );
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex', 0, 16);
  // join makes one flat string; a template of slices is a tree of V8 cons strings, about four times the memory
  // of the id for as long as it is kept (a seed of 10M events keeps millions of them).
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

/** Ids that follow from another id (an event of a command, an aggregate made by a process). */
export function derivedId(sourceId: string, purpose: string | number): string {
  return uuidV5(`${sourceId}/${purpose}`);
}

/**
 * A name-based id keyed with a server secret (UUID version 8 over HMAC-SHA-256): stable for the same key and name, and
 * not recomputable without the key, for names a client chose (an Idempotency-Key may be built from a phone number).
 */
export function keyedUuid(key: Buffer, name: string): string {
  const bytes = createHmac('sha256', key).update(name, 'utf8').digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex', 0, 16);
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}
