import type { Actor, EventMetadata } from '@crm/shared/event-sourcing';

/**
 * The envelope as KurrentDB metadata. `multiStreamAppend` takes only string
 * values, so every field travels as a string, on both append paths alike:
 * text as is, numbers in decimal, the actor as JSON. One codec per field of
 * EventMetadata, and the mapped type makes a field added to EventMetadata a
 * compile error here until it has a codec: the round trip stays an identity.
 */
interface Codec<T> {
  encode(value: T): string;
  /** Undefined when the stored value is not one this codec (or the earlier, typed JSON form) can produce. */
  decode(stored: unknown): T | undefined;
}

const text: Codec<string> = {
  encode: (value) => value,
  decode: (stored) => (typeof stored === 'string' ? stored : undefined),
};

const integer: Codec<number> = {
  encode: (value) => String(value),
  decode: (stored) => {
    // Metadata written before every value became a string kept numbers as numbers.
    if (typeof stored === 'number') return Number.isSafeInteger(stored) ? stored : undefined;
    return typeof stored === 'string' && /^-?(0|[1-9]\d*)$/.test(stored) && Number.isSafeInteger(Number(stored))
      ? Number(stored)
      : undefined;
  },
};

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** JSON of the whole actor, so a field added to Actor travels without a change here. */
const actor: Codec<Actor> = {
  encode: (value) => JSON.stringify(value),
  decode: (stored) => {
    let parsed: unknown = stored;
    if (typeof stored === 'string') {
      try {
        parsed = JSON.parse(stored);
      } catch {
        return undefined;
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const candidate = parsed as Partial<Actor>;
    if (typeof candidate.id !== 'string' || !isStringArray(candidate.roles)) return undefined;
    if (candidate.onBehalfOf !== undefined && typeof candidate.onBehalfOf !== 'string') return undefined;
    return parsed as Actor;
  },
};

type Codecs = { readonly [K in keyof EventMetadata]-?: Codec<Exclude<EventMetadata[K], undefined>> };

export const METADATA_CODECS: Codecs = {
  eventId: text,
  commandId: text,
  correlationId: text,
  causationId: text,
  actor,
  tenantId: text,
  occurredAt: text,
  schemaVersion: integer,
  commandType: text,
  traceparent: text,
  requestFingerprint: text,
  prevHash: text,
  hash: text,
};

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** Fields an event may lack (the type says which: a new optional field must be listed); every other one must be present. */
const OPTIONAL: Readonly<Record<OptionalKeys<EventMetadata>, true>> = { commandType: true, traceparent: true, requestFingerprint: true };

const FIELDS = Object.keys(METADATA_CODECS) as (keyof EventMetadata)[];

/** Our envelope as string-valued KurrentDB metadata (absent optional fields stay absent). */
export function encodeMetadata(metadata: EventMetadata): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = metadata[field];
    if (value === undefined) continue;
    encoded[field] = (METADATA_CODECS[field] as Codec<typeof value>).encode(value);
  }
  return encoded;
}

/** The envelope back, or undefined when the metadata is not one this adapter wrote. Other keys ($schema.…, $correlationId) are ignored. */
export function decodeMetadata(raw: unknown): EventMetadata | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const stored = raw as Record<string, unknown>;
  const decoded: Record<string, unknown> = {};
  for (const field of FIELDS) {
    if (stored[field] === undefined) {
      if (field in OPTIONAL) continue;
      return undefined;
    }
    const value = METADATA_CODECS[field].decode(stored[field]);
    if (value === undefined) return undefined;
    decoded[field] = value;
  }
  return decoded as unknown as EventMetadata;
}
