import * as crypto from 'node:crypto';
import type { EventMetadata } from './event';

/**
 * Tamper evidence. Each event carries `prevHash` (its predecessor's `hash`) and
 * `hash = sha256(prevHash \n revision \n contentHash)`, where contentHash covers the
 * event's type, data, stream, tenant and key metadata in canonical JSON. The
 * chain step is a plain string so SQL adapters can compute it server-side
 * (PostgreSQL: sha256(convert_to(...))) and still agree with this code.
 */
export const GENESIS_HASH = '';

/**
 * An event whose personal fields were opened on read (libs/shared/personal-data)
 * keeps its data as stored under this key: the chain covers what is stored, the
 * ciphertext, so it verifies before and after the subject is erased.
 */
export const STORED_DATA: unique symbol = Symbol.for('crm.event.storedData');

/** The data as the store holds it: the sealed form of an opened event, else its data. */
export function storedData(event: { readonly data: unknown }): unknown {
  const stored = (event as { readonly [STORED_DATA]?: unknown })[STORED_DATA];
  return stored === undefined ? event.data : stored;
}

// One-shot hashing (Node ≥ 20.12) is markedly cheaper than createHash() for inputs this small.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

const omitted = (value: unknown): boolean => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** Strings JSON.stringify would write as they are: no quote, backslash, control character or surrogate. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
const VERBATIM = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** JSON.stringify of a string, without the call where nothing needs escaping (most keys and values). */
function quote(text: string): string {
  return VERBATIM.test(text) ? `"${text}"` : JSON.stringify(text);
}

/**
 * JSON with object keys sorted at every depth, so what was hashed can be
 * re-hashed after a JSONB round trip. Whatever JSON itself drops (undefined,
 * functions, symbols) is dropped here too, or written as null in an array.
 * It runs on every append, so it builds the string directly.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('a BigInt cannot be part of an event: events are JSON');
    case 'object':
      break;
    default:
      return 'null';
  }
  if (value === null) return 'null';
  const json = value as { toJSON?: () => unknown };
  if (typeof json.toJSON === 'function') return canonicalJson(json.toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as `<` does: the order other implementations of this form use.
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (omitted(item)) continue;
    out += (first ? '' : ',') + quote(key) + ':' + canonicalJson(item);
    first = false;
  }
  return `${out}}`;
}

export interface HashableEvent {
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Omit<EventMetadata, 'prevHash' | 'hash'> & Partial<Pick<EventMetadata, 'prevHash' | 'hash'>>;
}

/**
 * sha256 over the canonical JSON of the envelope: the same bytes as
 * canonicalJson({ streamId, tenantId, type, data, eventId, commandId,
 * correlationId, causationId, actor, occurredAt, schemaVersion, commandType }),
 * written field by field in sorted key order, since it runs on every append.
 */
export function contentHash(event: HashableEvent): string {
  return sha256Hex(contentJson(event));
}

export function contentJson(event: HashableEvent): string {
  const m = event.metadata;
  let out = '{';
  let first = true;
  const field = (key: string, json: string | undefined) => {
    if (json === undefined) return;
    out += `${first ? '' : ','}"${key}":${json}`;
    first = false;
  };
  const value = (v: unknown) => (omitted(v) ? undefined : canonicalJson(v));
  field('actor', value(m.actor));
  field('causationId', value(m.causationId));
  field('commandId', value(m.commandId));
  field('commandType', value(m.commandType));
  field('correlationId', value(m.correlationId));
  field('data', value(event.data));
  field('eventId', value(m.eventId));
  field('occurredAt', value(m.occurredAt));
  field('schemaVersion', value(m.schemaVersion));
  field('streamId', value(event.streamId));
  field('tenantId', value(m.tenantId));
  field('type', value(event.type));
  return `${out}}`;
}

/**
 * An event's metadata as read from a store that keeps its tenant and id in columns of their own too (to serve and
 * find it by them): those columns are what the store acts on, so the metadata says what they say, and the hash,
 * which covers the metadata's, fails when someone edited one without the other (a stream moved to another tenant by
 * its rows was served there and verified whole; an edited id passed). Metadata written without a tenant keeps none.
 */
export function fromColumns(metadata: EventMetadata, tenantId: string, eventId: string): EventMetadata {
  const mutable = metadata as { tenantId?: string; eventId: string };
  if (mutable.tenantId !== undefined) mutable.tenantId = tenantId;
  mutable.eventId = eventId;
  return metadata;
}

export function chainHash(prevHash: string, revision: number, content: string): string {
  return sha256Hex(`${prevHash}\n${revision}\n${content}`);
}

export type ChainVerification =
  | { readonly ok: true; readonly checked: number; readonly lastHash: string }
  | {
      readonly ok: false;
      readonly checked: number;
      readonly brokenAtRevision: number;
      readonly reason: 'revision_gap' | 'prev_hash_mismatch' | 'hash_mismatch';
    };

/**
 * Walks a stream from its first event (or from a trusted `startHash` at
 * `startRevision`) and reports the first broken link.
 */
export function verifyChain(
  events: Iterable<{
    readonly streamId: string;
    readonly type: string;
    readonly data: unknown;
    readonly revision: number;
    readonly metadata: EventMetadata;
  }>,
  start: { readonly revision: number; readonly hash: string } = { revision: -1, hash: GENESIS_HASH },
): ChainVerification {
  let expectedRevision = start.revision + 1;
  let prev = start.hash;
  let checked = 0;
  for (const event of events) {
    const broken = (reason: 'revision_gap' | 'prev_hash_mismatch' | 'hash_mismatch'): ChainVerification => ({
      ok: false,
      checked,
      brokenAtRevision: event.revision,
      reason,
    });
    if (event.revision !== expectedRevision) return broken('revision_gap');
    if (event.metadata.prevHash !== prev) return broken('prev_hash_mismatch');
    const content = contentHash({ streamId: event.streamId, type: event.type, data: storedData(event), metadata: event.metadata });
    if (chainHash(prev, event.revision, content) !== event.metadata.hash) return broken('hash_mismatch');
    prev = event.metadata.hash;
    expectedRevision += 1;
    checked += 1;
  }
  return { ok: true, checked, lastHash: prev };
}
