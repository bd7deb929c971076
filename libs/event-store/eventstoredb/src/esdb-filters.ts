import { eventTypeFilter, streamNameFilter, type Filter } from '@kurrent/kurrentdb-client';
import type { AllFilter } from '@crm/shared/event-sourcing';
import { encodeTenant, type StreamNames } from './stream-names';

/** .NET and JavaScript agree on these metacharacters. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The server-side half of a `$all` filter, for reads and subscriptions alike. KurrentDB takes one
 * filter, on either stream name or event type, so we pick the most selective
 * one the naming scheme allows; `matchesFilter` then applies the whole filter
 * exactly on the client (ESDB prefixes match `Lead` against `LeadCaptured`).
 *
 *  - categories (optionally with a tenant): stream-name prefixes
 *    `{prefix}{category}-[{tenant}~]`;
 *  - otherwise a stream-name regex for "a domain stream of this scope[, tenant]"
 *    — it also keeps out system (`$…`) and internal (`…~…-`) streams;
 *  - event types alone, with no scope prefix: event-type prefixes (then
 *    system and internal events are dropped by the client).
 *
 * A category's prefix matches exactly its own streams: the encoded category
 * ends at the first '-' (stream-names.ts).
 */
export function serverFilterFor(names: StreamNames, filter: AllFilter | undefined): Filter {
  const tenantId = filter?.tenantId;
  if (filter?.categories && filter.categories.length > 0) {
    return streamNameFilter({ prefixes: filter.categories.map((category) => names.categoryPrefix(category, tenantId)) });
  }
  if (filter?.eventTypes && filter.eventTypes.length > 0 && names.prefix === '' && tenantId === undefined) {
    return eventTypeFilter({ prefixes: [...filter.eventTypes] });
  }
  return streamNameFilter({ regex: domainStreamRegex(names, tenantId) });
}

/** `{prefix}{category}-{tenant}~` where the category neither starts with '$' nor contains '~'. */
export function domainStreamRegex(names: StreamNames, tenantId?: string): string {
  const tenant = tenantId === undefined ? '[^~]*~' : `${escapeRegex(encodeTenant(tenantId))}~`;
  return `^${escapeRegex(names.prefix)}[^$~-][^~-]*-${tenant}`;
}
