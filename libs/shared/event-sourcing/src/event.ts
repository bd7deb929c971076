/** Shapes shared by every context: commands and events are `{ type, data }` unions. */
export type Event<Type extends string = string, Data extends object = Record<string, unknown>> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

export type Command<Type extends string = string, Data extends object = Record<string, unknown>> = Readonly<{
  type: Type;
  data: Readonly<Data>;
}>;

export interface Actor {
  /** The authenticated principal: an API key's id, a JWT's `sub`, or the CLI's OS user. */
  readonly id: string;
  readonly roles: readonly string[];
  /** The person a service acted for (`X-On-Behalf-Of`), recorded beside the principal, never instead of it. */
  readonly onBehalfOf?: string;
}

export const DEFAULT_TENANT = 'default';
export const ANONYMOUS: Actor = { id: 'anonymous', roles: [] };

/** Who did what, why and when — recorded with every event (DESIGN.md "Event envelope"). */
export interface EventMetadata {
  readonly eventId: string;
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: Actor;
  readonly tenantId: string;
  readonly occurredAt: string;
  readonly schemaVersion: number;
  /** The command's type: a reused command id with another command is refused, not answered with the first reply. */
  readonly commandType?: string;
  /**
   * W3C trace context of the request that caused the event, so a projection batch links back to it.
   * Operational, not part of the record: the hash chain does not cover it.
   */
  readonly traceparent?: string;
  /**
   * Keyed hash of the request that carried the command (first event only): the same command id with
   * another request is refused (422), never answered with the first reply. Not covered by the hash chain.
   */
  readonly requestFingerprint?: string;
  /** SHA-256 of the previous event of the stream ('' for the first). */
  readonly prevHash: string;
  /** SHA-256 over this event's canonical form, prevHash included. */
  readonly hash: string;
}

/** An event as the store returns it. `position` is the adapter's opaque global checkpoint. */
export interface RecordedEvent<E extends Event = Event> {
  readonly streamId: string;
  readonly type: E['type'];
  readonly data: E['data'];
  readonly revision: number;
  readonly position: string;
  readonly metadata: EventMetadata;
}

/** What a caller hands to `appendToStream`; the store adds revision, position and the hash chain. */
export interface EventToAppend {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>> | object;
  readonly metadata: Omit<EventMetadata, 'prevHash' | 'hash'>;
}

const TRAILING_UUID = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `{category}-{id}`. Ids are UUIDs and some categories have a dash of their own
 * (`marketing-list`, `survey-response`), so a trailing UUID marks the split;
 * other ids split at the first dash, as EventStoreDB does.
 */
export function streamCategory(streamId: string): string {
  const uuid = TRAILING_UUID.exec(streamId);
  if (uuid) return streamId.slice(0, uuid.index);
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}

export function streamIdOf(category: string, id: string): string {
  return `${category}-${id}`;
}
