import { streamCategory } from '@crm/shared/event-sourcing';

/**
 * Physical stream names on the server.
 *
 * The port names a stream by (tenantId, `{category}-{id}`), its category as
 * `streamCategory` reads it (`marketing-list-{uuid}` is a marketing list).
 * KurrentDB takes a stream's category from the text before its first '-'
 * ($by_category, `$ce-…`), so the category leads and carries no '-' of its
 * own: `{prefix}{encoded category}-{tenant}~{id}`, where the category's '-'
 * is written %2D ('%' itself %25). So `marketing-list` lands in
 * `$ce-marketing%2Dlist` and `lead-key` in `$ce-lead%2Dkey`, never among the
 * marketing lists' neighbours or the leads.
 *  - `$ce-lead` holds every tenant's leads, and one tenant's leads are the
 *    name prefix `lead-{tenant}~`: both work as server-side prefix filters,
 *    and the prefix of category X matches exactly X's streams.
 *  - The tenant is escaped ('%' → %25, '~' → %7E), so the first '~' after the
 *    category always ends it and the id may contain anything.
 *  - A stream id without '-' keeps an empty id part (`{category}-{tenant}~`);
 *    that is why `lead-` (an empty id after the dash) is refused.
 *  - Internal streams (snapshots, the event-id index) use categories that
 *    contain '~', which a domain category may not, so no domain stream can
 *    collide with them and `$all` readers tell them apart by name alone.
 *  - `prefix` scopes a whole store inside a shared server (tests, sandboxes);
 *    it becomes part of the category, so it must not contain '-' or '~'.
 */
export interface StreamIdentity {
  readonly tenantId: string;
  readonly streamId: string;
}

const SNAPSHOT_CATEGORY = 'crm~snapshot';
const EVENT_INDEX_CATEGORY = 'crm~eventid';

/** Injective, and free of '-': the server's category ends at the first '-'. */
export function encodeCategory(category: string): string {
  return category.replace(/[%-]/g, (c) => (c === '%' ? '%25' : '%2D'));
}

export function decodeCategory(encoded: string): string | undefined {
  if (/%(?!25|2D)/.test(encoded)) return undefined;
  return encoded.replace(/%(25|2D)/g, (_, code: string) => (code === '25' ? '%' : '-'));
}

export function encodeTenant(tenantId: string): string {
  return tenantId.replace(/[%~]/g, (c) => (c === '%' ? '%25' : '%7E'));
}

/** Undefined when `encoded` is not something encodeTenant can produce. */
export function decodeTenant(encoded: string): string | undefined {
  if (encoded.includes('~') || /%(?!25|7E)/.test(encoded)) return undefined;
  return encoded.replace(/%(25|7E)/g, (_, code: string) => (code === '25' ? '%' : '~'));
}

export class StreamNames {
  constructor(readonly prefix = '') {
    if (/[-~]/.test(prefix) || prefix.startsWith('$')) {
      throw new Error(`stream prefix ${JSON.stringify(prefix)} must not contain '-' or '~' nor start with '$'`);
    }
  }

  /** The physical name of a domain stream; refuses ids that could not be mapped back. */
  stream(tenantId: string, streamId: string): string {
    const category = streamCategory(streamId);
    const dashed = streamId.length > category.length;
    const id = dashed ? streamId.slice(category.length + 1) : '';
    if (category === '' || category.startsWith('$') || category.includes('~')) {
      throw new Error(`stream id ${JSON.stringify(streamId)}: the category must be non-empty, without '~', and not start with '$'`);
    }
    if (dashed && id === '') throw new Error(`stream id ${JSON.stringify(streamId)} has an empty id after '-'`);
    return `${this.prefix}${encodeCategory(category)}-${encodeTenant(tenantId)}~${id}`;
  }

  /** Maps a physical name back; undefined for system, internal, foreign or out-of-scope streams. */
  parse(name: string): StreamIdentity | undefined {
    if (!name.startsWith(this.prefix)) return undefined;
    const rest = name.slice(this.prefix.length);
    const dash = rest.indexOf('-');
    if (dash <= 0) return undefined;
    const encoded = rest.slice(0, dash);
    if (encoded.startsWith('$') || encoded.includes('~')) return undefined;
    const category = decodeCategory(encoded);
    if (category === undefined) return undefined;
    const tail = rest.slice(dash + 1);
    const tilde = tail.indexOf('~');
    if (tilde === -1) return undefined;
    const tenantId = decodeTenant(tail.slice(0, tilde));
    if (tenantId === undefined) return undefined;
    const id = tail.slice(tilde + 1);
    return { tenantId, streamId: id === '' ? category : `${category}-${id}` };
  }

  /** Name prefix shared by every stream of a category, optionally of one tenant. */
  categoryPrefix(category: string, tenantId?: string): string {
    return `${this.prefix}${encodeCategory(category)}-${tenantId === undefined ? '' : `${encodeTenant(tenantId)}~`}`;
  }

  snapshot(tenantId: string, streamId: string): string {
    return `${this.prefix}${SNAPSHOT_CATEGORY}-${encodeTenant(tenantId)}~${streamId}`;
  }

  eventIndex(tenantId: string, eventId: string): string {
    return `${this.prefix}${EVENT_INDEX_CATEGORY}-${encodeTenant(tenantId)}~${eventId}`;
  }
}
