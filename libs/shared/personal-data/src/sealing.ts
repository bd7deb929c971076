import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

/**
 * A sealed personal value: `pd1:<subjectRef>:<base64(iv | tag | ciphertext)>`,
 * AES-256-GCM under the subject's data key, with the tenant and subject as
 * associated data so a sealed value cannot be moved to another person. The
 * plaintext is the value's JSON, so strings, numbers and lists seal alike.
 */
export const SEALED_PREFIX = 'pd1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

/** What an erased subject's string fields read back as. */
export const ERASED = '[erased]';

/** Whose data this is: the stream the record lives in (`lead-…`, `complaint-…`), within a tenant. */
export interface SubjectKeyRef {
  readonly tenantId: string;
  readonly subjectRef: string;
}

const SUBJECT_REF = /^[A-Za-z0-9_-]{1,200}$/;

export function assertSubjectRef(subjectRef: string): void {
  if (!SUBJECT_REF.test(subjectRef)) throw new Error(`subject reference ${JSON.stringify(subjectRef)} is not a stream id`);
}

function associatedData(tenantId: string, subjectRef: string): Buffer {
  return Buffer.from(`${tenantId}\n${subjectRef}`, 'utf8');
}

// IVs and data keys come from one pool refilled from the CSPRNG: one system call per 4 KiB instead of one per value
// (a new subject takes a key and two IVs). What is handed out is copied and its bytes in the pool zeroed.
const RANDOM_POOL = Buffer.alloc(4096);
let poolOffset = RANDOM_POOL.length;

function randomFromPool(size: number): Buffer {
  if (poolOffset + size > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    poolOffset = 0;
  }
  const bytes = Buffer.from(RANDOM_POOL.subarray(poolOffset, poolOffset + size));
  RANDOM_POOL.fill(0, poolOffset, poolOffset + size);
  poolOffset += size;
  return bytes;
}

const freshIv = (): Buffer => randomFromPool(IV_BYTES);

export function sealValue(key: Buffer, ref: SubjectKeyRef, value: unknown): string {
  assertSubjectRef(ref.subjectRef);
  const iv = freshIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(ref.tenantId, ref.subjectRef));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${ref.subjectRef}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

/** The subject a sealed value names, or undefined when it is not one. */
export function sealedSubject(value: unknown): string | undefined {
  if (!isSealed(value)) return undefined;
  const end = value.indexOf(':', SEALED_PREFIX.length);
  return end === -1 ? undefined : value.slice(SEALED_PREFIX.length, end);
}

/** The value, or undefined when this key does not open it (another key, or a key made after an erasure). */
export function openValue(key: Buffer, tenantId: string, sealed: string): { readonly value: unknown } | undefined {
  const subjectRef = sealedSubject(sealed);
  if (subjectRef === undefined) return undefined;
  const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length + subjectRef.length + 1), 'base64');
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(associatedData(tenantId, subjectRef));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const text = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

export function newDataKey(): Buffer {
  return randomFromPool(DATA_KEY_BYTES);
}

/** Data keys rest wrapped under the key-encryption key (AES-256-GCM, bound to tenant and subject). */
export function wrapDataKey(kek: Buffer, ref: SubjectKeyRef, dataKey: Buffer): Buffer {
  const iv = freshIv();
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(associatedData(ref.tenantId, ref.subjectRef));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function unwrapDataKey(kek: Buffer, ref: SubjectKeyRef, wrapped: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, IV_BYTES));
  decipher.setAAD(associatedData(ref.tenantId, ref.subjectRef));
  decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new Error(`the data key of ${ref.subjectRef} does not open with this key-encryption key (CRM_KEK changed?)`);
  }
}
