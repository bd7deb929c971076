import { createHash } from 'node:crypto';
import type { EventMetadata } from './event';

/**
 * Tamper evidence. Each event carries `prevHash` (its predecessor's `hash`) and
 * `hash = sha256(prevHash \n revision \n contentHash)`, where contentHash covers the
 * event's type, data, stream, tenant and key metadata in canonical JSON. The
 * chain step is a plain string so SQL adapters can compute it server-side
 * (PostgreSQL: sha256(convert_to(...))) and still agree with this code.
 */
export const GENESIS_HASH = '';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted at every depth; what was hashed can be re-hashed after a JSONB round trip. */
/** What JSON itself leaves out of an object (and writes as null in an array). */
const omitted = (value: unknown): boolean => value === undefined || typeof value === 'function' || typeof value === 'symbol';

export function canonicalJson(value: unknown): string {
  const json = value as { toJSON?: () => unknown } | null;
  if (json !== null && typeof json === 'object' && typeof json.toJSON === 'function') return canonicalJson(json.toJSON());
  if (value === null || typeof value !== 'object') {
    if (omitted(value)) return 'null';
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => !omitted(v))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface HashableEvent {
  readonly streamId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Omit<EventMetadata, 'prevHash' | 'hash'> & Partial<Pick<EventMetadata, 'prevHash' | 'hash'>>;
}

export function contentHash(event: HashableEvent): string {
  const m = event.metadata;
  return sha256Hex(
    canonicalJson({
      streamId: event.streamId,
      tenantId: m.tenantId,
      type: event.type,
      data: event.data,
      eventId: m.eventId,
      commandId: m.commandId,
      correlationId: m.correlationId,
      causationId: m.causationId,
      actor: m.actor,
      occurredAt: m.occurredAt,
      schemaVersion: m.schemaVersion,
      commandType: m.commandType,
    }),
  );
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
    if (chainHash(prev, event.revision, contentHash(event)) !== event.metadata.hash) return broken('hash_mismatch');
    prev = event.metadata.hash;
    expectedRevision += 1;
    checked += 1;
  }
  return { ok: true, checked, lastHash: prev };
}
