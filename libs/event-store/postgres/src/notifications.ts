import type { Appended } from '@crm/shared/event-sourcing';

/**
 * What a NOTIFY of this store's channel says was appended: its payload is the commit's distinct
 * `category:type` pairs, space-separated (statements.ts, and append_to_stream in append-functions.sql.ts). An
 * empty payload (a writer of an earlier version) or one that does not parse is of unknown kinds: `undefined`,
 * and every subscription reads.
 */
export function appendedFromPayload(payload: string | undefined): Appended | undefined {
  if (!payload) return undefined;
  const categories = new Set<string>();
  const types = new Set<string>();
  for (const pair of payload.split(' ')) {
    const at = pair.lastIndexOf(':');
    if (at <= 0 || at === pair.length - 1) return undefined;
    categories.add(pair.slice(0, at));
    types.add(pair.slice(at + 1));
  }
  return { categories: [...categories], types: [...types] };
}
